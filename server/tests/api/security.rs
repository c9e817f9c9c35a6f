//! What a browser is told on every answer, and state-changing requests
//! another site makes with a buyer's session cookie.

use crate::helpers::{Backend, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::json;
use server::Settings;

fn advanced() -> serde_json::Value {
    json!({ "edition": { "edition": "advanced", "years": 1 } })
}

async fn orders_stored(app: &TestApp) -> i64 {
    let db = app.db().await;
    server::db::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&db.read).await.expect("the orders are counted")
}

on_both_databases!(every_answer_carries_the_security_headers_and_api_answers_are_not_stored, |app| {
    app.sign_in("a-admin").await;
    for path in ["/", "/orders/1", "/api/me", "/api/catalog", "/api/nope"] {
        let response = app.client.get(format!("{}{path}", app.address)).send().await.expect("answered");
        let headers = response.headers();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let csp = header("content-security-policy");
        for directive in ["script-src 'self' 'wasm-unsafe-eval'", "frame-ancestors 'none'", "object-src 'none'"] {
            assert!(csp.contains(directive), "{path}: the policy has {directive}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: nothing inline: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("referrer-policy"), "strict-origin-when-cross-origin", "{path}");
        assert_eq!(header("strict-transport-security"), "", "{path}: no HSTS on a development server over HTTP");
        let cache = header("cache-control");
        if path.starts_with("/api") {
            assert_eq!(cache, "no-store", "{path}: a person's data is not cached");
        } else {
            assert_ne!(cache, "no-store", "{path}: the app's files may be cached");
        }
    }
});

fn production(settings: &mut Settings) {
    crate::helpers::in_production(settings);
}

on_both_databases!(a_production_server_asks_for_https_for_two_years, settings = production, |app| {
    let response = app.client.get(format!("{}/api/health", app.address)).send().await.expect("answered");
    let hsts = response.headers().get("strict-transport-security").and_then(|v| v.to_str().ok());
    assert_eq!(hsts, Some("max-age=63072000; includeSubDomains"));
});

on_both_databases!(an_order_placed_from_another_site_is_refused_and_not_stored, |app| {
    app.sign_in("a-admin").await;
    let quote = app.quote(&advanced(), "web").await;
    let body = json!({ "selection": advanced(), "channel": "web", "expected_total": quote["payable"] });
    let from = |headers: &[(&str, &str)]| {
        let mut request = app
            .client
            .post(format!("{}/api/orders", app.address))
            .header("Idempotency-Key", format!("k-{}", headers.len()))
            .json(&body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request
    };
    for foreign in [
        vec![("Origin", "https://evil.example")],
        vec![("Origin", "null")],
        vec![("Sec-Fetch-Site", "cross-site"), ("Origin", "https://evil.example")],
        vec![("Sec-Fetch-Site", "same-site")],
    ] {
        let (status, refused) = app.send(from(&foreign), "POST /api/orders from another site").await;
        assert_eq!((status, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{foreign:?}");
    }
    assert_eq!(orders_stored(&app).await, 0, "nothing was stored");

    let host = app.address.trim_start_matches("http://").to_owned();
    let own = format!("http://{host}");
    let (status, placed) =
        app.send(from(&[("Origin", own.as_str()), ("Sec-Fetch-Site", "same-origin")]), "POST /api/orders").await;
    assert_eq!(status, StatusCode::CREATED, "the app's own page places it: {placed}");
    assert_eq!(orders_stored(&app).await, 1);
});

on_both_databases!(the_payment_notification_is_judged_by_its_signature_not_its_origin, |app| {
    let request = app
        .client
        .post(format!("{}/api/payments/notify", app.address))
        .header("Origin", "https://api.mch.weixin.qq.com")
        .json(&json!({ "id": "forged" }));
    let (status, body) = app.send(request, "POST /api/payments/notify").await;
    assert_ne!(status, StatusCode::FORBIDDEN, "not refused for its origin: {body}");
    assert!(status.is_client_error(), "an unsigned notice is still refused: {status} {body}");
});

on_both_databases!(a_browser_report_of_a_policy_violation_is_kept_for_development, |app| {
    let report = r#"{"csp-report":{"document-uri":"http://x/","violated-directive":"script-src-elem"}}"#;
    let request = app
        .client
        .post(format!("{}/api/csp-reports", app.address))
        .header("Content-Type", "application/csp-report")
        .body(report);
    let response = request.send().await.expect("answered");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, kept) = app.get("/api/dev/csp-reports").await;
    assert_eq!((status, kept), (StatusCode::OK, json!([report])));
});

#[tokio::test]
async fn csp_reports_are_not_shown_outside_development() {
    let app = TestApp::builder(Backend::Sqlite).settings(production).spawn().await;
    let (status, body) = app.get("/api/dev/csp-reports").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
}

/// Five attempts a minute: one comes back every 12 s, far longer than the
/// tests take to try five times, so the sixth is refused however slow the machine.
const FIVE: u32 = 5;

fn five_per_login(settings: &mut Settings) {
    settings.sign_in_per_login = FIVE;
}

fn five_per_address(settings: &mut Settings) {
    settings.sign_in_per_address = FIVE;
}

on_both_databases!(guessing_one_login_s_password_is_throttled_with_retry_after, settings = five_per_login, |app| {
    let limit = FIVE;
    let wrong = json!({ "login": "a-admin", "password": "guess" });
    for attempt in 1..=limit {
        let (status, body) = app.post("/api/session", &wrong).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt} is judged: {body}");
    }
    let response = app
        .client
        .post(format!("{}/api/session", app.address))
        .json(&json!({ "login": "a-admin", "password": "demo1234" }))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits now");
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=12).contains(&retry_after), "one attempt comes back within 12 s: {retry_after}");
    let body: serde_json::Value = response.json().await.expect("the error shape");
    assert_eq!(body["code"], "too_many_attempts");
    assert_eq!(app.get("/api/me").await.0, StatusCode::UNAUTHORIZED, "no session was opened");

    let (status, body) = app.post("/api/session", &json!({ "login": "b-admin", "password": "demo1234" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "another login signs in: {body}");
});

on_both_databases!(one_client_trying_many_logins_is_throttled, settings = five_per_address, |app| {
    let limit = FIVE;
    let mut refused = 0;
    for n in 0..=limit {
        let (status, _) = app.post("/api/session", &json!({ "login": format!("nobody-{n}"), "password": "x" })).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert_eq!(refused, 1, "the attempt past {limit} a minute from one address is refused");
});

on_both_databases!(what_is_not_a_csp_report_is_refused_and_not_kept, |app| {
    for body in ["", "[]", r#"{"csp-report": 1}"#, r#"{"other": {}}"#] {
        let request = app.client.post(format!("{}/api/csp-reports", app.address)).body(body);
        let (status, refused) = app.send(request, "POST /api/csp-reports").await;
        assert_eq!((status, refused["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_input")), "{body:?}");
    }
    assert_eq!(app.get("/api/dev/csp-reports").await.1, json!([]));
});

/// The session token a `Set-Cookie` answer carries.
fn session_of(response: &reqwest::Response) -> Option<String> {
    let cookie = response.headers().get("set-cookie")?.to_str().ok()?;
    let token = cookie.strip_prefix("esign_session=")?.split(';').next()?;
    (!token.is_empty()).then(|| token.to_owned())
}

on_both_databases!(switching_identity_gives_the_session_a_new_token_and_ends_the_old, |app| {
    let plain = reqwest::Client::new();
    let signed = plain
        .post(format!("{}/api/session", app.address))
        .json(&json!({ "login": "a-admin", "password": "demo1234" }))
        .send()
        .await
        .expect("answered");
    let old = session_of(&signed).expect("a session cookie");
    let switched = plain
        .put(format!("{}/api/session/identity", app.address))
        .header("Cookie", format!("esign_session={old}"))
        .json(&json!({ "enterprise_id": null }))
        .send()
        .await
        .expect("answered");
    assert_eq!(switched.status(), StatusCode::OK);
    let fresh = session_of(&switched).expect("a new session cookie");
    assert_ne!(fresh, old);
    let me = |token: String| {
        let request = plain.get(format!("{}/api/me", app.address)).header("Cookie", format!("esign_session={token}"));
        async move { request.send().await.expect("answered") }
    };
    assert_eq!(me(old).await.status(), StatusCode::UNAUTHORIZED, "the old token ended");
    let acting: serde_json::Value = me(fresh).await.json().await.expect("the caller");
    assert_eq!(acting["acting_enterprise_id"], serde_json::Value::Null, "the new one acts as the person");
});

on_both_databases!(signing_out_everywhere_ends_every_session_of_the_person_only, |app| {
    app.sign_in("a-admin").await;
    let laptop = app.another_client();
    laptop.sign_in("a-admin").await;
    let colleague = app.another_client();
    colleague.sign_in("b-admin").await;
    let out = app.client.delete(format!("{}/api/sessions", app.address)).send().await.expect("answered");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.get("/api/me").await.0, StatusCode::UNAUTHORIZED, "the other device too");
    assert_eq!(colleague.get("/api/me").await.0, StatusCode::OK, "another person stays signed in");
});

/// Sessions are held in memory (`repo::session_cache`): the server a person
/// signs out on refuses the session at once; another server on the same
/// database believes its copy for at most two seconds of its clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_signed_out_on_one_server_ends_there_at_once_and_on_another_within_two_seconds() {
    let one = TestApp::builder(Backend::Postgres).spawn().await;
    let two =
        TestApp::builder(Backend::Postgres).database_url(&one.database_url).clock(one.clock.clone()).spawn().await;
    let plain = reqwest::Client::new();
    let signed = plain
        .post(format!("{}/api/session", one.address))
        .json(&json!({ "login": "a-admin", "password": "demo1234" }))
        .send()
        .await
        .expect("answered");
    let token = session_of(&signed).expect("a session cookie");
    let me = |app: &TestApp| {
        let request = plain.get(format!("{}/api/me", app.address)).header("Cookie", format!("esign_session={token}"));
        async move { request.send().await.expect("answered").status() }
    };
    assert_eq!(me(&one).await, StatusCode::OK);
    assert_eq!(me(&two).await, StatusCode::OK, "the other server reads the session and keeps it");
    let out = plain
        .delete(format!("{}/api/session", one.address))
        .header("Cookie", format!("esign_session={token}"))
        .send()
        .await
        .expect("answered");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&one).await, StatusCode::UNAUTHORIZED, "refused at once where it was signed out");
    assert_eq!(me(&two).await, StatusCode::OK, "the other server's copy is still fresh");
    one.clock.advance(chrono::TimeDelta::seconds(2));
    assert_eq!(me(&two).await, StatusCode::UNAUTHORIZED, "two seconds later the other server asks again");
}

