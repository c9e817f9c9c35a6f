//! The merchant's signature on each request to WeChat Pay API v3, both
//! ways: the client signs (`Authorization: WECHATPAY2-SHA256-RSA2048
//! mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`),
//! the sandbox verifies, as the platform does. The signed message is
//! `"{METHOD}\n{path?query}\n{timestamp}\n{nonce}\n{body}\n"`.

use super::{MAX_SKEW_SECS, Signer, Verifier, random_nonce};
use crate::gateways::payment::GatewayError;
use domain::Instant;

const SCHEMA: &str = "WECHATPAY2-SHA256-RSA2048";

/// The request line and body a signature covers.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub method: &'a str,
    /// The path and query, as sent (`/v3/pay/transactions/out-trade-no/…?mchid=…`).
    pub path_and_query: &'a str,
    pub body: &'a [u8],
}

impl Signed<'_> {
    fn message(&self, timestamp: &str, nonce: &str) -> Vec<u8> {
        let mut message = Vec::with_capacity(self.path_and_query.len() + self.body.len() + 80);
        for part in [
            self.method.as_bytes(),
            b"\n",
            self.path_and_query.as_bytes(),
            b"\n",
            timestamp.as_bytes(),
            b"\n",
            nonce.as_bytes(),
            b"\n",
            self.body,
            b"\n",
        ] {
            message.extend_from_slice(part);
        }
        message
    }
}

/// The `Authorization` value of merchant `mchid` for `request` at `at`.
pub fn authorization(mchid: &str, signer: &Signer, request: Signed<'_>, at: Instant) -> String {
    let timestamp = at.timestamp().to_string();
    let nonce = random_nonce(32);
    let signature = signer.sign(&request.message(&timestamp, &nonce));
    format!(
        "{SCHEMA} mchid=\"{mchid}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{}\"",
        signer.serial()
    )
}

/// The platform's side: `value` is merchant `mchid`'s signature of
/// `request` by the key `merchant` (of its serial), made within five
/// minutes of `now`.
pub fn verify(
    value: &str,
    mchid: &str,
    merchant: &Verifier,
    request: Signed<'_>,
    now: Instant,
) -> Result<(), GatewayError> {
    let fields = value
        .strip_prefix(SCHEMA)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or_else(|| GatewayError::Malformed(format!("the Authorization schema is not {SCHEMA}")))?;
    let field = |name: &str| {
        fields
            .split(',')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, quoted)| quoted.trim_matches('"'))
            .ok_or_else(|| GatewayError::Malformed(format!("the Authorization has no {name}")))
    };
    if field("mchid")? != mchid || field("serial_no")? != merchant.serial() {
        return Err(GatewayError::BadSignature);
    }
    let (timestamp, nonce) = (field("timestamp")?, field("nonce_str")?);
    merchant.verify(&request.message(timestamp, nonce), field("signature")?)?;
    let sent_at: i64 =
        timestamp.parse().map_err(|_| GatewayError::Malformed("the timestamp is not a number".into()))?;
    if (now.timestamp() - sent_at).abs() > MAX_SKEW_SECS {
        return Err(GatewayError::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::TimeDelta;

    const PRIVATE: &str = include_str!("../../../../sandbox/merchant_private_key.pem");
    const PUBLIC: &str = include_str!("../../../../sandbox/merchant_public_key.pem");
    const SERIAL: &str = "3775B6A45ACD588826D15E583A95F5DD9C4A8D5A";

    fn request(body: &[u8]) -> Signed<'_> {
        Signed { method: "POST", path_and_query: "/v3/pay/transactions/native", body }
    }

    fn now() -> Instant {
        chrono::DateTime::from_timestamp(1_714_536_000, 0).unwrap()
    }

    #[test]
    fn pay_4_a_signed_request_verifies_and_an_altered_one_does_not() {
        let signer = Signer::with_serial(PRIVATE, SERIAL).unwrap();
        let verifier = Verifier::with_serial(PUBLIC, SERIAL).unwrap();
        let value = authorization("1900000109", &signer, request(b"{\"a\":1}"), now());

        assert!(value.starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900000109\",nonce_str=\""));
        assert!(verify(&value, "1900000109", &verifier, request(b"{\"a\":1}"), now()).is_ok());
        let altered = verify(&value, "1900000109", &verifier, request(b"{\"a\":2}"), now());
        assert!(matches!(altered, Err(GatewayError::BadSignature)));
        let other_path = Signed { path_and_query: "/v3/refund/domestic/refunds", ..request(b"{\"a\":1}") };
        assert!(matches!(verify(&value, "1900000109", &verifier, other_path, now()), Err(GatewayError::BadSignature)));
        let other_merchant = verify(&value, "1900000110", &verifier, request(b"{\"a\":1}"), now());
        assert!(matches!(other_merchant, Err(GatewayError::BadSignature)));
    }

    #[test]
    fn pay_4_a_request_signed_more_than_five_minutes_ago_is_stale() {
        let signer = Signer::with_serial(PRIVATE, SERIAL).unwrap();
        let verifier = Verifier::with_serial(PUBLIC, SERIAL).unwrap();
        let value = authorization("1900000109", &signer, request(b""), now());
        let at = |seconds| now() + TimeDelta::seconds(seconds);

        assert!(verify(&value, "1900000109", &verifier, request(b""), at(MAX_SKEW_SECS)).is_ok());
        let late = verify(&value, "1900000109", &verifier, request(b""), at(MAX_SKEW_SECS + 1));
        assert!(matches!(late, Err(GatewayError::Stale)));
    }

    #[test]
    fn pay_4_an_authorization_of_another_schema_is_malformed() {
        let verifier = Verifier::with_serial(PUBLIC, SERIAL).unwrap();
        let basic = verify("Basic dXNlcjpwYXNz", "1900000109", &verifier, request(b""), now());
        assert!(matches!(basic, Err(GatewayError::Malformed(_))));
    }
}
