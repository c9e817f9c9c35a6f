//! 运营后台 (`/ops`): money to return with its refund action, deliveries
//! that need a person with their retry action.

use super::Page;

/// The operations console.
pub struct OpsPage {
    pub page: Page,
}

impl OpsPage {
    /// Opens the console and waits for its title.
    pub async fn open(page: Page) -> OpsPage {
        page.goto("/ops").await;
        page.find("ops-title").await;
        OpsPage { page }
    }

    /// Shows the payments in `status` (`refund_due`, `disputed`, `refunding`, `refunded`).
    pub async fn show(&self, status: &str) {
        self.page.click_css(&format!("label:has(> [data-testid=\"ops-status-{status}\"])")).await;
    }

    /// Waits until payment `out_trade_no` is listed under `status`, refreshing until it is.
    pub async fn wait_for_payment(&self, status: &str, out_trade_no: &str) {
        self.show(status).await;
        self.page
            .wait_until(&format!("{out_trade_no} is listed as {status}"), || async {
                if self.page.has(&format!("ops-payment-{out_trade_no}")).await {
                    return true;
                }
                self.page.click("ops-refresh").await;
                false
            })
            .await;
    }

    /// Waits until no delivery needs a person, refreshing until none does.
    pub async fn wait_for_no_delivery(&self) {
        self.page
            .wait_until("no delivery needs a person", || async {
                if self.page.has("ops-deliveries-empty").await {
                    return true;
                }
                self.page.click("ops-refresh").await;
                false
            })
            .await;
    }

    /// 原路退款 on a payment; returns what the console said.
    pub async fn refund(&self, out_trade_no: &str) -> String {
        self.page.click(&format!("refund-{out_trade_no}")).await;
        self.page.text("ops-outcome").await
    }

    /// Looks `text` up, opens the first account found and returns its history as shown.
    pub async fn history(&self, text: &str) -> String {
        self.page.type_into("ops-lookup", text).await;
        self.page.click("ops-lookup-go").await;
        self.page.click_css("[data-testid=\"ops-accounts\"] li:first-child button").await;
        self.page.text("ops-timeline").await
    }

    /// 重新交付 on an order; returns what the console said.
    pub async fn retry(&self, order: i64) -> String {
        self.page.click(&format!("retry-{order}")).await;
        self.page.text("ops-outcome").await
    }
}