fn idle_after_30_minutes(settings: &mut Settings) {
    settings.session_idle_minutes = 30;
}

on_both_databases!(
    a_session_unused_for_its_idle_time_ends_and_one_in_use_goes_on,
    settings = idle_after_30_minutes,
    |app| {
        app.sign_in("a-admin").await;
        let minutes = chrono::TimeDelta::minutes;
        for _ in 0..3 {
            app.clock.advance(minutes(20));
            assert_eq!(app.get("/api/me").await.0, StatusCode::OK, "used every 20 minutes, it goes on");
        }
        app.clock.advance(minutes(31));
        assert_eq!(app.get("/api/me").await.0, StatusCode::UNAUTHORIZED, "31 minutes unused: it ended");
    }
);

on_both_databases!(a_session_is_touched_at_most_once_a_minute, |app| {
    app.sign_in("a-admin").await;
    let seen = || async {
        let db = app.db().await;
        let at: Option<i64> = server::db::query_scalar("SELECT last_seen_at FROM sessions")
            .fetch_one(&db.read)
            .await
            .expect("the session");
        at.expect("seen at sign-in")
    };
    let signed_in = seen().await;
    app.clock.advance(chrono::TimeDelta::seconds(30));
    assert_eq!(app.get("/api/me").await.0, StatusCode::OK);
    assert_eq!(seen().await, signed_in, "30 s later: not written again");
    app.clock.advance(chrono::TimeDelta::seconds(31));
    assert_eq!(app.get("/api/me").await.0, StatusCode::OK);
    assert_eq!(seen().await, signed_in + 61_000, "past a minute: written once more");
});

