//! One page object per page of the app, each finding what it touches by the
//! `data-testid` the app sets on purpose; [`Page`] holds what they share.

pub mod billing;
pub mod cloud;
pub mod contact;
pub mod invoices;
pub mod mini;
pub mod ops;
pub mod order;
pub mod orders;
pub mod pay;
pub mod purchase;
pub mod review;
pub mod sales;
pub mod sandbox;
pub mod sign_in;

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long the app may take to show what a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// `[data-testid="…"]`.
pub fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// The browser, as every page object uses it.
#[derive(Clone)]
pub struct Page {
    pub client: Client,
    pub base: String,
}

impl Page {
    pub fn new(client: Client, base: &str) -> Page {
        Page { client, base: base.to_owned() }
    }

    /// Opens `path` of the app.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client.goto(&url).await.unwrap_or_else(|e| panic!("the browser opens {url}: {e}"));
    }

    /// Reloads the page, as F5 does.
    pub async fn reload(&self) {
        self.client.refresh().await.unwrap_or_else(|e| panic!("the browser reloads: {e}"));
    }

    /// The browser's Back button.
    pub async fn back(&self) {
        self.client.back().await.unwrap_or_else(|e| panic!("the browser goes back: {e}"));
    }

    /// The path and query of the current URL.
    pub async fn path_and_query(&self) -> String {
        self.script("return location.pathname + location.search").await.as_str().unwrap_or_default().to_owned()
    }

    /// The element with this test id, once it appears.
    pub async fn find(&self, id: &str) -> Element {
        self.find_css(&testid(id)).await
    }

    /// The element matching `selector`, once it appears.
    pub async fn find_css(&self, selector: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("{selector} appears: {e}"))
    }

    /// Whether an element with this test id is in the page now.
    pub async fn has(&self, id: &str) -> bool {
        self.client.find(Locator::Css(&testid(id))).await.is_ok()
    }

    pub async fn click(&self, id: &str) {
        self.click_css(&testid(id)).await;
    }

    /// Clicks once the element can be clicked (shown and enabled).
    pub async fn click_css(&self, selector: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let element = self.find_css(selector).await;
            // In the middle of the window, clear of the sticky bars.
            if let Ok(arg) = serde_json::to_value(&element) {
                let _ = self.client.execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg]).await;
            }
            if element.is_enabled().await.unwrap_or(false) && element.is_displayed().await.unwrap_or(false) {
                match element.click().await {
                    Ok(()) => return,
                    Err(e) => assert!(Instant::now() < deadline, "{selector} can be clicked: {e}"),
                }
            }
            assert!(Instant::now() < deadline, "{selector} becomes clickable");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The visible text of the element with this test id (found again if
    /// the app re-rendered it meanwhile).
    pub async fn text(&self, id: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.find(id).await.text().await {
                Ok(text) => return text,
                Err(e) => assert!(Instant::now() < deadline, "{id} has text: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types `text` into the input with this test id, replacing what it held.
    pub async fn type_into(&self, id: &str, text: &str) {
        let input = self.find(id).await;
        input.clear().await.unwrap_or_else(|e| panic!("{id} clears: {e}"));
        input.send_keys(text).await.unwrap_or_else(|e| panic!("{id} takes keys: {e}"));
    }

    /// Whether the element with this test id is enabled.
    pub async fn enabled(&self, id: &str) -> bool {
        self.find(id).await.is_enabled().await.unwrap_or_else(|e| panic!("{id}'s state: {e}"))
    }

    /// An attribute of the element with this test id.
    pub async fn attr(&self, id: &str, name: &str) -> Option<String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            // Found again if the page was re-rendered or reloaded meanwhile.
            match self.find(id).await.attr(name).await {
                Ok(value) => return value,
                Err(e) => assert!(Instant::now() < deadline, "{id}'s {name}: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn script(&self, script: &str) -> Value {
        self.client.execute(script, Vec::new()).await.unwrap_or_else(|e| panic!("`{script}` runs: {e}"))
    }

    /// Waits until `check` holds, and fails with `what` otherwise.
    pub async fn wait_until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + PATIENCE;
        while !check().await {
            assert!(Instant::now() < deadline, "{what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the text of the element with this test id reads `expected`.
    pub async fn wait_for_text(&self, id: &str, expected: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let shown = self.text(id).await;
            if shown == expected {
                return;
            }
            assert!(Instant::now() < deadline, "{id} reads {expected}, but it reads {shown}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The path of the current URL.
    pub async fn path(&self) -> String {
        self.script("return location.pathname").await.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the URL's path satisfies `wanted`.
    pub async fn wait_for_path(&self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let path = self.path().await;
            if wanted(&path) {
                return path;
            }
            assert!(Instant::now() < deadline, "the app goes to {what}, but it is at {path}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The `lang` attribute of the document.
    pub async fn html_lang(&self) -> String {
        self.script("return document.documentElement.lang").await.as_str().unwrap_or_default().to_owned()
    }

    /// Switches between 中文 and English.
    pub async fn switch_language(&self) {
        self.click("lang-switch").await;
    }

    /// Switches the acting identity (ID-4): `person`, or an enterprise's id.
    pub async fn act_as(&self, value: &str) {
        let select = self.find("identity-switch").await;
        select.select_by_value(value).await.unwrap_or_else(|e| panic!("the identity {value} can be chosen: {e}"));
    }

    /// How many resources (scripts, wasm, styles, API calls) the page has
    /// fetched so far, by the browser's resource timing.
    pub async fn resource_count(&self) -> u64 {
        let count = self.script("return performance.getEntriesByType('resource').length").await;
        count.as_u64().unwrap_or_else(|| panic!("a resource count, not {count}"))
    }

    /// Resizes the window to `width` and the page's full height, saves a
    /// PNG, and returns the page's scroll width (to check nothing overflows).
    pub async fn screenshot(&self, width: u32, path: &Path) -> u64 {
        self.resize(width).await;
        // The window's height includes the browser's own frame: add it, so the whole page fits.
        let script =
            "return Math.max(document.documentElement.scrollHeight, 600) + window.outerHeight - window.innerHeight";
        let height = self.script(script).await.as_u64().unwrap_or(900);
        let height = u32::try_from(height).unwrap_or(900).clamp(600, 4000);
        self.client.set_window_size(width, height).await.expect("the window resizes");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("{} is written: {e}", path.display()));
        self.scroll_width().await
    }

    /// Sets the window to `width` (and a phone's height).
    pub async fn resize(&self, width: u32) {
        self.client.set_window_size(width, 900).await.expect("the window resizes");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }

    /// The document's scroll width, in CSS pixels.
    pub async fn scroll_width(&self) -> u64 {
        self.script("return document.documentElement.scrollWidth").await.as_u64().unwrap_or(0)
    }

    /// Every shown control whose tap target is smaller than `min` px either
    /// way (a radio or checkbox counts by its label), described for a
    /// failure message.
    pub async fn small_tap_targets(&self, min: u32) -> Vec<String> {
        let script = format!(
            r#"
            const min = {min};
            const small = [];
            for (const el of document.querySelectorAll('a[href], button, input, select, textarea')) {{
              let target = el;
              if (el.matches('input[type=radio], input[type=checkbox]')) {{
                target = (el.id && document.querySelector(`label[for="${{el.id}}"]`)) || el.closest('label') || el;
              }}
              const style = getComputedStyle(target);
              const r = target.getBoundingClientRect();
              if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
              if (target.classList.contains('visually-hidden')) continue;
              if (r.bottom < 0) continue; // the skip link, above the page until focused
              if (r.width < min || r.height < min) {{
                const name = (target.getAttribute('data-testid') || target.textContent || target.tagName).trim().slice(0, 30);
                small.push(`${{target.tagName.toLowerCase()}} "${{name}}" ${{Math.round(r.width)}}×${{Math.round(r.height)}}`);
              }}
            }}
            return small;
            "#
        );
        let found = self.script(&script).await;
        found
            .as_array()
            .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }
}
