//! 订单详情 (`/orders/{id}`): the live delivery progress.

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
}
