//! 订单记录 / 我的订单 (`/orders`, `/mp/orders`), with binding (BND-2).

use super::Page;

/// The orders page.
pub struct OrdersPage {
    pub page: Page,
}

impl OrdersPage {
    /// Opens the page at `path` and waits for its title.
    pub async fn open(page: Page, path: &str) -> OrdersPage {
        page.goto(path).await;
        page.find("orders-title").await;
        OrdersPage { page }
    }

    /// The page's title (订单记录, 我的订单, …).
    pub async fn title(&self) -> String {
        // Its text content: the mini-program keeps the heading for screen readers only.
        let title = self.page.find("orders-title").await;
        title.prop("textContent").await.ok().flatten().unwrap_or_default().trim().to_owned()
    }

    /// Whether an enterprise can be chosen to bind the order to.
    pub async fn can_bind_to(&self, order: i64, enterprise: i64) -> bool {
        self.open_binding(order).await;
        self.page.enabled(&format!("bind-to-{enterprise}")).await
    }

    async fn open_binding(&self, order: i64) {
        if !self.page.has(&format!("bind-panel-{order}")).await {
            self.page.click(&format!("bind-{order}")).await;
            self.page.find(&format!("bind-panel-{order}")).await;
        }
    }

    /// 立即绑定 → the enterprise → 确认绑定, then waits for the note.
    pub async fn bind(&self, order: i64, enterprise: i64) -> String {
        self.open_binding(order).await;
        self.page.click_css(&format!("label[for=\"bind-{order}-to-{enterprise}\"]")).await;
        self.page.click(&format!("bind-confirm-{order}")).await;
        self.page.text("bound-note").await
    }

    /// An order's status badge as shown.
    pub async fn status(&self, order: i64) -> String {
        self.page.text(&format!("order-{order}-status")).await
    }

    /// The note on an order's money to return, once shown.
    pub async fn returns(&self, order: i64) -> String {
        self.page.text(&format!("order-{order}-returns")).await
    }
}
