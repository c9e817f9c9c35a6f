//! 核对订单 (`/review`, `/mp/review`): lines, vouchers, details, submit.

use super::Page;

/// The review page.
pub struct ReviewPage {
    pub page: Page,
}

impl ReviewPage {
    /// The page as it is now, once its submit button (or, for a first
    /// personal purchase in the mini-program, the 信息补充 step) is there.
    pub async fn ready(page: Page) -> ReviewPage {
        page.find_css("[data-testid=\"place-order\"], [data-testid=\"person-details\"]").await;
        ReviewPage { page }
    }

    /// Whether one of the buyer's vouchers can be chosen.
    pub async fn voucher_enabled(&self, id: &str) -> bool {
        self.page.enabled(&format!("voucher-{id}")).await
    }

    /// The text of a voucher's row, its reason included.
    pub async fn voucher_text(&self, id: &str) -> String {
        self.page.text(&format!("voucher-row-{id}")).await
    }

    /// Chooses a voucher (its label, as a person would).
    pub async fn choose_voucher(&self, id: &str) {
        self.page.click_css(&format!("label[for=\"voucher-{id}\"]")).await;
    }

    /// Whether the voucher's radio is the one chosen.
    pub async fn voucher_chosen(&self, id: &str) -> bool {
        let radio = self.page.find(&format!("voucher-{id}")).await;
        radio.prop("checked").await.ok().flatten().as_deref() == Some("true")
    }

    /// Whether the first-purchase details are asked for (BND-3).
    pub async fn asks_for_details(&self) -> bool {
        self.page.has("person-details").await
    }

    /// Types the enterprise name and asks for a phone code.
    pub async fn fill_enterprise_and_send_code(&self, name: &str) {
        self.page.type_into("enterprise-name", name).await;
        self.page.click("send-code").await;
        self.page.find("code-sent").await;
    }

    /// Types the phone code.
    pub async fn enter_code(&self, code: &str) {
        self.page.type_into("phone-code", code).await;
    }

    /// 下一步: the code is checked and 订单确认 follows.
    pub async fn confirm_details(&self) {
        self.page.click("details-next").await;
        self.page.find("place-order").await;
    }

    /// Ticks 我已阅读并同意《腾讯电子签服务协议》 (once).
    pub async fn agree(&self) {
        let box_ = self.page.find("consent").await;
        if box_.prop("checked").await.ok().flatten().as_deref() != Some("true") {
            self.page.click_css("label[for=\"consent\"]").await;
        }
    }

    /// Agrees to the service agreement, 提交订单, then waits for the pay
    /// page; returns the order's id.
    pub async fn place_order(&self) -> i64 {
        self.agree().await;
        let wide = self.page.find("place-order").await.is_displayed().await.unwrap_or(false);
        self.page.click(if wide { "place-order" } else { "total-bar-action" }).await;
        let path = self.page.wait_for_path("the pay page", |p| p.ends_with("/pay")).await;
        path.trim_end_matches("/pay")
            .rsplit('/')
            .next()
            .and_then(|id| id.parse().ok())
            .expect("an order id in the path")
    }

    /// 提交订单 when the server is expected to answer with a changed price:
    /// waits for the new figures and returns the amount it asks to confirm.
    pub async fn place_order_expecting_a_new_price(&self) -> String {
        self.agree().await;
        let wide = self.page.find("place-order").await.is_displayed().await.unwrap_or(false);
        self.page.click(if wide { "place-order" } else { "total-bar-action" }).await;
        self.page.text("confirm-new-total").await
    }

    /// Confirms the new total, then waits for the pay page; returns the order's id.
    pub async fn confirm_new_total(&self) -> i64 {
        self.page.click("confirm-new-total").await;
        let path = self.page.wait_for_path("the pay page", |p| p.ends_with("/pay")).await;
        path.trim_end_matches("/pay")
            .rsplit('/')
            .next()
            .and_then(|id| id.parse().ok())
            .expect("an order id in the path")
    }
}
