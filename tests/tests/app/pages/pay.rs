//! 订单支付 (`/orders/{id}/pay`): methods (or, for ¥0.00, the voucher's one
//! action), then the provider's prompt; or why the order no longer holds.

use super::Page;

/// The pay page.
pub struct PayPage {
    pub page: Page,
}

impl PayPage {
    /// The page as it is now, once the amount due is shown.
    pub async fn ready(page: Page) -> PayPage {
        page.find("pay-total").await;
        PayPage { page }
    }

    /// Whether a method (`balance`, `wechat_pay`, `online_banking`) can be chosen.
    pub async fn method_enabled(&self, method: &str) -> bool {
        self.page.enabled(&format!("method-{method}")).await
    }

    /// Whether a method is offered at all.
    pub async fn method_offered(&self, method: &str) -> bool {
        self.page.has(&format!("method-row-{method}")).await
    }

    /// Why a method is refused (empty when it is not).
    pub async fn method_reason(&self, method: &str) -> String {
        self.page.text(&format!("method-{method}-reason")).await
    }

    /// Chooses a method and pays.
    pub async fn pay_with(&self, method: &str) {
        self.page.click_css(&format!("label[for=\"method-{method}\"]")).await;
        self.page.click("pay").await;
    }

    /// The QR code's SVG, once shown: whether it has dark modules.
    pub async fn qr_code_drawn(&self) -> bool {
        let path = self.page.find_css("[data-testid=\"qr-code\"] path").await;
        path.attr("d").await.ok().flatten().is_some_and(|d| d.len() > 100)
    }

    /// Where the sandbox payer page link goes (development).
    pub async fn sandbox_payer_link(&self) -> String {
        self.page.attr("sandbox-payer-link", "href").await.expect("the link has an address")
    }

    /// The time left to pay, as the countdown reads it ("剩余 29:41"), in seconds.
    pub async fn seconds_left(&self) -> i64 {
        let text = self.page.text("pay-countdown").await;
        let face = text.rsplit(' ').next().unwrap_or_default();
        face.split(':')
            .try_fold(0_i64, |sum, part| part.parse::<i64>().ok().map(|n| sum * 60 + n))
            .unwrap_or_else(|| panic!("a countdown, not {text}"))
    }

    /// 取消订单, then 确认取消 when the page asks.
    pub async fn cancel_order(&self) {
        self.page.click("cancel-order").await;
        self.page.click("confirm-cancel").await;
    }

    /// The mini-program's payment sheet: its amount, then 确认支付.
    pub async fn confirm_in_sheet(&self) -> String {
        let amount = self.page.text("sheet-amount").await;
        self.page.click("confirm-payment").await;
        amount
    }

    /// Whether the page offers the one action of an order a voucher covers in full.
    pub async fn offers_voucher_completion(&self) -> bool {
        self.page.has("pay-voucher").await
    }

    /// 代金券已全额抵扣，确认完成订单: returns the button's text.
    pub async fn complete_with_voucher(&self) -> String {
        let text = self.page.text("pay-voucher").await;
        self.page.click("pay-voucher").await;
        text
    }

    /// Once paying was refused because the order no longer holds: the
    /// deciding code (its wire name) and its message as shown.
    pub async fn refusal(&self) -> (String, String) {
        let code = self.page.attr("pay-refused", "data-code").await.unwrap_or_default();
        (code, self.page.text("pay-refused-message").await)
    }

    /// The fresh total shown with `quote_changed`.
    pub async fn new_total(&self) -> String {
        self.page.text("pay-new-total").await
    }

    /// The reasons shown when a rule refuses the order now.
    pub async fn refusal_reasons(&self) -> String {
        self.page.text("pay-refused-reasons").await
    }

    /// Where 重新选购并下单 leads.
    pub async fn order_again_link(&self) -> String {
        self.page.attr("order-again", "href").await.unwrap_or_default()
    }
}
