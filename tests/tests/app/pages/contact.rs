//! 联系购买 / 购买咨询: the contact form the purchase page opens in place.

use super::Page;

/// The contact form.
pub struct ContactForm {
    pub page: Page,
}

impl ContactForm {
    /// The form, once it is shown.
    pub async fn ready(page: Page) -> ContactForm {
        page.find("contact-form").await;
        ContactForm { page }
    }

    /// What the request is for: `flagship` or `consultation`.
    pub async fn kind(&self) -> String {
        self.page.attr("contact-form", "data-kind").await.unwrap_or_default()
    }

    /// The value a field holds (`contact_name`, `phone`, `company`, `message`).
    pub async fn value(&self, field: &str) -> String {
        let input = self.page.find(&format!("lead-{field}")).await;
        input.prop("value").await.ok().flatten().unwrap_or_default()
    }

    /// Replaces what a field holds.
    pub async fn fill(&self, field: &str, text: &str) {
        self.page.type_into(&format!("lead-{field}"), text).await;
    }

    /// Whether the focus is in a field (the form takes it when it opens).
    pub async fn focused_field(&self) -> String {
        let script = "return document.activeElement && document.activeElement.getAttribute('data-testid')";
        self.page.script(script).await.as_str().unwrap_or_default().to_owned()
    }

    /// Sends the form from the keyboard: Enter in the phone field.
    pub async fn press_enter_in(&self, field: &str) {
        let input = self.page.find(&format!("lead-{field}")).await;
        input.send_keys("\u{E007}").await.expect("Enter is typed");
    }

    /// What the form says is wrong with a field, once it says so.
    pub async fn field_error(&self, field: &str) -> String {
        let id = format!("lead-{field}-error");
        self.page
            .wait_until(&format!("{id} says what is wrong"), || async { !self.page.text(&id).await.is_empty() })
            .await;
        self.page.text(&id).await
    }

    /// Whether the field is marked invalid for assistive technology.
    pub async fn marked_invalid(&self, field: &str) -> bool {
        self.page.attr(&format!("lead-{field}"), "aria-invalid").await.as_deref() == Some("true")
    }

    /// The server's confirmation, once shown.
    pub async fn confirmation(&self) -> String {
        self.page.text("lead-sent").await
    }

    /// The refusal shown for the whole form.
    pub async fn error(&self) -> String {
        self.page.text("error-message").await
    }
}
