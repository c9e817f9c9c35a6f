//! What a buyer builds survives a reload, and Back and Forward do what a
//! person expects (issue 16): the cart and voucher on review, the language,
//! the pending WeChat payment with its countdown, Back from a paid order.

use super::browser::with_browser;
use super::harness::{TestServer, expected_total};
use super::pages::order::OrderPage;
use super::pages::pay::PayPage;
use super::pages::purchase::PurchasePage;
use super::pages::review::ReviewPage;
use crate::{DESKTOP, advanced, signed_in};
use domain::{AddOn, AddOnChoice, Selection};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vou_1_a_reload_on_review_keeps_the_cart_and_its_voucher_and_the_language_is_remembered() {
    let server = Arc::new(TestServer::start().await);
    let catalog = server.catalog().await;
    let buyer = server.buyer("a-admin").await;
    let packs = vec![AddOnChoice { addon: AddOn::ContractPack1k, quantity: 2 }];
    let cart = advanced(3, packs);
    let with_voucher = Selection { voucher: Some("A-500".into()), ..cart.clone() };
    let (without, due) = (expected_total(&catalog, &buyer, &cart), expected_total(&catalog, &buyer, &with_voucher));
    let opening = expected_total(&catalog, &buyer, &advanced(1, vec![]));
    assert_ne!(without, opening, "the cart differs from what the chooser opens with");

    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let purchase = PurchasePage::ready(signed_in(client, &s, "a-admin", "/").await).await;
        purchase.choose_years(3).await;
        purchase.toggle_addon("contract_pack_1k").await;
        purchase.page.click("addon-contract_pack_1k-inc").await;
        purchase.wait_for_total(&without).await;
        purchase.buy_now().await;
        let review = ReviewPage::ready(purchase.page.clone()).await;
        review.choose_voucher("A-500").await;
        review.page.wait_for_text("total", &due).await;

        review.page.reload().await;
        let review = ReviewPage::ready(review.page.clone()).await;
        review.page.wait_for_text("total", &due).await;
        assert!(review.voucher_chosen("A-500").await, "the voucher is still chosen");

        // Back on the chooser, the cart is as it was left.
        review.page.goto("/").await;
        let purchase = PurchasePage::ready(review.page.clone()).await;
        purchase.wait_for_total(&without).await;

        purchase.page.switch_language().await;
        assert_eq!(purchase.page.html_lang().await, "en");
        purchase.page.reload().await;
        let purchase = PurchasePage::ready(purchase.page.clone()).await;
        purchase
            .page
            .wait_until("the language is remembered", || async { purchase.page.html_lang().await == "en" })
            .await;
        assert!(purchase.edition_card_text("advanced").await.contains("Advanced"), "the page is in English");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_4_a_reload_on_the_wechat_qr_page_resumes_the_same_payment_with_its_countdown() {
    let server = Arc::new(TestServer::start().await);
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let purchase = PurchasePage::ready(signed_in(client, &s, "a-staff", "/").await).await;
        purchase.buy_now().await;
        ReviewPage::ready(purchase.page.clone()).await.place_order().await;
        let pay = PayPage::ready(purchase.page.clone()).await;
        let left = pay.seconds_left().await;
        assert!((29 * 60..=30 * 60).contains(&left), "30 minutes to pay, counting down: {left} s");
        pay.pay_with("wechat_pay").await;
        assert!(pay.qr_code_drawn().await, "WeChat Pay shows a QR code");
        let payer = pay.sandbox_payer_link().await;
        let address = pay.page.path_and_query().await;
        assert!(address.ends_with("/pay?method=wechat_pay"), "the address names the open payment: {address}");

        pay.page.reload().await;
        let pay = PayPage::ready(pay.page.clone()).await;
        assert!(pay.qr_code_drawn().await, "the QR code is back without choosing again");
        assert_eq!(pay.sandbox_payer_link().await, payer, "it is the same payment");
        let after = pay.seconds_left().await;
        assert!(after <= left && after > left - 120, "the countdown runs on to the same deadline: {left} → {after}");
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        assert!(pay.seconds_left().await < after, "it ticks");

        // 更换支付方式 leaves the payment; a reload then offers the methods.
        pay.page.click("choose-another").await;
        pay.page
            .wait_until("the address forgets the payment", || async {
                !pay.page.path_and_query().await.contains("method=")
            })
            .await;
        pay.page.reload().await;
        let pay = PayPage::ready(pay.page.clone()).await;
        pay.page.find("pay").await;
        assert!(!pay.page.has("prompt-qr").await, "no payment is resumed");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ord_1_back_from_a_paid_order_leaves_it_instead_of_returning_to_pay() {
    let server = Arc::new(TestServer::start().await);
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let purchase = PurchasePage::ready(signed_in(client, &s, "a-admin", "/").await).await;
        purchase.buy_now().await;
        let order = ReviewPage::ready(purchase.page.clone()).await.place_order().await;
        PayPage::ready(purchase.page.clone()).await.pay_with("balance").await;
        let progress = OrderPage::ready(purchase.page.clone()).await;
        assert_eq!(progress.page.path().await, format!("/orders/{order}"));

        progress.page.back().await;
        progress.page.wait_for_path("the chooser, before the order", |p| p == "/").await;
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        assert_eq!(progress.page.path().await, "/", "Back stays where it went");
        PurchasePage::ready(progress.page.clone()).await;

        progress.page.client.forward().await.expect("the browser goes forward");
        progress.page.wait_for_path("the order again", |p| p == format!("/orders/{order}")).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_4_a_cart_kept_on_the_tab_is_never_ordered_by_another_person() {
    let server = Arc::new(TestServer::start().await);
    let catalog = server.catalog().await;
    let staff = server.buyer("a-staff").await;
    let opening = expected_total(&catalog, &staff, &advanced(1, vec![]));
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let purchase = PurchasePage::ready(signed_in(client, &s, "a-admin", "/").await).await;
        purchase.choose_years(3).await;
        purchase.page.wait_until("three years", || async { purchase.total().await != opening }).await;
        purchase.buy_now().await;
        ReviewPage::ready(purchase.page.clone()).await;

        purchase.page.client.delete_all_cookies().await.expect("signed out");
        let page = signed_in(purchase.page.client.clone(), &s, "a-staff", "/review").await;
        page.find("empty-cart").await;
        page.goto("/").await;
        PurchasePage::ready(page.clone()).await.wait_for_total(&opening).await;
    })
    .await;
}
