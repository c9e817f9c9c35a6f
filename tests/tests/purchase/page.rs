//! The page object of 版本选购: every element the tests touch, found by the
//! `data-testid` the app sets on purpose.

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long the page may take to show what a test waits for.
const PATIENCE: Duration = Duration::from_secs(20);

/// The purchase page in a browser.
pub struct PurchasePage {
    client: Client,
}

fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

impl PurchasePage {
    /// Opens the app at `base` and waits until the first quote is on screen.
    pub async fn open(client: Client, base: &str) -> PurchasePage {
        client.goto(base).await.unwrap_or_else(|e| panic!("the browser opens {base}: {e}"));
        let page = PurchasePage { client };
        page.find("total").await;
        page
    }

    async fn find(&self, id: &str) -> Element {
        let selector = testid(id);
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(&selector))
            .await
            .unwrap_or_else(|e| panic!("{selector} appears: {e}"))
    }

    async fn find_css(&self, selector: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("{selector} appears: {e}"))
    }

    async fn click(&self, id: &str) {
        self.find(id).await.click().await.unwrap_or_else(|e| panic!("{id} can be clicked: {e}"));
    }

    async fn script(&self, script: &str) -> Value {
        self.client.execute(script, Vec::new()).await.unwrap_or_else(|e| panic!("`{script}` runs: {e}"))
    }

    /// The amount due as shown, e.g. "¥6980.00".
    pub async fn total(&self) -> String {
        self.find("total").await.text().await.expect("the total has text")
    }

    /// Waits until the amount due reads `expected`, and fails with what it read instead.
    pub async fn wait_for_total(&self, expected: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let shown = self.total().await;
            if shown == expected {
                return;
            }
            assert!(Instant::now() < deadline, "the total shows {expected}, but it shows {shown}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How many resources (scripts, wasm, styles, API calls) the page has fetched so far.
    pub async fn resource_count(&self) -> u64 {
        let count = self.script("return performance.getEntriesByType('resource').length").await;
        count.as_u64().unwrap_or_else(|| panic!("a resource count, not {count}"))
    }

    /// Chooses a term of `years` (购买时长).
    pub async fn choose_years(&self, years: u8) {
        self.click(&format!("years-{years}")).await;
    }

    /// Ticks or unticks an add-on, by its wire name (`contract_pack_1k`).
    pub async fn toggle_addon(&self, addon: &str) {
        self.click(&format!("addon-{addon}")).await;
    }

    /// Switches the channel: `web` or `mini-program`.
    pub async fn choose_channel(&self, channel: &str) {
        self.click(&format!("channel-{channel}")).await;
    }

    /// The visible text of an edition card (`advanced`, `professional`, `flagship`).
    pub async fn edition_card_text(&self, edition: &str) -> String {
        self.find(&format!("edition-{edition}")).await.text().await.expect("the card has text")
    }

    /// Whether the edition's radio button can be chosen.
    pub async fn edition_enabled(&self, edition: &str) -> bool {
        let radio = self.find_css(&format!("{} input[type=radio]", testid(&format!("edition-{edition}")))).await;
        radio.is_enabled().await.expect("the radio's state")
    }

    /// Waits until the edition's radio button is enabled (or not).
    pub async fn wait_for_edition_enabled(&self, edition: &str, enabled: bool) {
        let deadline = Instant::now() + PATIENCE;
        while self.edition_enabled(edition).await != enabled {
            assert!(Instant::now() < deadline, "{edition} becomes {}", if enabled { "enabled" } else { "disabled" });
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether an add-on's checkbox can be ticked.
    pub async fn addon_enabled(&self, addon: &str) -> bool {
        self.find(&format!("addon-{addon}")).await.is_enabled().await.expect("the checkbox's state")
    }

    /// The text of an add-on's row, its reasons included.
    pub async fn addon_row_text(&self, addon: &str) -> String {
        self.find(&format!("addon-row-{addon}")).await.text().await.expect("the row has text")
    }

    /// Takes the way out offered on an edition card (联系购买, 前往电子签网页端购买).
    pub async fn take_remedy(&self, edition: &str) {
        let selector = format!("{} {}", testid(&format!("edition-{edition}")), testid("remedy"));
        self.find_css(&selector).await.click().await.unwrap_or_else(|e| panic!("{selector} can be clicked: {e}"));
    }

    /// The page-level notice, once one shows.
    pub async fn notice_text(&self) -> String {
        self.find_css(&format!("{} .notice", testid("notice"))).await.text().await.expect("the notice has text")
    }

    /// Switches between 中文 and English.
    pub async fn switch_language(&self) {
        self.click("lang-switch").await;
    }

    /// The `lang` attribute of the document.
    pub async fn html_lang(&self) -> String {
        let lang = self.script("return document.documentElement.lang").await;
        lang.as_str().unwrap_or_default().to_owned()
    }

    /// Resizes the window to `width` and the page's full height, then saves a PNG.
    /// Returns the page's scroll width, to check that nothing overflows sideways.
    pub async fn screenshot(&self, width: u32, path: &Path) -> u64 {
        self.client.set_window_size(width, 900).await.expect("the window resizes");
        // The window's height includes the browser's own frame: add it, so the whole page fits.
        let script = "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight";
        let height = self.script(script).await.as_u64().unwrap_or(900);
        let height = u32::try_from(height).unwrap_or(900).max(600);
        self.client.set_window_size(width, height).await.expect("the window resizes");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("{} is written: {e}", path.display()));
        self.script("return document.documentElement.scrollWidth").await.as_u64().unwrap_or(0)
    }

    /// The inner width of the window, in CSS pixels.
    pub async fn viewport_width(&self) -> u64 {
        self.script("return window.innerWidth").await.as_u64().unwrap_or(0)
    }
}
