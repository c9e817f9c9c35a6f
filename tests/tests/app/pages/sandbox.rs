//! The payment sandbox's payer page (`/sandbox/pay/{out_trade_no}`), served
//! by the server in development: the payer's phone, standing in.

use super::Page;

/// The payer page.
pub struct SandboxPayerPage {
    pub page: Page,
}

impl SandboxPayerPage {
    /// Opens the payer page at `href` (a path).
    pub async fn open(page: Page, href: &str) -> SandboxPayerPage {
        page.goto(href).await;
        page.find("sandbox-amount").await;
        SandboxPayerPage { page }
    }

    /// The amount to pay, e.g. "¥6980.00".
    pub async fn amount(&self) -> String {
        self.page.text("sandbox-amount").await
    }

    /// Pays, and waits until the page says it is paid.
    pub async fn pay(&self) {
        self.page.click("sandbox-pay").await;
        let page = self.page.clone();
        self.page
            .wait_until("the sandbox says paid", || {
                let page = page.clone();
                async move { page.attr("sandbox-status", "data-status").await.as_deref() == Some("paid") }
            })
            .await;
    }
}
