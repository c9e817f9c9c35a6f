//! 销售后台 (`/sales`, `/sales/leads/{id}`): the inbox, a lead's notes and
//! the Flagship quote form with its preview.

use super::Page;

/// A lead's page in the sales console.
pub struct LeadPage {
    pub page: Page,
}

impl LeadPage {
    /// Opens the inbox, waits for lead `id` and follows its link.
    pub async fn from_inbox(page: Page, id: i64) -> LeadPage {
        page.goto("/sales").await;
        page.find(&format!("lead-{id}")).await;
        page.click_css(&format!("[data-testid=\"lead-{id}\"] a")).await;
        page.find("lead-notes").await;
        LeadPage { page }
    }

    /// Adds a conversation note and waits until it is listed.
    pub async fn add_note(&self, text: &str) {
        self.page.type_into("lead-note", text).await;
        self.page.click("lead-note-add").await;
        self.page
            .wait_until("the note is listed", || async { self.page.text("lead-notes").await.contains(text) })
            .await;
    }

    /// Fills the quote form: price, contracts and the last day it is valid (`YYYY-MM-DD`).
    pub async fn fill_quote(&self, price: &str, contracts: &str, valid_until: &str) {
        self.page.type_into("quote-price", price).await;
        self.page.type_into("quote-contracts", contracts).await;
        // A date input takes keys in the browser's locale: set it as a person's pick would.
        self.page
            .script(&format!(
                "const input = document.querySelector('[data-testid=\"quote-expires\"]'); \
                 input.value = '{valid_until}'; input.dispatchEvent(new Event('input', {{ bubbles: true }}));"
            ))
            .await;
    }

    /// The preview of what the buyer would get, once shown.
    pub async fn preview(&self) -> String {
        self.page.text("quote-preview").await
    }

    /// Sends the quote; returns what the console said to it.
    pub async fn send_quote(&self) -> String {
        let before =
            if self.page.has("lead-outcome").await { self.page.text("lead-outcome").await } else { String::new() };
        self.page.click("quote-send").await;
        self.page.wait_until("the console answers", || async { self.page.text("lead-outcome").await != before }).await;
        self.page.text("lead-outcome").await
    }
}
