//! What the app says when something is refused (issue 16): in words a
//! person reads, never a code or a field's wire name, and never pointing to
//! a button that is not there.

use super::browser::with_browser;
use super::harness::TestServer;
use super::pages::billing::BillingPage;
use super::pages::contact::ContactForm;
use super::pages::sign_in::SignInPage;
use super::pages::{Page, testid};
use crate::{DESKTOP, edition, signed_in};
use domain::{ErrorCode, Lang};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_says_so_and_not_to_sign_in() {
    let server = Arc::new(TestServer::start().await);
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = Page::new(client, &s.base);
        let sign_in = SignInPage::open(page.clone(), "/").await;
        sign_in.page.type_into("login", "a-admin").await;
        sign_in.page.type_into("password", "not-the-password").await;
        sign_in.page.click("sign-in").await;
        let shown = page.find("error").await.text().await.expect("the error's text");
        assert!(shown.contains("账号或密码错误"), "it says what was wrong: {shown}");
        assert!(!shown.contains(ErrorCode::Unauthenticated.message(Lang::Zh)), "not 请先登录: {shown}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sal_1_the_upgrade_hint_in_billing_offers_the_contact_to_buy_it_names() {
    let server = Arc::new(TestServer::start().await);
    server.signed_in("b-admin").await.buy(&edition("professional", 1)).await;
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = signed_in(client, &s, "b-admin", "/billing").await;
        let billing = BillingPage::open(page.clone(), "/billing").await;
        assert!(!billing.page.enabled("action-upgrade").await, "Flagship is not bought at a list price");
        let hint = billing.page.text("quick-actions").await;
        assert!(hint.contains("联系购买"), "the hint names 联系购买: {hint}");
        assert!(!hint.contains("quote_required") && !hint.contains('（'), "no code shown: {hint}");
        billing.page.click_css(&format!("{} {}", testid("quick-actions"), testid("remedy"))).await;
        let form = ContactForm::ready(page.clone()).await;
        assert_eq!(form.kind().await, "flagship", "and 联系购买 is there to click");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ver_1_an_empty_code_is_its_own_message() {
    let server = Arc::new(TestServer::start().await);
    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = signed_in(client, &s, "a-admin", "/billing").await;
        let billing = BillingPage::open(page.clone(), "/billing").await;
        billing.send_invoice_code().await;
        billing.submit_invoice_code("").await;
        let shown = page.find_css("[data-testid=invoices] [data-testid=error]").await;
        let shown = shown.text().await.expect("the error's text");
        assert!(shown.contains("请输入验证码"), "it asks for the code: {shown}");
        assert!(!shown.contains(ErrorCode::CodeInvalid.message(Lang::Zh)), "not 验证码错误: {shown}");
    })
    .await;
}
