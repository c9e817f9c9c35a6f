//! 腾讯云购买页 (`/cloud`): the cloud console's frame, its demo cloud
//! sign-in (`/cloud/sign-in`), and its refusal with the remedy (CH-3).

use super::Page;

/// The cloud console.
pub struct CloudConsole {
    pub page: Page,
}

impl CloudConsole {
    /// Opens `/cloud`, which asks to sign in first, signs in through the demo
    /// cloud account `cloud`, and waits for the cloud console's frame.
    pub async fn sign_in_through(page: Page, cloud: &str) -> CloudConsole {
        page.goto("/cloud").await;
        page.wait_for_path("the cloud sign-in", |p| p == "/cloud/sign-in").await;
        page.click(&format!("cloud-{cloud}")).await;
        page.wait_for_path("the cloud console", |p| p == "/cloud").await;
        page.find("cloud-console").await;
        CloudConsole { page }
    }

    /// Opens the cloud sign-in itself and signs in through `cloud`, whoever
    /// was signed in before.
    pub async fn sign_in_again(page: Page, cloud: &str) -> CloudConsole {
        page.goto("/cloud/sign-in").await;
        page.click(&format!("cloud-{cloud}")).await;
        page.wait_for_path("the cloud console", |p| p == "/cloud").await;
        page.find("cloud-console").await;
        CloudConsole { page }
    }

    /// The cloud account the top bar names.
    pub async fn account(&self) -> String {
        self.page.text("cloud-account").await
    }

    /// Whether the web console's top bar is on screen (it must not be).
    pub async fn shows_the_web_console_bar(&self) -> bool {
        self.page.script("return document.querySelector('.topbar') !== null").await.as_bool().unwrap_or(true)
    }

    /// The refusal's heading and explanation, once shown.
    pub async fn refusal(&self) -> String {
        self.page.text("cloud-refusal").await
    }

    /// The remedy's steps, once shown.
    pub async fn remedy(&self) -> String {
        self.page.text("cloud-remedy").await
    }

    /// Where the remedy's link leads.
    pub async fn remedy_link(&self) -> String {
        self.page.attr("remedy", "href").await.unwrap_or_default()
    }
}
