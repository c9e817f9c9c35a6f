//! 订单详情 (`/orders/{id}`): the live delivery progress, the money to
//! return, and why an order needs attention.

use super::Page;

/// The order page.
pub struct OrderPage {
    pub page: Page,
}

impl OrderPage {
    /// The page as it is now, once the progress is shown.
    pub async fn ready(page: Page) -> OrderPage {
        page.find("order-status").await;
        OrderPage { page }
    }

    /// Waits until the progress reaches `status`, without reloading the page.
    pub async fn wait_for_status(&self, status: &str) {
        let page = self.page.clone();
        let wanted = status.to_owned();
        self.page
            .wait_until(&format!("the order reaches {status}"), || {
                let (page, wanted) = (page.clone(), wanted.clone());
                async move { page.attr("order-status", "data-status").await.as_deref() == Some(wanted.as_str()) }
            })
            .await;
    }

    /// The note on money received that will be returned, once shown.
    pub async fn returns(&self) -> String {
        self.page.text("order-returns").await
    }

    /// Why a paid order could not be delivered, once shown.
    pub async fn attention(&self) -> String {
        self.page.text("order-attention").await
    }

    /// The class of the step of the progress at `index` (0: placed … 3: delivered).
    pub async fn step_class(&self, index: usize) -> String {
        let steps = self.page.find_css(".steps").await;
        let items = steps.find_all(fantoccini::Locator::Css("li")).await.expect("the steps");
        let step = items.get(index).unwrap_or_else(|| panic!("a step at {index}"));
        step.attr("class").await.ok().flatten().unwrap_or_default()
    }
}
