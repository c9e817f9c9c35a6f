//! The purchase page (版本选购) in a real browser, against the real server
//! serving the app built into `dist/`.

mod purchase {
    pub mod browser;
    pub mod page;
}

use domain::identity::AccountState;
use domain::{
    AddOn, AddOnChoice, Buyer, Catalog, Channel, Context, Edition, EditionChoice, ErrorCode, Identity, Instant, Lang,
    Money, Role, Selection,
};
use purchase::browser::with_browser;
use purchase::page::PurchasePage;
use server::{Application, Settings};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

const DESKTOP: (u32, u32) = (1280, 900);

/// The workspace's `dist/`, which `cargo xtask test` builds before the tests run.
fn dist() -> PathBuf {
    let dist = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../dist"));
    assert!(
        dist.join("index.html").is_file() && dist.join("pkg/app_bg.wasm").is_file(),
        "no built app in {}: run `cargo xtask dist` first",
        dist.display()
    );
    dist
}

/// Starts the server on a free port and returns its base URL.
async fn spawn_server() -> String {
    // The folder outlives the test process's server: the OS cleans temp.
    let dir = tempfile::tempdir().expect("a temp dir").keep();
    let settings = Settings::local(format!("sqlite://{}/esign.sqlite", dir.display()), dist());
    let app = Application::build(settings).await.expect("the server starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    base
}

/// The catalog the server sells, as the browser receives it.
async fn catalog(base: &str) -> Catalog {
    let response = reqwest::get(format!("{base}/api/catalog")).await.expect("GET /api/catalog is answered");
    response.json().await.expect("the catalog parses and its version matches its content")
}

/// The same buyer as the app's preview buyer (app/src/pages/purchase.rs):
/// a verified enterprise, super admin, no edition, zero balance, no vouchers.
fn preview_buyer() -> Buyer {
    Buyer {
        identity: Identity::Enterprise {
            person_id: 0,
            enterprise_id: 0,
            verified: true,
            roles: vec![Role::SuperAdmin],
            linked_cloud_account: None,
        },
        account: AccountState::default(),
        balance: Money::ZERO,
        vouchers: Vec::new(),
        sales_quotes: Vec::new(),
        cloud_account: None,
    }
}

fn now() -> Instant {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).expect("the clock is after 1970");
    let seconds = i64::try_from(since_epoch.as_secs()).expect("seconds fit");
    Instant::from_timestamp(seconds, 0).expect("a valid instant")
}

/// The amount due that `domain::quote` gives, formatted as the page shows it.
fn expected_total(catalog: &Catalog, selection: &Selection) -> String {
    let buyer = preview_buyer();
    let ctx = Context { catalog, buyer: &buyer, channel: Channel::Web, now: now() };
    let quote = domain::quote(&ctx, selection).expect("the selection can be bought");
    format!("¥{}", quote.payable)
}

fn advanced(years: u8, addons: Vec<AddOnChoice>) -> Selection {
    Selection {
        edition: Some(EditionChoice { edition: Edition::Advanced, years: Some(years), sales_quote: None }),
        addons,
        voucher: None,
    }
}

fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")), PathBuf::from);
    let dir = target.join("e2e-artifacts");
    std::fs::create_dir_all(&dir).expect("the artifacts folder");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pri_1_price_preview_updates_with_no_network_request() {
    let base = spawn_server().await;
    let catalog = catalog(&base).await;
    let first = expected_total(&catalog, &advanced(1, vec![]));
    let chosen =
        expected_total(&catalog, &advanced(3, vec![AddOnChoice { addon: AddOn::ContractPack1k, quantity: 1 }]));
    assert_ne!(first, chosen, "the test changes the price");

    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = PurchasePage::open(client, &base).await;
        assert_eq!(page.total().await, first, "the page opens with Advanced for one year");
        let requests = page.resource_count().await;

        page.choose_years(3).await;
        page.toggle_addon("contract_pack_1k").await;

        page.wait_for_total(&chosen).await;
        assert_eq!(page.resource_count().await, requests, "changing the choice fetched nothing");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ch_2_mini_program_refuses_professional() {
    let base = spawn_server().await;
    let limit = ErrorCode::MiniProgramLimit.message(Lang::Zh);
    assert!(limit.contains("小程序微信支付限额"), "the seeds' wording: {limit}");

    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = PurchasePage::open(client, &base).await;
        assert!(page.edition_enabled("professional").await, "Professional can be chosen on the web console");

        page.choose_channel("mini-program").await;

        page.wait_for_edition_enabled("professional", false).await;
        let card = page.edition_card_text("professional").await;
        assert!(card.contains(limit), "the Professional card gives the reason, but reads: {card}");
        assert!(!page.edition_enabled("flagship").await, "Flagship is refused in the mini-program too");
        assert!(page.edition_card_text("flagship").await.contains(limit), "Flagship gives the same reason");
        assert!(!page.addon_enabled("integration").await, "integration is refused in the mini-program");
        assert!(page.addon_row_text("integration").await.contains(limit), "integration gives the same reason");
        assert!(page.edition_enabled("advanced").await, "Advanced can still be bought in the mini-program");
        assert!(page.addon_enabled("contract_pack_1k").await, "contract packs can still be bought there");

        page.choose_channel("web").await;
        page.wait_for_edition_enabled("professional", true).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purchase_page_fits_desktop_and_phone_widths() {
    let base = spawn_server().await;
    let dir = artifacts();

    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = PurchasePage::open(client, &base).await;
        // Something in every state: a pack chosen, the breakdown with two lines.
        page.toggle_addon("contract_pack_1k").await;
        for width in [1280, 390] {
            let path = dir.join(format!("purchase-{width}.png"));
            let scroll_width = page.screenshot(width, &path).await;
            let viewport = page.viewport_width().await;
            assert_eq!(viewport, u64::from(width), "the window is {width} px wide inside");
            assert!(scroll_width <= viewport, "at {width} px nothing overflows sideways ({scroll_width} px)");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cat_4_flagship_is_quoted_by_a_sales_manager_with_contact_to_buy() {
    let base = spawn_server().await;

    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = PurchasePage::open(client, &base).await;

        assert!(!page.edition_enabled("flagship").await, "Flagship has no list price to choose");
        let card = page.edition_card_text("flagship").await;
        assert!(card.contains("专属销售经理为您报价"), "the seeds' wording on the card: {card}");
        assert!(card.contains("随心用"), "the allotment is 'use freely': {card}");

        page.take_remedy("flagship").await;
        let notice = page.notice_text().await;
        assert!(notice.contains("专属销售经理"), "联系购买 leads to the sales contact: {notice}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_speaks_chinese_by_default_and_english_on_request() {
    let base = spawn_server().await;
    let limit_en = ErrorCode::MiniProgramLimit.message(Lang::En);

    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let page = PurchasePage::open(client, &base).await;
        assert_eq!(page.html_lang().await, "zh-CN");
        assert!(page.edition_card_text("professional").await.contains("专业版"));

        page.switch_language().await;
        page.choose_channel("mini-program").await;

        assert_eq!(page.html_lang().await, "en");
        page.wait_for_edition_enabled("professional", false).await;
        let card = page.edition_card_text("professional").await;
        assert!(card.contains("Professional") && card.contains(limit_en), "the card in English: {card}");
    })
    .await;
}
