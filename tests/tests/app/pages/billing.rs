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
}
