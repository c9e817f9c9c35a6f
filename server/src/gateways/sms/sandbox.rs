//! A sandbox of Tencent Cloud SMS's `SendSms`, served in development at
//! `POST /sandbox/sms`: what the SMS client is tested against over
//! loopback. It believes the demo credential's TC3 signature made within
//! five minutes, takes only the demo application's approved signature and
//! template, and "sends" by writing the rendered text to the outbox, as
//! the bundled gateway does. Refusals are answered as Tencent answers them:
//! 200 with an `Error`.

use super::tc3::{self, Request};
use super::tencent::{ACTION, Answer, Failure, Outcome, SendSms, SendStatus};
use super::{SIGN_NAME, render};
use crate::AppState;
use crate::repo::verification;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use axum::routing::post;

/// The demo credential.
pub const SECRET_ID: &str = "AKIDsandboxEsignPurchase0000000000";
pub const SECRET_KEY: &str = "sandboxEsignPurchaseSecretKey000";
/// The demo application and its approved template.
pub const APP_ID: &str = "1400000001";
pub const TEMPLATE_ID: &str = "1853001";

/// The route, relative to the sandbox's base.
pub fn routes() -> Router<AppState> {
    Router::new().route("/sms", post(send_sms))
}

fn failure(code: &str, message: &str) -> Json<Answer> {
    Json(Answer {
        response: Outcome {
            error: Some(Failure { code: code.to_owned(), message: message.to_owned() }),
            request_id: request_id(),
            ..Outcome::default()
        },
    })
}

fn request_id() -> String {
    crate::gateways::payment::wechat::random_nonce(32)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

async fn send_sms(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Json<Answer> {
    let Ok(timestamp) = header(&headers, "x-tc-timestamp").parse::<i64>() else {
        return failure("MissingParameter", "X-TC-Timestamp");
    };
    if header(&headers, "x-tc-action") != ACTION {
        return failure("InvalidAction", "only SendSms is offered here");
    }
    let request = Request {
        path: uri.path(),
        content_type: header(&headers, "content-type"),
        host: header(&headers, "host"),
        body: &body,
        timestamp,
    };
    let now = state.clock.now().timestamp();
    if let Err(refused) = tc3::verify(header(&headers, "authorization"), SECRET_ID, SECRET_KEY, request, now) {
        return failure(&refused.to_string(), "the request's signature is not believed");
    }
    let Ok(send) = serde_json::from_slice::<SendSms>(&body) else {
        return failure("InvalidParameter", "the body is not a SendSms request");
    };
    if send.sms_sdk_app_id != APP_ID {
        return failure("FailedOperation.SmsSdkAppIdVerifyFail", "no such SMS application");
    }
    if send.sign_name != SIGN_NAME {
        return failure("FailedOperation.SignatureIncorrectOrUnapproved", "the signature is not approved");
    }
    if send.template_id != TEMPLATE_ID || send.template_param_set.len() != 3 {
        return failure("FailedOperation.TemplateIncorrectOrUnapproved", "the template is not approved");
    }
    let text = render(&send.sign_name, &send.template_param_set);
    let mut statuses = Vec::new();
    for number in &send.phone_number_set {
        let Some(phone) = number.strip_prefix("+86").filter(|p| p.len() == 11 && p.bytes().all(|b| b.is_ascii_digit()))
        else {
            statuses.push(status(number, "InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误"));
            continue;
        };
        let written = match state.db.write.acquire().await {
            Ok(mut conn) => verification::write_outbox(&mut conn, phone, &text, state.clock.now()).await.is_ok(),
            Err(_) => false,
        };
        if !written {
            return failure("InternalError", "the sandbox cannot write its outbox");
        }
        statuses.push(status(number, "Ok", "send success"));
    }
    Json(Answer { response: Outcome { send_status_set: statuses, error: None, request_id: request_id() } })
}

fn status(number: &str, code: &str, message: &str) -> SendStatus {
    SendStatus {
        serial_no: request_id(),
        phone_number: number.to_owned(),
        fee: i64::from(code == "Ok"),
        code: code.to_owned(),
        message: message.to_owned(),
    }
}
