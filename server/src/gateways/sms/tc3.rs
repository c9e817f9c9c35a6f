//! Tencent Cloud's request signature, TC3-HMAC-SHA256, both ways: the SMS
//! client signs, the sandbox verifies. Only the headers `content-type` and
//! `host` are signed, as Tencent's own clients do.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The service a credential is scoped to.
const SERVICE: &str = "sms";
/// How far a request's timestamp may be from the provider's clock.
pub const MAX_SKEW_SECS: i64 = 5 * 60;

/// A request as its signature covers it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub path: &'a str,
    pub content_type: &'a str,
    pub host: &'a str,
    pub body: &'a [u8],
    /// Seconds since 1970.
    pub timestamp: i64,
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC accepts a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn date(timestamp: i64) -> String {
    chrono::DateTime::from_timestamp(timestamp, 0).unwrap_or_default().format("%Y-%m-%d").to_string()
}

/// The hex signature of `request` under `secret_key`.
fn signature(secret_key: &str, request: Request<'_>) -> String {
    let canonical = format!(
        "POST\n{}\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
        request.path,
        request.content_type,
        request.host,
        hex::encode(Sha256::digest(request.body))
    );
    let date = date(request.timestamp);
    let scope = format!("{date}/{SERVICE}/tc3_request");
    let to_sign = format!("{ALGORITHM}\n{}\n{scope}\n{}", request.timestamp, hex::encode(Sha256::digest(canonical)));
    let secret_date = hmac(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = hmac(&secret_date, SERVICE.as_bytes());
    let secret_signing = hmac(&secret_service, b"tc3_request");
    hex::encode(hmac(&secret_signing, to_sign.as_bytes()))
}

/// The `Authorization` value for `request` by the credential `secret_id`.
pub fn authorization(secret_id: &str, secret_key: &str, request: Request<'_>) -> String {
    format!(
        "{ALGORITHM} Credential={secret_id}/{}/{SERVICE}/tc3_request, SignedHeaders=content-type;host, Signature={}",
        date(request.timestamp),
        signature(secret_key, request)
    )
}

/// Why a signature was not believed, in Tencent's error codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("AuthFailure.SecretIdNotFound")]
    UnknownSecretId,
    #[error("AuthFailure.SignatureFailure")]
    BadSignature,
    #[error("AuthFailure.SignatureExpire")]
    Expired,
    #[error("AuthFailure.InvalidAuthorization")]
    Malformed,
}

/// The provider's side: `value` signs `request` with the key of
/// `secret_id`, within five minutes of `now` (seconds).
pub fn verify(value: &str, secret_id: &str, secret_key: &str, request: Request<'_>, now: i64) -> Result<(), Refused> {
    let rest = value.strip_prefix(ALGORITHM).ok_or(Refused::Malformed)?;
    let field = |name: &str| {
        rest.split(',')
            .filter_map(|part| part.trim().split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, v)| v)
            .ok_or(Refused::Malformed)
    };
    let credential = field("Credential")?;
    if credential.split('/').next() != Some(secret_id) {
        return Err(Refused::UnknownSecretId);
    }
    if (now - request.timestamp).abs() > MAX_SKEW_SECS {
        return Err(Refused::Expired);
    }
    let expected = signature(secret_key, request);
    // Both are hex of one length: compared whole, so timing says nothing of a prefix.
    let given = field("Signature")?;
    let same =
        given.len() == expected.len() && given.bytes().zip(expected.bytes()).fold(0, |d, (a, b)| d | (a ^ b)) == 0;
    if same { Ok(()) } else { Err(Refused::BadSignature) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &[u8]) -> Request<'_> {
        Request {
            path: "/",
            content_type: "application/json; charset=utf-8",
            host: "cvm.tencentcloudapi.com",
            body,
            timestamp: 1_551_113_065,
        }
    }

    #[test]
    fn ver_1_the_signature_matches_an_independent_computation() {
        // The vector was computed apart from this code, by following
        // Tencent's documented steps in another language.
        let body = r#"{"PhoneNumberSet":["+8613800000001"],"SmsSdkAppId":"1400000001","SignName":"腾讯电子签","TemplateId":"1853001","TemplateParamSet":["123456","开具发票","5"]}"#;
        let request = Request { host: "sms.tencentcloudapi.com", ..request(body.as_bytes()) };

        let value = authorization("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", request);

        assert_eq!(
            value,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/sms/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=15050fabbbb60a280835249fcb1a7252727b880af091d17e9d82d8fb5eba675c"
        );
    }

    #[test]
    fn ver_1_a_signed_request_verifies_and_an_altered_one_does_not() {
        let value = authorization("id", "key", request(b"{\"a\":1}"));

        assert_eq!(verify(&value, "id", "key", request(b"{\"a\":1}"), 1_551_113_065), Ok(()));
        assert_eq!(verify(&value, "id", "key", request(b"{\"a\":2}"), 1_551_113_065), Err(Refused::BadSignature));
        assert_eq!(verify(&value, "id", "other", request(b"{\"a\":1}"), 1_551_113_065), Err(Refused::BadSignature));
        assert_eq!(verify(&value, "other", "key", request(b"{\"a\":1}"), 1_551_113_065), Err(Refused::UnknownSecretId));
        assert_eq!(verify(&value, "id", "key", request(b"{\"a\":1}"), 1_551_113_065 + 301), Err(Refused::Expired));
        assert_eq!(verify("Basic x", "id", "key", request(b""), 1_551_113_065), Err(Refused::Malformed));
    }
}
