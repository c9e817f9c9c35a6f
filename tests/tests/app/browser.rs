//! A real Chromium, driven over WebDriver by its own chromedriver on a free
//! port, with a fresh profile; so tests run in parallel and leave nothing behind.

use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use std::future::Future;
use std::net::{TcpListener, TcpStream};
use std::panic;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Flags that work on these machines (TOOLCHAIN.md); the profile is added per browser.
const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Starts a browser at `width` × `height`, runs `test` with its client, then
/// closes the browser whether the test passed or panicked; answers what the test returned.
pub async fn with_browser<F, Fut, T>(width: u32, height: u32, test: F) -> T
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let browser = Browser::start().await;
    browser.client.set_window_size(width, height).await.expect("the window resizes");
    // A panic inside the spawned task comes back as an error, so the browser is still closed.
    let outcome = tokio::spawn(test(browser.client.clone())).await;
    browser.quit().await;
    match outcome {
        Ok(answer) => answer,
        Err(error) => match error.try_into_panic() {
            Ok(reason) => panic::resume_unwind(reason),
            Err(error) => panic!("the browser test did not finish: {error}"),
        },
    }
}

struct Browser {
    client: Client,
    _driver: Driver,
    /// Chromium's profile, removed when the browser goes.
    _profile: TempDir,
}

impl Browser {
    async fn start() -> Browser {
        let port = free_port();
        let driver = Driver(
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("{CHROMEDRIVER} starts (apt-get install chromium-driver): {e}")),
        );
        wait_until_listening(port).await;

        let profile = tempfile::Builder::new().prefix("e2e-chromium-").tempdir().expect("a fresh profile folder");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = json!({ "goog:chromeOptions": { "binary": CHROMIUM, "args": args } });
        let serde_json::Value::Object(capabilities) = capabilities else { unreachable!("a JSON object") };
        // Two crypto providers are linked in (see the workspace manifest): pick one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = ClientBuilder::rustls()
            .expect("the TLS roots load")
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("chromedriver opens a Chromium session");
        Browser { client, _driver: driver, _profile: profile }
    }

    /// Closing the session makes chromedriver end Chromium; then the driver goes (on drop).
    async fn quit(self) {
        let _ = self.client.clone().close().await;
    }
}

/// The chromedriver process, stopped however the test ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

async fn wait_until_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver listens on port {port} within 20 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
