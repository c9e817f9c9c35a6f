//! One buyer's complete purchases over HTTP, as the app makes them: place the
//! order, pay it, and follow its event stream until it is delivered. A
//! purchase is complete when the buyer has seen it delivered.

use crate::accounts;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How the buyer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// From the enterprise's balance: paid when the pay request returns.
    Balance,
    /// WeChat Pay through the sandbox: the pay request opens a payment, the
    /// payer confirms it on the sandbox's page, the sandbox notifies the
    /// server, which then marks the order paid and delivers it.
    WeChat,
}

/// What one purchase took.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// From placing the order to seeing it delivered.
    pub whole: Duration,
    /// From the payment being made (balance: the pay answer; WeChat: the
    /// payer's confirmation answer) to seeing the order delivered.
    pub paid_to_delivered: Duration,
}

/// Repeatable things to buy, taken in turn: contract packs and use packs.
const SELECTIONS: [&str; 2] = [
    r#"{"addons": [{"addon": "contract_pack_1k", "quantity": 1}]}"#,
    r#"{"addons": [{"addon": "signing_reports", "quantity": 1}, {"addon": "meeting_signing", "quantity": 1}]}"#,
];

/// How long a purchase may take before it counts as failed.
const PATIENCE: Duration = Duration::from_secs(30);

/// A signed-in buyer: its own HTTP client (connection and cookie).
pub struct Buyer {
    http: Client,
    url: String,
    login: String,
    /// Each selection with the total the server quotes for it.
    orders: Vec<(Value, String)>,
    placed: u64,
}

impl Buyer {
    /// Signs `login` in and asks the server for the price of each selection.
    pub async fn sign_in(url: &str, login: &str) -> Result<Buyer, String> {
        let http = Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PATIENCE)
            .build()
            .map_err(|e| e.to_string())?;
        let signed = http
            .post(format!("{url}/api/session"))
            .json(&json!({ "login": login, "password": accounts::PASSWORD }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if signed.status() != StatusCode::NO_CONTENT {
            return Err(format!("{login} cannot sign in: {}", signed.status()));
        }
        let mut orders = Vec::new();
        for selection in SELECTIONS {
            let selection: Value = serde_json::from_str(selection).map_err(|e| e.to_string())?;
            let quote = expect(
                http.post(format!("{url}/api/quote")).json(&json!({ "selection": selection, "channel": "web" })),
                StatusCode::OK,
                "quote",
            )
            .await?;
            let payable = quote["payable"].as_str().ok_or(format!("a quote with a payable: {quote}"))?.to_owned();
            orders.push((selection, payable));
        }
        Ok(Buyer { http, url: url.to_owned(), login: login.to_owned(), orders, placed: 0 })
    }

    /// One complete purchase.
    pub async fn purchase(&mut self, flow: Flow) -> Result<Timing, String> {
        let url = &self.url;
        let (selection, total) = &self.orders[usize::try_from(self.placed).unwrap_or(0) % self.orders.len()];
        self.placed += 1;
        let start = Instant::now();
        let order = expect(
            self.http
                .post(format!("{url}/api/orders"))
                .header("Idempotency-Key", format!("{}-{}", self.login, self.placed))
                .json(&json!({ "selection": selection, "channel": "web", "expected_total": total })),
            StatusCode::CREATED,
            "place",
        )
        .await?;
        let id = order["id"].as_i64().ok_or("no order id")?;
        let pay =
            |method: &str| self.http.post(format!("{url}/api/orders/{id}/pay")).json(&json!({ "method": method }));
        let paid = match flow {
            Flow::Balance => {
                expect(pay("balance"), StatusCode::OK, "pay from balance").await?;
                Instant::now()
            }
            Flow::WeChat => {
                let opened = expect(pay("wechat_pay"), StatusCode::OK, "open a WeChat payment").await?;
                let code_url = opened["prompt"]["code_url"].as_str().ok_or(format!("a QR code: {opened}"))?;
                let trade_no = code_url.rsplit("pr=").next().unwrap_or_default();
                let confirmed = self
                    .http
                    .post(format!("{url}/sandbox/pay/{trade_no}/pay"))
                    .send()
                    .await
                    .map_err(|e| format!("the payer: {e}"))?;
                if !confirmed.status().is_redirection() {
                    return Err(format!("the payer's confirmation: {}", confirmed.status()));
                }
                Instant::now()
            }
        };
        self.wait_until_delivered(id).await?;
        let done = Instant::now();
        Ok(Timing { whole: done - start, paid_to_delivered: done - paid })
    }

    /// Follows the order's event stream until it says `delivered`.
    async fn wait_until_delivered(&self, id: i64) -> Result<(), String> {
        let mut events = self
            .http
            .get(format!("{}/api/orders/{id}/events", self.url))
            .send()
            .await
            .map_err(|e| format!("events: {e}"))?;
        if events.status() != StatusCode::OK {
            return Err(format!("events: {}", events.status()));
        }
        let mut seen = String::new();
        while let Some(chunk) = events.chunk().await.map_err(|e| format!("events: {e}"))? {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains(r#""status":"delivered""#) {
                return Ok(());
            }
        }
        Err(format!("order {id}'s events ended before it was delivered: {seen}"))
    }
}

/// Sends `request` and returns its JSON body when the status is `wanted`.
async fn expect(request: reqwest::RequestBuilder, wanted: StatusCode, what: &str) -> Result<Value, String> {
    let response = request.send().await.map_err(|e| format!("{what}: {e}"))?;
    let status = response.status();
    if status != wanted {
        let body = response.text().await.unwrap_or_default();
        return Err(format!("{what}: {status} {body}"));
    }
    response.json().await.map_err(|e| format!("{what}: {e}"))
}
