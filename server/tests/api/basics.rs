//! Health, the catalog, and the shape of unknown paths.

use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(health_answers_ok, |app| {
    let (status, body) = app.get("/api/health").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "status": "ok" }));
});

on_both_databases!(catalog_answers_the_default_catalog, |app| {
    let catalog = domain::Catalog::load_default().expect("the default catalog loads");

    let (status, body) = app.get("/api/catalog").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::to_value(catalog).expect("the catalog serialises"));
});

on_both_databases!(unknown_api_paths_answer_a_json_not_found, |app| {
    for path in ["/api", "/api/nope", "/api/catalog/extra"] {
        let (status, body) = app.get(path).await;

        assert_eq!(status, StatusCode::NOT_FOUND, "status of {path}");
        assert_eq!(body["code"], "not_found", "code of {path}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains(path)), "message of {path} names it: {body}");
    }
});
