//! Flows that lead (issue 16): mini-program pages open at their top, and
//! the review asks for the service agreement and says the refund rule, and
//! a personal purchase says what binding it will do before it is paid;
//! cancelling asks first, amounts read in thousands, an unknown page is a
//! 404 in its shell, a code's resend waits for its countdown.

use super::browser::with_browser;
use super::harness::TestServer;
use super::pages::billing::BillingPage;
use super::pages::pay::PayPage;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bnd_2_a_personal_purchase_is_warned_before_paying_when_it_could_never_be_bound() {
    let server = Arc::new(TestServer::start().await);
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        // The sales manager joined no enterprise: a personal order of theirs stays theirs.
        let purchase = PurchasePage::ready(signed_in(client, &s, "sales", "/").await).await;
        purchase.buy_now().await;
        let review = ReviewPage::ready(purchase.page.clone()).await;
        assert_eq!(review.page.attr("binding-outlook", "data-bindable").await.as_deref(), Some("false"));
        let warning = review.page.text("binding-outlook").await;
        assert!(warning.contains("无法绑定到企业") && warning.contains("立即生效"), "what it means: {warning}");
        review.place_order().await;
        let pay = PayPage::ready(review.page.clone()).await;
        assert_eq!(
            pay.page.attr("binding-outlook", "data-bindable").await.as_deref(),
            Some("false"),
            "and again at paying"
        );

        // p-chen, acting as the person, joined 杭州云签 (verified): binding is said, not warned.
        review.page.client.delete_all_cookies().await.expect("signed out");
        let page = signed_in(review.page.client.clone(), &s, "p-chen", "/").await;
        page.act_as("person").await;
        page.wait_until("the chooser is the person's", || async { page.text("buyer").await.contains("个人身份") })
            .await;
        PurchasePage::ready(page.clone()).await.buy_now().await;
        let review = ReviewPage::ready(page.clone()).await;
        assert_eq!(review.page.attr("binding-outlook", "data-bindable").await.as_deref(), Some("true"));
        let note = review.page.text("binding-outlook").await;
        assert!(note.contains("杭州云签科技有限公司") && note.contains("我的订单"), "where it may go: {note}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ord_3_cancelling_an_order_is_confirmed_first_and_amounts_read_in_thousands() {
    let server = Arc::new(TestServer::start().await);
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let purchase = PurchasePage::ready(signed_in(client, &s, "a-staff", "/").await).await;
        purchase.choose_years(3).await;
        purchase.page.wait_until("the total changes", || async { purchase.total().await != "¥6,980.00" }).await;
        let total = purchase.total().await;
        assert!(total.starts_with("¥20,") && total.ends_with(".00"), "¥ with thousands separators: {total}");
        purchase.buy_now().await;
        let order = ReviewPage::ready(purchase.page.clone()).await.place_order().await;
        let pay = PayPage::ready(purchase.page.clone()).await;
        assert_eq!(pay.page.text("pay-total").await, total, "the same figure on the pay page");

        pay.page.click("cancel-order").await;
        pay.page.find("cancel-confirm").await;
        assert!(pay.page.path().await.ends_with("/pay"), "nothing is cancelled yet");
        pay.page.click("keep-order").await;
        pay.page.wait_until("the question goes", || async { !pay.page.has("cancel-confirm").await }).await;
        pay.cancel_order().await;
        pay.page.wait_for_path("the order", |p| p == format!("/orders/{order}")).await;
        super::pages::order::OrderPage::ready(pay.page.clone()).await.wait_for_status("closed").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_page_is_a_404_inside_the_shell_it_was_asked_of() {
    let server = Arc::new(TestServer::start().await);
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = signed_in(client, &s, "a-admin", "/").await;
        page.goto("/no-such-page").await;
        page.find("not-found").await;
        assert!(page.has("lang-switch").await, "the console's top bar is there");
        page.goto("/mp/no-such-page").await;
        page.find_css("[data-testid=mp-frame] [data-testid=not-found]").await;
        assert_eq!(page.attr("not-found", "class").await.as_deref(), Some("status-view"));
        assert!(page.script("return document.title").await.as_str().unwrap_or_default().contains("页面不存在"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ver_1_the_code_can_be_sent_again_when_its_countdown_ends() {
    let server = Arc::new(TestServer::start().await);
    let s = Arc::clone(&server);
    with_browser(PHONE.0, PHONE.1, move |client| async move {
        let page = signed_in(client, &s, "p-chen", "/mp/buy").await;
        page.act_as("person").await;
        page.wait_until("the chooser is the person's", || async { page.text("buyer").await.contains("个人身份") })
            .await;
        PurchasePage::ready(page.clone()).await.buy_now().await;
        let review = ReviewPage::ready(page.clone()).await;
        review.fill_enterprise_and_send_code("杭州云签科技有限公司").await;
        let label = review.page.text("send-code").await;
        assert!(label.starts_with("重新获取 00:") || label.starts_with("重新获取 01:00"), "a countdown: {label}");
        assert!(!review.page.enabled("send-code").await, "no second code within the minute (VER-1)");
        review.page.click("details-next").await;
        let refused = review.page.text("error").await;
        assert!(refused.contains("请输入验证码"), "an empty code is said as such: {refused}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn int_1_billing_offers_buy_now_beside_add_ons_and_the_mini_program_uses_the_seeds_labels() {
    let server = Arc::new(TestServer::start().await);
    server.signed_in("b-admin").await.buy(&crate::edition("professional", 1)).await;
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = signed_in(client, &s, "b-admin", "/billing").await;
        let billing = BillingPage::open(page.clone(), "/billing").await;
        assert_eq!(billing.page.text("action-renew").await, "续费版本");
        billing.page.click("buy-integration").await;
        page.wait_for_path("the chooser", |p| p == "/").await;
        let purchase = PurchasePage::ready(page.clone()).await;
        let ticked = purchase.page.find("addon-integration").await.prop("checked").await.ok().flatten();
        assert_eq!(ticked.as_deref(), Some("true"), "integration is chosen");
        assert_eq!(purchase.chosen_edition().await, None, "alone, beside the Professional edition held");
        purchase.page.wait_until("it can be ordered", || async { purchase.orderable().await }).await;

        let billing = BillingPage::open(page.clone(), "/mp/billing").await;
        assert_eq!(billing.page.text("action-renew").await, "版本续费", "the mini-program's label");
        assert_eq!(billing.page.text("action-upgrade").await, "版本升级");
        assert!(!billing.page.has("buy-integration").await, "integration is bought on the web (CH-2)");
        let icons = page
            .script(
                "return [...document.querySelectorAll('[data-testid=mp-tab-icon]')].map(e => e.tagName.toLowerCase())",
            )
            .await;
        assert_eq!(icons, serde_json::json!(["svg", "svg", "svg", "svg"]), "the tab bar draws its icons");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vis_1_order_records_filter_by_status_and_who_placed_them_and_keep_the_filters_in_the_address() {
    let server = Arc::new(TestServer::start().await);
    let mine = server.signed_in("a-admin").await.buy(&crate::edition("advanced", 1)).await;
    let theirs = server.signed_in("a-staff").await.place(&crate::edition("advanced", 1)).await["id"]
        .as_i64()
        .expect("an order id");
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = signed_in(client, &s, "a-admin", "/orders").await;
        page.find(&format!("order-{theirs}")).await;
        assert!(page.has(&format!("order-{mine}")).await, "a super admin sees every record (VIS-1)");
        assert_eq!(page.text(&format!("order-{mine}-placed-by")).await, "下单人：本人");
        assert!(page.text(&format!("order-{theirs}-placed-by")).await.starts_with("下单人：成员"));

        let choose = |id: &'static str, value: &'static str| {
            let page = page.clone();
            async move {
                let select = page.find(&format!("filter-{id}")).await;
                select.select_by_value(value).await.unwrap_or_else(|e| panic!("{id} = {value}: {e}"));
            }
        };
        choose("status", "delivered").await;
        page.wait_until("the awaiting order is filtered out", || async { !page.has(&format!("order-{theirs}")).await })
            .await;
        assert!(page.has(&format!("order-{mine}")).await, "the delivered one stays");
        assert!(page.path_and_query().await.ends_with("/orders?status=delivered"), "the filter is in the address");

        page.reload().await;
        page.find(&format!("order-{mine}")).await;
        assert!(!page.has(&format!("order-{theirs}")).await, "a reload keeps the filter");

        choose("status", "").await;
        choose("by", "others").await;
        page.wait_until("only the staff's order", || async { !page.has(&format!("order-{mine}")).await }).await;
        page.find(&format!("order-{theirs}")).await;
    })
    .await;
}

/// QUO-1, QUO-3, QUO-5: 费用管理 shows each grant as a bar (版本赠送 and
/// 合同套餐包 with their order numbers, used of total, what is left, the one drawn
/// next) and the 份额变动记录, which gains the draw once a contract is
/// initiated; the same at 390 px in the mini-program.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quo_1_billing_shows_each_grant_as_a_bar_and_the_quota_history_after_a_contract() {
    let server = Arc::new(TestServer::start().await);
    let admin = server.signed_in("a-admin").await;
    let edition_order = admin.buy(&crate::edition("advanced", 1)).await;
    let pack_order =
        admin.buy(&serde_json::json!({ "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }] })).await;
    let mut numbers = Vec::new();
    for id in [edition_order, pack_order] {
        let order = admin.wait_for_order(id, "delivered", |o| o["status"] == "delivered").await;
        numbers.push(order["number"].as_str().expect("an order number").to_owned());
    }
    let [edition_number, pack_number] = <[String; 2]>::try_from(numbers).expect("two numbers");
    assert_eq!(edition_number.len(), 20, "the server's long order number: {edition_number}");
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = signed_in(client, &s, "a-admin", "/billing").await;
        let billing = BillingPage::open(page.clone(), "/billing").await;
        let history = billing.wait_for_history(2).await;
        assert!(
            history[0].starts_with("发放 · 订单交付 +1,000 合同套餐包"),
            "the pack's grant, newest first: {history:?}"
        );
        assert!(history[0].contains(&format!("订单号 {pack_number}")), "named by its order number: {history:?}");
        assert!(history[0].contains("余额 2,000"), "{history:?}");

        let (status, contract) =
            s.signed_in("a-admin").await.post("/api/contracts", &serde_json::json!({ "title": "采购合同" })).await;
        assert_eq!(status, 201, "{contract}");
        page.reload().await;
        let billing = BillingPage::open(page.clone(), "/billing").await;
        assert_eq!(billing.page.text("contracts-remaining").await, "1,999");
        let grants = billing.grants().await;
        let shown: Vec<(&str, &str, &str, f64, f64, &str)> = grants
            .iter()
            .map(|g| (g.state.as_str(), g.label.as_str(), g.figures.as_str(), g.value, g.max, g.badge.as_str()))
            .collect();
        // Each grant names its order as buyers know it (订单号), not by its row id.
        let edition_label = format!("版本赠送 · 订单号 {edition_number}");
        let pack_label = format!("合同套餐包 · 订单号 {pack_number}");
        assert_eq!(
            shown,
            [
                ("live", edition_label.as_str(), "已用 1 / 共 1,000 份 · 剩余 999", 1.0, 1000.0, "优先扣减"),
                ("live", pack_label.as_str(), "已用 0 / 共 1,000 份 · 剩余 1,000", 0.0, 1000.0, ""),
            ],
            "QUO-5: the allotment, granted first, is drawn first"
        );
        assert!(
            grants.iter().all(|g| g.accessible_name.contains(&g.figures)),
            "each bar is named with its figures: {grants:?}"
        );
        let validity = billing.page.text("billing-validity").await;
        let grant_validity = billing
            .page
            .script("return document.querySelector('[data-testid=grants] .grant-validity').textContent")
            .await;
        assert_eq!(grant_validity.as_str(), Some(validity.as_str()), "QUO-3: the grant runs with the edition");

        let history = billing.wait_for_history(3).await;
        assert!(history[0].starts_with("扣减 · 发起合同 −1 版本赠送"), "the draw, newest first: {history:?}");
        assert!(history[0].contains("余额 1,999"), "{history:?}");

        page.resize(PHONE.0).await;
        let billing = BillingPage::open(page.clone(), "/mp/billing").await;
        assert_eq!(billing.grants().await.len(), 2);
        assert_eq!(billing.wait_for_history(3).await.len(), 3);
        assert!(page.scroll_width().await <= u64::from(PHONE.0), "费用管理 fits 390 px");
    })
    .await;
}
