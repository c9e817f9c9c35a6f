//! The mini-program's frame (`/mp`): its tabs and home.

use super::Page;

/// The mini-program's shell.
pub struct MiniProgram {
    pub page: Page,
}

impl MiniProgram {
    /// The shell as it is now.
    pub async fn ready(page: Page) -> MiniProgram {
        page.find("mp-frame").await;
        MiniProgram { page }
    }

    /// The frame's width in CSS pixels.
    pub async fn frame_width(&self) -> u64 {
        let script =
            "return Math.round(document.querySelector('[data-testid=\"mp-frame\"]').getBoundingClientRect().width)";
        self.page.script(script).await.as_u64().unwrap_or(0)
    }
}