fn two_codes_an_hour(settings: &mut Settings) {
    settings.verification_sends_per_person = 2;
    // Every request counts at the address, the one refused for the person too.
    settings.verification_sends_per_address = 4;
}

on_both_databases!(
    ver_1_codes_texted_beyond_the_hourly_allowance_wait_with_retry_after,
    settings = two_codes_an_hour,
    |app| {
        app.sign_in("a-admin").await;
        let send = json!({ "purpose": "invoice" });
        for n in 1..=2 {
            let (status, body) = app.post("/api/verification/send", &send).await;
            assert_eq!(status, StatusCode::OK, "code {n} is texted: {body}");
            // Past VER-1's one a minute per phone: only the hourly allowance is left to stop it.
            app.clock.advance(chrono::TimeDelta::seconds(61));
        }
        let response = app
            .client
            .post(format!("{}/api/verification/send", app.address))
            .json(&send)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry_after: u64 = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After in seconds");
        assert!(
            (60..=1800).contains(&retry_after),
            "the next code of the hour comes within half an hour: {retry_after}"
        );
        let body: serde_json::Value = response.json().await.expect("the error shape");
        assert_eq!(body["code"], "too_many_attempts");

        let other = app.another_client();
        other.sign_in("b-admin").await;
        let (status, body) = other.post("/api/verification/send", &send).await;
        assert_eq!(status, StatusCode::OK, "another person from this address has one left: {body}");
        let (status, body) = other.post("/api/verification/send", &json!({ "purpose": "invoice" })).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")),
            "the address has had its four"
        );
    }
);
