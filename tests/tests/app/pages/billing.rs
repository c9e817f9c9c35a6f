//! 费用管理 (`/billing`, `/mp/billing`).

use super::Page;

/// The billing page.
pub struct BillingPage {
    pub page: Page,
}

impl BillingPage {
    /// Opens the page at `path` and waits for its figures.
    pub async fn open(page: Page, path: &str) -> BillingPage {
        page.goto(path).await;
        page.find("contracts-remaining").await;
        BillingPage { page }
    }

    /// Each grant's bar as shown, in page order: (test id, state, label,
    /// figures, the bar's value and max, its badge).
    pub async fn grants(&self) -> Vec<GrantBar> {
        self.page.find("grants").await;
        let shown = self
            .page
            .script(
                "return [...document.querySelectorAll('[data-testid=grants] li.grant')].map(li => {
                   const bar = li.querySelector('progress');
                   const badge = li.querySelector('.badge');
                   return [li.dataset.testid, li.dataset.state, li.querySelector('[data-testid=grant-label]').textContent,
                           li.querySelector('.grant-figures').textContent, bar.value, bar.max,
                           badge ? badge.textContent : '', bar.getAttribute('aria-label') || ''];
                 })",
            )
            .await;
        let rows = shown.as_array().cloned().unwrap_or_default();
        rows.iter()
            .map(|r| {
                let text = |i: usize| r[i].as_str().unwrap_or_default().to_owned();
                GrantBar {
                    id: text(0),
                    state: text(1),
                    label: text(2),
                    figures: text(3),
                    value: r[4].as_f64().unwrap_or(-1.0),
                    max: r[5].as_f64().unwrap_or(-1.0),
                    badge: text(6),
                    accessible_name: text(7),
                }
            })
            .collect()
    }

    /// The 份额变动记录 lines shown, newest first, each as its text.
    pub async fn history(&self) -> Vec<String> {
        self.page.find("quota-history").await;
        let shown = self
            .page
            .script("return [...document.querySelectorAll('[data-testid=quota-history] li.history-row')].map(li => li.innerText.replace(/\\s+/g, ' ').trim())")
            .await;
        shown.as_array().cloned().unwrap_or_default().iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
    }

    /// Waits until the history shows `n` lines.
    pub async fn wait_for_history(&self, n: usize) -> Vec<String> {
        self.page
            .wait_until(&format!("{n} quota moves shown"), || async move { self.history().await.len() == n })
            .await;
        self.history().await
    }

    /// The edition as shown (or 尚未购买产品版本).
    pub async fn edition(&self) -> String {
        self.page.text("billing-edition").await
    }

    /// 购买合同加量包: on to the chooser with a 1,000-contract pack chosen.
    pub async fn buy_packs(&self) {
        self.page.click("action-packages").await;
        self.page.wait_for_path("the chooser", |p| p == "/" || p == "/mp/buy").await;
    }

    /// 申请7天免费试用, then waits until the edition shows the trial.
    pub async fn start_trial(&self) {
        self.page.click("start-trial").await;
        let page = self.page.clone();
        self.page
            .wait_until("the trial shows", || {
                let page = page.clone();
                async move { page.text("billing-edition").await.contains("试用") }
            })
            .await;
    }

    /// Asks for the invoice code (sent to the enterprise's security phone).
    pub async fn send_invoice_code(&self) {
        self.page.click("invoice-send-code").await;
    }

    /// Types the code and presses 验证, whatever the answer.
    pub async fn submit_invoice_code(&self, code: &str) {
        self.page.type_into("invoice-code", code).await;
        self.page.click("invoice-verify").await;
    }

    /// Types the right code and verifies it; the app then goes on to the invoice centre.
    pub async fn verify_invoice_code(&self, code: &str) {
        self.submit_invoice_code(code).await;
        self.page.wait_for_path("the invoice centre", |p| p == "/invoices").await;
    }
}

/// One grant's bar on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantBar {
    pub id: String,
    pub state: String,
    pub label: String,
    pub figures: String,
    pub value: f64,
    pub max: f64,
    pub badge: String,
    pub accessible_name: String,
}
