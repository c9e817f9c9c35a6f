//! 发票中心 (`/invoices`, INV-1).

use super::Page;

/// The invoice centre.
pub struct InvoiceCentre {
    pub page: Page,
}

impl InvoiceCentre {
    /// The centre, once its three lists are there.
    pub async fn ready(page: Page) -> InvoiceCentre {
        for id in ["invoice-titles", "invoice-orders", "invoice-list"] {
            page.find(id).await;
        }
        InvoiceCentre { page }
    }

    /// The row of an order in 可开票订单.
    pub async fn order_row(&self, order: i64) -> String {
        self.page.text(&format!("invoice-order-row-{order}")).await
    }

    /// Keeps an ordinary title with this credit code and e-mail, and waits until it is chosen.
    pub async fn add_title(&self, credit_code: &str, email: &str) {
        self.page.type_into("title-credit-code", credit_code).await;
        self.page.type_into("title-email", email).await;
        self.page.click("title-add").await;
        let page = self.page.clone();
        self.page
            .wait_until("the title is kept and chosen", || {
                let page = page.clone();
                async move {
                    let checked = page
                        .script("return Array.from(document.querySelectorAll('input[name=invoice-title]')).some(r => r.checked)")
                        .await;
                    checked.as_bool() == Some(true)
                }
            })
            .await;
    }

    /// Ticks the order for the next invoice.
    pub async fn choose_order(&self, order: i64) {
        self.page.click(&format!("invoice-order-{order}")).await;
    }

    /// 申请开票, then waits until the newest invoice is 已开具; returns its id.
    pub async fn request_and_wait_issued(&self) -> i64 {
        self.page.click("invoice-request").await;
        let page = self.page.clone();
        self.page
            .wait_until("the platform issues the invoice", || {
                let page = page.clone();
                async move { page.text("invoice-list").await.contains("已开具") }
            })
            .await;
        let id =
            self.page.script("return document.querySelector('[data-testid^=invoice-document-]').dataset.testid").await;
        id.as_str().and_then(|t| t.rsplit('-').next()).and_then(|n| n.parse().ok()).expect("an issued invoice's id")
    }

    /// Downloads the invoice's PDF as the browser does (the link's address,
    /// with the session's cookie); returns its content type and bytes.
    pub async fn download(&self, invoice: i64) -> (String, Vec<u8>) {
        let href = self.page.attr(&format!("invoice-document-{invoice}"), "href").await.expect("a download link");
        let script = "const done = arguments[arguments.length - 1];
            fetch(arguments[0]).then(async r => done({ type: r.headers.get('content-type'),
                bytes: Array.from(new Uint8Array(await r.arrayBuffer())) })).catch(e => done({ error: String(e) }));";
        let answer = self
            .page
            .client
            .execute_async(script, vec![serde_json::Value::String(href)])
            .await
            .expect("the download runs");
        let kind = answer["type"].as_str().unwrap_or_default().to_owned();
        let bytes = answer["bytes"]
            .as_array()
            .unwrap_or_else(|| panic!("the PDF's bytes: {answer}"))
            .iter()
            .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
            .collect();
        (kind, bytes)
    }
}
