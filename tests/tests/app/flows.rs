//! Flows that lead (issue 16): mini-program pages open at their top, and
//! the review asks for the service agreement and says the refund rule.

use super::browser::with_browser;
use super::harness::TestServer;
use super::pages::purchase::PurchasePage;
use super::pages::review::ReviewPage;
use crate::{DESKTOP, PHONE, signed_in};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mini_program_pages_open_at_their_top() {
    let server = Arc::new(TestServer::start().await);
    let s = Arc::clone(&server);
    with_browser(PHONE.0, PHONE.1, move |client| async move {
        let purchase = PurchasePage::ready(signed_in(client, &s, "a-admin", "/mp/buy").await).await;
        purchase.toggle_addon("contract_pack_1k").await;
        let scrolled = purchase
            .page
            .script(
                "const s = document.querySelector('[data-testid=mp-screen]'); s.scrollTop = 100000; return s.scrollTop",
            )
            .await;
        assert!(scrolled.as_f64().unwrap_or(0.0) > 100.0, "the chooser is scrolled down: {scrolled}");
        purchase.buy_now().await;
        ReviewPage::ready(purchase.page.clone()).await;
        let top = purchase.page.script("return document.querySelector('[data-testid=mp-screen]').scrollTop").await;
        assert_eq!(top.as_f64(), Some(0.0), "the review opens at its top");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ord_3_the_review_says_there_is_no_self_service_refund_and_needs_the_service_agreement() {
    let server = Arc::new(TestServer::start().await);
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let purchase = PurchasePage::ready(signed_in(client, &s, "a-admin", "/").await).await;
        purchase.buy_now().await;
        let review = ReviewPage::ready(purchase.page.clone()).await;
        let note = review.page.text("refund-note").await;
        assert!(note.contains("目前暂不支持自助退费及版本降级"), "the seeds' 退费说明: {note}");
        assert!(!review.page.enabled("place-order").await, "no order before the agreement is accepted");
        review.agree().await;
        review.page.wait_until("the order can be placed", || async { review.page.enabled("place-order").await }).await;
        review.place_order().await;
    })
    .await;
}
