//! Where a purchase starts (issue 16): the chooser opens on a choice the
//! buyer can make, for every demo identity on both channels, and 升级版本
//! opens the upgrade with its prorated figure.

use super::browser::with_browser;
use super::harness::{TestServer, now, yuan};
use super::pages::Page;
use super::pages::billing::BillingPage;
use super::pages::purchase::PurchasePage;
use super::pages::sign_in::SignInPage;
use crate::{DESKTOP, edition, signed_in};
use domain::{Channel, Context, EditionChoice, Selection};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ren_2_upgrade_in_billing_opens_the_next_edition_with_the_prorated_figure() {
    let server = Arc::new(TestServer::start().await);
    server.signed_in("a-admin").await.buy(&edition("advanced", 1)).await;
    let catalog = server.catalog().await;
    let buyer = server.buyer("a-admin").await;
    let upgrade = Selection {
        edition: Some(EditionChoice { edition: domain::Edition::Professional, years: None, sales_quote: None }),
        ..Selection::default()
    };
    let ctx = Context { catalog: &catalog, buyer: &buyer, channel: Channel::Web, now: now() };
    let quote = domain::quote(&ctx, &upgrade).expect("the upgrade can be bought");
    let due = yuan(&quote.payable.to_string());
    assert_ne!(quote.payable, catalog.edition(domain::Edition::Professional).yearly_price.expect("listed"));

    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = signed_in(client, &s, "a-admin", "/billing").await;
        let billing = BillingPage::open(page.clone(), "/billing").await;
        billing.page.click("action-upgrade").await;
        page.wait_for_path("the chooser", |p| p == "/").await;
        let purchase = PurchasePage::ready(page.clone()).await;
        purchase.wait_for_total(&due).await;
        assert_eq!(purchase.chosen_edition().await.as_deref(), Some("professional"), "the next edition is chosen");
        let lines = purchase.lines().await;
        assert!(lines.contains("剩余") && lines.contains("天"), "the line is priced by the days left: {lines}");
        assert!(purchase.orderable().await, "and it can be ordered");
    })
    .await;
}

/// What the chooser opens with for `login` on the web console and in the
/// mini-program: the edition chosen (if any), and whether it can be ordered
/// (or, with nothing chosen, whether a contract pack alone can be).
async fn openings(page: &Page, login: &str) -> Vec<(Channel, Option<String>, bool)> {
    page.client.delete_all_cookies().await.expect("signed out");
    SignInPage::open(page.clone(), "/").await.sign_in_as(login).await;
    let mut found = Vec::new();
    for (channel, path) in [(Channel::Web, "/"), (Channel::MiniProgram, "/mp/buy")] {
        page.goto(path).await;
        let purchase = PurchasePage::ready(page.clone()).await;
        // The verdicts follow the quote in the next task.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let chosen = purchase.chosen_edition().await;
        let orderable = match chosen {
            Some(_) => purchase.orderable().await,
            None => page.has("edition-none").await && purchase.addon_enabled("contract_pack_1k").await,
        };
        found.push((channel, chosen, orderable));
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sel_6_the_chooser_opens_on_a_choice_every_demo_identity_can_make_on_both_channels() {
    let server = Arc::new(TestServer::start().await);
    // A holds Advanced three years out (no renewal fits REN-1's cap); B holds
    // Professional (a renewal on the web, nothing the mini-program sells).
    server.signed_in("a-admin").await.buy(&edition("advanced", 3)).await;
    server.signed_in("b-admin").await.buy(&edition("professional", 1)).await;
    let demo: serde_json::Value = reqwest::get(format!("{}/api/demo-accounts", server.direct))
        .await
        .expect("GET /api/demo-accounts")
        .json()
        .await
        .expect("the demo people");
    let logins: Vec<String> =
        demo.as_array().expect("a list").iter().filter_map(|d| d["login"].as_str().map(str::to_owned)).collect();
    assert!(logins.len() >= 10, "every demo person: {logins:?}");

    let s = Arc::clone(&server);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = Page::new(client, &s.base);
        let mut refused = Vec::new();
        for login in &logins {
            let found = openings(&page, login).await;
            for (channel, chosen, orderable) in &found {
                if !orderable {
                    refused.push(format!("{login} on {channel:?} opens on {chosen:?}, which cannot be ordered"));
                }
            }
            if login.starts_with("b-") {
                assert_eq!(found[0].1.as_deref(), Some("professional"), "{login} renews Professional on the web");
                assert_eq!(found[1].1, None, "{login} opens on nothing in the mini-program (CH-2)");
            }
            if login.starts_with("a-") {
                assert_eq!(found[0].1, None, "{login}: a renewal would pass three years (REN-1)");
            }
        }
        assert!(refused.is_empty(), "openings refused:\n{}", refused.join("\n"));
    })
    .await;
}
