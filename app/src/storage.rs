//! What the buyer built, kept in the browser so a reload does not lose it:
//! the cart in the tab's session storage (one tab, one cart, gone with the
//! tab), the language in local storage (remembered on this device). A
//! browser that refuses storage (private mode, a full quota) only loses the
//! memory, never the page.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Where a value is kept.
#[derive(Debug, Clone, Copy)]
pub enum Area {
    /// This tab, until it is closed.
    Session,
    /// This device, until the buyer clears it.
    Local,
}

fn storage(area: Area) -> Option<web_sys::Storage> {
    let window = leptos::prelude::window();
    match area {
        Area::Session => window.session_storage(),
        Area::Local => window.local_storage(),
    }
    .ok()
    .flatten()
}

/// The value kept under `key`, if any and if it still reads as a `T`.
pub fn load<T: DeserializeOwned>(area: Area, key: &str) -> Option<T> {
    let text = storage(area)?.get_item(key).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

/// Keeps `value` under `key`.
pub fn save<T: Serialize>(area: Area, key: &str, value: &T) {
    if let (Some(storage), Ok(text)) = (storage(area), serde_json::to_string(value)) {
        let _ = storage.set_item(key, &text);
    }
}
