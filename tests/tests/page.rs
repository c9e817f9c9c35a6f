//! The whole product: the real server serving the app built into `dist/`.

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use server::{Application, Settings};
use std::path::PathBuf;

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

async fn get(url: String) -> reqwest::Response {
    reqwest::get(&url).await.unwrap_or_else(|e| panic!("GET {url} is answered: {e}"))
}

fn content_type(response: &reqwest::Response) -> &str {
    response.headers().get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default()
}

#[tokio::test]
async fn root_and_client_routes_serve_the_app_page() {
    let base = spawn_server().await;

    for path in ["/", "/orders/some-client-route"] {
        let response = get(format!("{base}{path}")).await;

        assert_eq!(response.status(), StatusCode::OK, "status of {path}");
        assert!(content_type(&response).starts_with("text/html"), "content type of {path}");
        let page = response.text().await.expect("the page is text");
        assert!(page.contains("/pkg/app.js"), "{path} is the app's index.html");
    }
}

#[tokio::test]
async fn wasm_is_served_as_application_wasm() {
    let base = spawn_server().await;

    let response = get(format!("{base}/pkg/app_bg.wasm")).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(&response), "application/wasm");
    let bytes = response.bytes().await.expect("the wasm downloads");
    assert!(bytes.starts_with(b"\0asm"), "the body is a wasm module");
}
