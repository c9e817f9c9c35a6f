//! 腾讯云购买页 in the browser (CH-3): signed in through the demo cloud
//! account an enterprise was verified through, the cloud console's own
//! frame shows the chooser and sells there; through any other cloud account
//! it shows 此企业未激活腾讯电子签 and the seeds' remedy instead.

use super::browser::with_browser;
use super::harness::{TestServer, artifacts, now, yuan};
use super::pages::Page;
use super::pages::billing::BillingPage;
use super::pages::cloud::CloudConsole;
use super::pages::order::OrderPage;
use super::pages::pay::PayPage;
use super::pages::purchase::PurchasePage;
use super::pages::review::ReviewPage;
use crate::{DESKTOP, advanced};
use domain::{Buyer, Channel, Context};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ch_3_the_linked_cloud_account_sees_the_chooser_on_the_cloud_console_and_buys_there() {
    let server = Arc::new(TestServer::start().await);
    let catalog = server.catalog().await;
    let buyer = Buyer { cloud_account: Some("cloud-100001".into()), ..server.buyer("a-admin").await };
    let ctx = Context { catalog: &catalog, buyer: &buyer, channel: Channel::CloudConsole, now: now() };
    let quote = domain::quote(&ctx, &advanced(1, vec![])).expect("the cloud console sells to the linked enterprise");
    let due = yuan(&quote.payable.to_string());

    let s = Arc::clone(&server);
    let order = with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let cloud = CloudConsole::sign_in_through(Page::new(client, &s.base), "cloud-100001").await;
        assert!(cloud.account().await.contains("cloud-100001"), "the top bar names the cloud account");
        assert!(!cloud.shows_the_web_console_bar().await, "the cloud console has its own frame, not the web console's");

        let purchase = PurchasePage::ready(cloud.page.clone()).await;
        assert!(purchase.buyer().await.contains("杭州云签"), "the quote is for the linked enterprise");
        purchase.wait_for_total(&due).await;
        purchase.page.screenshot(DESKTOP.0, &artifacts().join("cloud-console-1280.png")).await;
        purchase.page.resize(DESKTOP.0).await;
        purchase.buy_now().await;
        assert_eq!(purchase.page.path().await, "/cloud/review", "the review stays on the cloud console");

        let review = ReviewPage::ready(purchase.page.clone()).await;
        review.page.wait_for_text("total", &due).await;
        let order = review.place_order().await;
        let pay = PayPage::ready(review.page.clone()).await;
        assert_eq!(pay.page.path().await, format!("/cloud/orders/{order}/pay"));
        pay.pay_with("balance").await;
        let progress = OrderPage::ready(pay.page.clone()).await;
        assert_eq!(progress.page.path().await, format!("/cloud/orders/{order}"));
        progress.wait_for_status("delivered").await;

        // 前往费用管理查看 stays in the cloud console's frame.
        let billing = BillingPage::open(progress.page.clone(), "/cloud/billing").await;
        assert!(billing.edition().await.contains("高级版"), "billing shows the delivered edition");
        assert!(billing.page.has("cloud-console").await, "inside the cloud console's frame");
        order
    })
    .await;

    let (status, placed) = server.signed_in("a-admin").await.get(&format!("/api/orders/{order}")).await;
    assert_eq!(status, 200, "{placed}");
    assert_eq!(
        (placed["channel"].as_str(), placed["status"].as_str()),
        (Some("cloud_console"), Some("delivered")),
        "placed on the cloud console: {placed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ch_3_a_cloud_account_not_linked_sees_the_refusal_and_the_remedy_instead_of_the_chooser() {
    let server = Arc::new(TestServer::start().await);
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = Page::new(client, &s.base);
        for (cloud, case) in [
            ("cloud-900001", "a cloud account linked to no enterprise"),
            ("cloud-200001", "another enterprise's cloud account"),
        ] {
            let cloud_console = CloudConsole::sign_in_again(page.clone(), cloud).await;
            assert!(cloud_console.account().await.contains(cloud), "{case}: the top bar names {cloud}");
            let refusal = cloud_console.refusal().await;
            assert!(refusal.contains("此企业未激活腾讯电子签"), "{case}: the refusal: {refusal}");
            let remedy = cloud_console.remedy().await;
            for words in ["登录腾讯电子签网页版", "费用管理", "立即购买", "验证安全手机"] {
                assert!(remedy.contains(words), "{case}: the remedy says {words}: {remedy}");
            }
            assert_eq!(cloud_console.remedy_link().await, "/billing", "{case}: the remedy leads to the web console");
            assert!(!cloud_console.page.has("to-review").await, "{case}: no chooser that could sell nothing");
        }
        let width = page.screenshot(390, &artifacts().join("cloud-refusal-390.png")).await;
        assert!(width <= 390, "the refusal fits a phone's width: {width}");
        page.screenshot(DESKTOP.0, &artifacts().join("cloud-refusal-1280.png")).await;

        page.switch_language().await;
        let english = CloudConsole { page: page.clone() };
        english
            .page
            .wait_until("the refusal in English", || async {
                english.refusal().await.contains("This enterprise has not activated E-Sign")
            })
            .await;
        let remedy = english.remedy().await;
        assert!(remedy.contains("security phone"), "the remedy in English: {remedy}");
    })
    .await;
}
