//! Tencent Cloud SMS (`SendSms`, API version 2021-01-11) over HTTP: the
//! SMS gateway production uses. Each request is signed with TC3-HMAC-SHA256
//! (see [`super::tc3`]); Tencent answers 200 with either the send status of
//! each phone or an `Error`.

use super::tc3::{self, Request};
use super::{SmsError, SmsGateway, SmsMessage};
use crate::clock::Clock;
use crate::gateways::payment::BoxFuture;
use crate::settings::TencentSmsSettings;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

pub const ACTION: &str = "SendSms";
pub const VERSION: &str = "2021-01-11";
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The body of `SendSms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendSms {
    /// E.164: `+86` and the mainland number.
    pub phone_number_set: Vec<String>,
    pub sms_sdk_app_id: String,
    pub sign_name: String,
    pub template_id: String,
    pub template_param_set: Vec<String>,
}

/// Tencent's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    #[serde(rename = "Response")]
    pub response: Outcome,
}

/// The answer's content: the send statuses, or an error.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Outcome {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub send_status_set: Vec<SendStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    pub request_id: String,
}

/// One phone's send status (`Code` is `Ok` when it was sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendStatus {
    pub serial_no: String,
    pub phone_number: String,
    pub fee: i64,
    pub code: String,
    pub message: String,
}

/// An error of the whole request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Failure {
    pub code: String,
    pub message: String,
}

/// The client.
#[derive(Debug)]
pub struct TencentSms {
    settings: TencentSmsSettings,
    /// The `Host` signed and the path posted to, from the base URL.
    host: String,
    path: String,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
}

impl TencentSms {
    /// A client of the account in `settings`; `None` when its base URL is not a URL.
    pub fn new(settings: TencentSmsSettings, clock: Arc<dyn Clock>) -> Option<Self> {
        let url = reqwest::Url::parse(&settings.base_url).ok()?;
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str()?),
            None => url.host_str()?.to_owned(),
        };
        let path = url.path().to_owned();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().ok()?;
        Some(Self { settings, host, path, clock, http })
    }

    async fn send_message(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let body = SendSms {
            phone_number_set: vec![format!("+86{}", message.phone.as_str())],
            sms_sdk_app_id: self.settings.app_id.clone(),
            sign_name: self.settings.sign_name.clone(),
            template_id: self.settings.template_id.clone(),
            template_param_set: message.params().to_vec(),
        };
        let body = serde_json::to_vec(&body).map_err(|e| SmsError::Rejected(e.to_string()))?;
        let timestamp = self.clock.now().timestamp();
        let request =
            Request { path: &self.path, content_type: CONTENT_TYPE, host: &self.host, body: &body, timestamp };
        let authorization = tc3::authorization(&self.settings.secret_id, &self.settings.secret_key.0, request);
        let answer = self
            .http
            .post(&self.settings.base_url)
            .header("Authorization", authorization)
            .header("Content-Type", CONTENT_TYPE)
            .header("Host", &self.host)
            .header("X-TC-Action", ACTION)
            .header("X-TC-Version", VERSION)
            .header("X-TC-Timestamp", timestamp.to_string())
            .header("X-TC-Region", &self.settings.region)
            .body(body)
            .send()
            .await
            .map_err(|e| SmsError::Unavailable(e.to_string()))?;
        if answer.status().is_server_error() {
            return Err(SmsError::Unavailable(format!("the SMS API answered {}", answer.status())));
        }
        let answer: Answer = answer.json().await.map_err(|e| SmsError::Unavailable(e.to_string()))?;
        let outcome = answer.response;
        if let Some(failure) = outcome.error {
            // A throttled or failing provider may take the next one; a refusal of ours will not change.
            return Err(
                if failure.code.starts_with("InternalError") || failure.code.starts_with("RequestLimitExceeded") {
                    SmsError::Unavailable(format!("{}: {}", failure.code, failure.message))
                } else {
                    SmsError::Rejected(format!("{}: {}", failure.code, failure.message))
                },
            );
        }
        match outcome.send_status_set.first() {
            Some(status) if status.code == "Ok" => Ok(()),
            Some(status) => Err(SmsError::Rejected(format!("{}: {}", status.code, status.message))),
            None => Err(SmsError::Unavailable(format!("no send status (request {})", outcome.request_id))),
        }
    }
}

impl SmsGateway for TencentSms {
    fn send<'a>(&'a self, message: &'a SmsMessage) -> BoxFuture<'a, Result<(), SmsError>> {
        Box::pin(async move {
            self.send_message(message).await?;
            tracing::info!(phone = %message.phone.masked(), "text message sent through Tencent Cloud SMS");
            Ok(())
        })
    }
}
