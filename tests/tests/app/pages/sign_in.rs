//! 登录: the sign-in form and, in development, the demo accounts.

use super::Page;

/// The sign-in page.
pub struct SignInPage {
    pub page: Page,
}

impl SignInPage {
    /// Opens `path`, which asks to sign in first, and waits for the form.
    pub async fn open(page: Page, path: &str) -> SignInPage {
        page.goto(path).await;
        page.find("sign-in").await;
        SignInPage { page }
    }

    /// Chooses a demo person (which fills the form), signs in, and waits
    /// until the app has left the sign-in page.
    pub async fn sign_in_as(&self, login: &str) {
        self.page.click(&format!("demo-{login}")).await;
        self.page.click("sign-in").await;
        self.page.wait_for_path("the page asked for", |p| !p.ends_with("/login")).await;
    }
}
