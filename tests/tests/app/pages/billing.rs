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
