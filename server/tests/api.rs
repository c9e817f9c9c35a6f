//! Black-box tests of the API: the real server on 127.0.0.1:0, spoken to over HTTP.

use reqwest::StatusCode;
use serde_json::{Value, json};
use server::{Application, Settings};

/// A running server and a client for it.
struct TestApp {
    address: String,
    client: reqwest::Client,
}

impl TestApp {
    async fn spawn() -> Self {
        let settings = Settings {
            host: "127.0.0.1".into(),
            port: 0,
            dist: "no-dist-in-api-tests".into(),
            database_url: "sqlite::memory:".into(),
        };
        let app = Application::build(settings).await.expect("the server starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        Self { address, client: reqwest::Client::new() }
    }

    /// GETs `path` and returns the status and the JSON body.
    async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path} is answered: {e}"));
        let status = response.status();
        let body = response.json().await.unwrap_or_else(|e| panic!("GET {path} answers JSON: {e}"));
        (status, body)
    }
}

#[tokio::test]
async fn health_answers_ok() {
    let app = TestApp::spawn().await;

    let (status, body) = app.get_json("/api/health").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "status": "ok" }));
}

#[tokio::test]
async fn catalog_answers_the_default_catalog() {
    let app = TestApp::spawn().await;
    let catalog = domain::Catalog::load_default().expect("the default catalog loads");

    let (status, body) = app.get_json("/api/catalog").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::to_value(catalog).expect("the catalog serialises"));
}

#[tokio::test]
async fn unknown_api_paths_answer_a_json_not_found() {
    let app = TestApp::spawn().await;

    for path in ["/api", "/api/nope", "/api/catalog/extra"] {
        let (status, body) = app.get_json(path).await;

        assert_eq!(status, StatusCode::NOT_FOUND, "status of {path}");
        assert_eq!(body["code"], "not_found", "code of {path}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains(path)), "message of {path} names it: {body}");
    }
}
