//! 版本选购 (`/` and `/mp/buy`): editions, terms, add-ons and the instant quote.

use super::{Page, testid};

/// The purchase page.
pub struct PurchasePage {
    pub page: Page,
}

impl PurchasePage {
    /// The page as it is now, once the chooser is on screen (its quote, or
    /// nothing chosen yet).
    pub async fn ready(page: Page) -> PurchasePage {
        page.find("to-review").await;
        PurchasePage { page }
    }

    /// The amount due as shown, e.g. "¥6,980.00".
    pub async fn total(&self) -> String {
        self.page.text("total").await
    }

    /// Waits until the amount due reads `expected`.
    pub async fn wait_for_total(&self, expected: &str) {
        self.page.wait_for_text("total", expected).await;
    }

    /// Chooses a term of `years` (购买时长).
    pub async fn choose_years(&self, years: u8) {
        self.page.click(&format!("years-{years}")).await;
    }

    /// Ticks or unticks an add-on, by its wire name (`contract_pack_1k`).
    pub async fn toggle_addon(&self, addon: &str) {
        self.page.click(&format!("addon-{addon}")).await;
    }

    /// Chooses an edition (`advanced`, `professional`).
    pub async fn choose_edition(&self, edition: &str) {
        self.page.click_css(&format!("{} .edition-main", testid(&format!("edition-{edition}")))).await;
    }

    /// The edition chosen now (its wire name), or `None` when none is.
    pub async fn chosen_edition(&self) -> Option<String> {
        let script = "const r = document.querySelector('input[name=edition]:checked'); return r ? r.value : null";
        let value = self.page.script(script).await;
        value.as_str().filter(|v| !v.is_empty() && *v != "on").map(str::to_owned)
    }

    /// Whether 立即购买 leads on: the choice as it stands can be ordered.
    pub async fn orderable(&self) -> bool {
        self.page.enabled("to-review").await
    }

    /// The text of the price breakdown's lines.
    pub async fn lines(&self) -> String {
        self.page.text("quote-lines").await
    }

    /// The visible text of an edition card.
    pub async fn edition_card_text(&self, edition: &str) -> String {
        self.page.text(&format!("edition-{edition}")).await
    }

    /// Whether the edition's radio button can be chosen.
    pub async fn edition_enabled(&self, edition: &str) -> bool {
        let radio = self.page.find_css(&format!("{} input[type=radio]", testid(&format!("edition-{edition}")))).await;
        radio.is_enabled().await.expect("the radio's state")
    }

    /// Whether an add-on's checkbox can be ticked.
    pub async fn addon_enabled(&self, addon: &str) -> bool {
        self.page.enabled(&format!("addon-{addon}")).await
    }

    /// The text of an add-on's row, its reasons included.
    pub async fn addon_row_text(&self, addon: &str) -> String {
        self.page.text(&format!("addon-row-{addon}")).await
    }

    /// The way out offered on an edition card (联系购买, 前往电子签网页端购买).
    pub async fn remedy(&self, edition: &str) -> fantoccini::elements::Element {
        self.page.find_css(&format!("{} {}", testid(&format!("edition-{edition}")), testid("remedy"))).await
    }

    /// Takes the way out offered on an edition card.
    pub async fn take_remedy(&self, edition: &str) {
        self.page.click_css(&format!("{} {}", testid(&format!("edition-{edition}")), testid("remedy"))).await;
    }

    /// The sales quote's row (SAL-1), once the list is shown.
    pub async fn sales_quote_text(&self, id: &str) -> String {
        self.page.text(&format!("sales-quote-{id}")).await
    }

    /// Whether the sales quote can be chosen.
    pub async fn sales_quote_enabled(&self, id: &str) -> bool {
        self.page.enabled(&format!("sales-quote-{id}-input")).await
    }

    /// Why the sales quote cannot be used (empty when it can).
    pub async fn sales_quote_reason(&self, id: &str) -> String {
        self.page.text(&format!("sales-quote-{id}-reason")).await
    }

    /// Chooses a sales quote.
    pub async fn choose_sales_quote(&self, id: &str) {
        self.page.click_css(&format!("label[for=\"sales-quote-{id}-input\"]")).await;
    }

    /// Who the quote is for, as the toolbar says.
    pub async fn buyer(&self) -> String {
        self.page.text("buyer").await
    }

    /// 立即购买: on to the review (the summary's button, or the bar's when narrow).
    pub async fn buy_now(&self) {
        let wide = self.page.find("to-review").await.is_displayed().await.unwrap_or(false);
        self.page.click(if wide { "to-review" } else { "total-bar-action" }).await;
        self.page.wait_for_path("the review", |p| p.ends_with("/review")).await;
    }
}
