//! The WeChat Pay API v3 notification format, both ways: the provider side
//! signs and encrypts (the sandbox uses it), the merchant side verifies and
//! decrypts (the server uses it). Only the crates' cryptography is used here:
//! RSA PKCS#1 v1.5 with SHA-256 (`rsa`) and AES-256-GCM (`aes-gcm`).
//!
//! Two kinds of notification share the format: a payment's
//! (`TRANSACTION.SUCCESS`, resource `transaction`) and a refund's
//! (`REFUND.SUCCESS`, `REFUND.ABNORMAL` or `REFUND.CLOSED`, resource `refund`).
//!
//! The platform signs `"{timestamp}\n{nonce}\n{body}\n"` with its private key
//! and sends the signature in `Wechatpay-Signature` (base64) beside
//! `Wechatpay-Timestamp`, `Wechatpay-Nonce` and `Wechatpay-Serial` (which key
//! signed). The body's `resource` holds the transaction, encrypted under the
//! merchant's 32-byte APIv3 key with the resource's nonce and associated data.

pub mod api;
pub mod authorization;
pub mod client;
pub mod notice;

use super::GatewayError;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use domain::Instant;
use rand::Rng;
use rand::distributions::Alphanumeric;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier as _};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

pub const HEADER_TIMESTAMP: &str = "wechatpay-timestamp";
pub const HEADER_NONCE: &str = "wechatpay-nonce";
pub const HEADER_SIGNATURE: &str = "wechatpay-signature";
pub const HEADER_SERIAL: &str = "wechatpay-serial";

/// How far a notification's timestamp may be from now, either way (WeChat's
/// own guidance: five minutes).
pub const MAX_SKEW_SECS: i64 = 5 * 60;

const RESOURCE_TYPE: &str = "encrypt-resource";
const ALGORITHM: &str = "AEAD_AES_256_GCM";
const GCM_NONCE_LEN: usize = 12;

/// A key could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

impl KeyError {
    /// An error saying `why`.
    pub fn new(why: impl Into<String>) -> Self {
        Self(why.into())
    }
}

/// The merchant's APIv3 key: 32 bytes shared with the provider, the
/// AES-256-GCM key of notification resources. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiV3Key([u8; 32]);

impl ApiV3Key {
    /// The key from its 32 bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key from its text form (WeChat issues a 32-character string).
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let bytes: [u8; 32] = text
            .as_bytes()
            .try_into()
            .map_err(|_| KeyError(format!("an APIv3 key is 32 bytes, this one is {}", text.len())))?;
        Ok(Self(bytes))
    }
}

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(…)")
    }
}

/// The serial WeChat names a platform certificate by; here, derived from
/// the public key (the first 20 bytes of the SHA-256 of its DER, in hex), so
/// that a new key gets a new serial by itself.
fn serial_of(public: &RsaPublicKey) -> Result<String, KeyError> {
    let der = public.to_public_key_der().map_err(|e| KeyError(format!("cannot encode the public key: {e}")))?;
    let digest = Sha256::digest(der.as_bytes());
    Ok(digest.iter().take(20).map(|b| format!("{b:02X}")).collect())
}

/// An RSA private key and the serial it is known by: the platform's (it
/// signs notifications and answers) or the merchant's (it signs requests).
#[derive(Clone)]
pub struct Signer {
    key: SigningKey<Sha256>,
    serial: String,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer").field("serial", &self.serial).finish_non_exhaustive()
    }
}

impl Signer {
    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let private =
            RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| KeyError(format!("cannot read the private key: {e}")))?;
        let serial = serial_of(&private.to_public_key())?;
        Ok(Self { key: SigningKey::new(private), serial })
    }

    /// Reads a PKCS#8 PEM private key whose certificate has `serial` (a
    /// merchant's: WeChat names it by its certificate's serial number).
    pub fn with_serial(pem: &str, serial: &str) -> Result<Self, KeyError> {
        Ok(Self { serial: serial.to_owned(), ..Self::from_pem(pem)? })
    }

    /// The serial of the key pair.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The base64 RSA-SHA256 (PKCS#1 v1.5) signature of `message`.
    pub fn sign(&self, message: &[u8]) -> String {
        // Blinded with a fresh random value, as the crate recommends.
        let signature = self.key.sign_with_rng(&mut rand::thread_rng(), message);
        BASE64.encode(signature.to_bytes())
    }
}

/// An RSA public key and the serial it is known by.
#[derive(Clone)]
pub struct Verifier {
    key: VerifyingKey<Sha256>,
    serial: String,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier").field("serial", &self.serial).finish_non_exhaustive()
    }
}

impl Verifier {
    /// Reads an SPKI PEM public key (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let public =
            RsaPublicKey::from_public_key_pem(pem).map_err(|e| KeyError(format!("cannot read the public key: {e}")))?;
        let serial = serial_of(&public)?;
        Ok(Self { key: VerifyingKey::new(public), serial })
    }

    /// Reads an SPKI PEM public key known by `serial` (a platform
    /// certificate's serial number, as WeChat publishes it).
    pub fn with_serial(pem: &str, serial: &str) -> Result<Self, KeyError> {
        Ok(Self { serial: serial.to_owned(), ..Self::from_pem(pem)? })
    }

    /// The serial of the key pair.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Checks a base64 signature of `message`.
    pub fn verify(&self, message: &[u8], signature_base64: &str) -> Result<(), GatewayError> {
        let bytes = BASE64.decode(signature_base64.trim()).map_err(|_| GatewayError::BadSignature)?;
        let signature = Signature::try_from(bytes.as_slice()).map_err(|_| GatewayError::BadSignature)?;
        self.key.verify(message, &signature).map_err(|_| GatewayError::BadSignature)
    }
}

/// The platform keys the merchant believes, picked by `Wechatpay-Serial`:
/// while WeChat rotates its certificate, two are valid at once and each
/// message names the one that signed it.
#[derive(Debug, Clone)]
pub struct PlatformKeys(Vec<Verifier>);

impl PlatformKeys {
    /// These keys; at least one.
    pub fn new(keys: Vec<Verifier>) -> Result<Self, KeyError> {
        if keys.is_empty() {
            return Err(KeyError("at least one platform key is needed".into()));
        }
        Ok(Self(keys))
    }

    /// The key of `serial`, if it is one of these.
    pub fn find(&self, serial: &str) -> Option<&Verifier> {
        self.0.iter().find(|key| key.serial() == serial)
    }
}

/// The prefix of the signatures WeChat sends in signature probes: messages
/// that look like notifications and must be refused, to prove the merchant
/// verifies what it is sent.
pub const PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// The decrypted resource of a payment notification (and what a query answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub out_trade_no: String,
    pub transaction_id: String,
    /// `SUCCESS`, `NOTPAY`, `CLOSED`, `PAYERROR`, …
    pub trade_state: String,
    /// RFC 3339, e.g. `2024-05-01T12:00:00+08:00`; only when paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    pub amount: Amount,
}

/// Amounts in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub total: i64,
    pub payer_total: i64,
    pub currency: String,
}

/// The decrypted resource of a refund notification (and what a refund
/// query answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub out_trade_no: String,
    pub transaction_id: String,
    pub out_refund_no: String,
    pub refund_id: String,
    /// `SUCCESS`, `ABNORMAL` (the payer's account cannot take it back) or
    /// `CLOSED`; `PROCESSING` only in a query's answer.
    pub refund_status: String,
    /// RFC 3339; only when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    pub amount: RefundAmount,
}

/// A refund's amounts in fen: of the payment (`total`) and returned (`refund`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAmount {
    pub total: i64,
    pub refund: i64,
    pub payer_total: i64,
    pub payer_refund: i64,
}

/// What a notification can carry: the resource's type, and the event and
/// summary the platform names it by.
pub trait Notified: Serialize + DeserializeOwned {
    /// The resource's `original_type` (and its associated data).
    const ORIGINAL_TYPE: &'static str;
    /// The body's `event_type`.
    fn event_type(&self) -> &'static str;
    /// The body's `summary`, in the platform's words.
    fn summary(&self) -> &'static str;
}

impl Notified for Transaction {
    const ORIGINAL_TYPE: &'static str = "transaction";

    fn event_type(&self) -> &'static str {
        "TRANSACTION.SUCCESS"
    }

    fn summary(&self) -> &'static str {
        "支付成功"
    }
}

impl Notified for Refund {
    const ORIGINAL_TYPE: &'static str = "refund";

    fn event_type(&self) -> &'static str {
        match self.refund_status.as_str() {
            "SUCCESS" => "REFUND.SUCCESS",
            "CLOSED" => "REFUND.CLOSED",
            _ => "REFUND.ABNORMAL",
        }
    }

    fn summary(&self) -> &'static str {
        match self.refund_status.as_str() {
            "SUCCESS" => "退款成功",
            "CLOSED" => "退款关闭",
            _ => "退款异常",
        }
    }
}

/// The notification body, as WeChat sends it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Body {
    id: String,
    create_time: String,
    event_type: String,
    resource_type: String,
    summary: String,
    resource: Resource,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Resource {
    algorithm: String,
    ciphertext: String,
    associated_data: String,
    nonce: String,
    original_type: String,
}

/// A body the platform signed (a notification, an answer): its headers' values and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedMessage {
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
    pub serial: String,
    pub body: Vec<u8>,
}

impl SignedMessage {
    /// The four `Wechatpay-*` headers plus the content type.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in [
            (HEADER_TIMESTAMP, &self.timestamp),
            (HEADER_NONCE, &self.nonce),
            (HEADER_SIGNATURE, &self.signature),
            (HEADER_SERIAL, &self.serial),
        ] {
            // Base64, digits, hex and alphanumerics: always valid header values.
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
        headers
    }
}

/// What the platform signs.
fn signed_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    for part in [timestamp.as_bytes(), b"\n", nonce.as_bytes(), b"\n", body, b"\n"] {
        message.extend_from_slice(part);
    }
    message
}

/// A random alphanumeric string, as WeChat's nonces are.
pub fn random_nonce(len: usize) -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// RFC 3339 in China Standard Time, the way WeChat writes instants.
pub fn rfc3339_cst(at: Instant) -> String {
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(cst) => at.with_timezone(&cst).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        None => at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
    }
}

/// The provider's side: encrypts `resource` under `key`, wraps it in a
/// notification with this `id`, and signs it as of `at`.
pub fn seal<T: Notified>(
    signer: &Signer,
    key: &ApiV3Key,
    id: &str,
    resource: &T,
    at: Instant,
) -> Result<SignedMessage, GatewayError> {
    let original_type = T::ORIGINAL_TYPE;
    let plaintext =
        serde_json::to_vec(resource).map_err(|e| GatewayError::Malformed(format!("{original_type}: {e}")))?;
    let nonce = random_nonce(GCM_NONCE_LEN);
    let cipher = Aes256Gcm::new_from_slice(&key.0).map_err(|_| GatewayError::Malformed("APIv3 key".into()))?;
    // The output is the ciphertext followed by the 16-byte tag, as WeChat sends it.
    let ciphertext = cipher
        .encrypt(Nonce::from_slice(nonce.as_bytes()), Payload { msg: &plaintext, aad: original_type.as_bytes() })
        .map_err(|_| GatewayError::Malformed("cannot encrypt".into()))?;
    let body = Body {
        id: id.to_owned(),
        create_time: rfc3339_cst(at),
        event_type: resource.event_type().to_owned(),
        resource_type: RESOURCE_TYPE.to_owned(),
        summary: resource.summary().to_owned(),
        resource: Resource {
            algorithm: ALGORITHM.to_owned(),
            ciphertext: BASE64.encode(ciphertext),
            associated_data: original_type.to_owned(),
            nonce,
            original_type: original_type.to_owned(),
        },
    };
    let body = serde_json::to_vec(&body).map_err(|e| GatewayError::Malformed(format!("body: {e}")))?;
    Ok(sign(signer, body, at))
}

/// The platform's signature of `body` as of `at`: what it puts on a
/// notification and on every answer it gives.
pub fn sign(signer: &Signer, body: Vec<u8>, at: Instant) -> SignedMessage {
    let timestamp = at.timestamp().to_string();
    let nonce = random_nonce(32);
    let signature = signer.sign(&signed_message(&timestamp, &nonce, &body));
    SignedMessage { timestamp, nonce, signature, serial: signer.serial().to_owned(), body }
}

/// A notification that checked out: its id and the decrypted resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened<T> {
    pub id: String,
    pub resource: T,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, GatewayError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| GatewayError::Malformed(format!("the {name} header is missing")))
}

/// The merchant's side of anything the platform signs (a notification, an
/// answer): the serial names one of `keys`, the signature verifies with it,
/// and the timestamp is within [`MAX_SKEW_SECS`] of `now`. A signature
/// probe is told apart, so that it can be logged as one.
pub fn verify_signed(keys: &PlatformKeys, headers: &HeaderMap, body: &[u8], now: Instant) -> Result<(), GatewayError> {
    let timestamp = header(headers, HEADER_TIMESTAMP)?;
    let nonce = header(headers, HEADER_NONCE)?;
    let signature = header(headers, HEADER_SIGNATURE)?;
    let serial = header(headers, HEADER_SERIAL)?;
    if signature.starts_with(PROBE_PREFIX) {
        return Err(GatewayError::SignatureProbe);
    }
    let verifier = keys.find(serial).ok_or_else(|| {
        tracing::warn!(serial, "signed by a platform key this server does not hold");
        GatewayError::BadSignature
    })?;
    verifier.verify(&signed_message(timestamp, nonce, body), signature)?;
    let sent_at: i64 =
        timestamp.parse().map_err(|_| GatewayError::Malformed("the timestamp is not a number".into()))?;
    if (now.timestamp() - sent_at).abs() > MAX_SKEW_SECS {
        return Err(GatewayError::Stale);
    }
    Ok(())
}

/// The merchant's side of a notification: believed only when
/// [`verify_signed`] passes and the resource is of the kind expected and
/// decrypts under `key`.
pub fn open<T: Notified>(
    keys: &PlatformKeys,
    key: &ApiV3Key,
    headers: &HeaderMap,
    body: &[u8],
    now: Instant,
) -> Result<Opened<T>, GatewayError> {
    verify_signed(keys, headers, body, now)?;
    let body: Body = serde_json::from_slice(body).map_err(|e| GatewayError::Malformed(format!("body: {e}")))?;
    let resource = &body.resource;
    if resource.original_type != T::ORIGINAL_TYPE {
        return Err(GatewayError::Malformed(format!(
            "a {} notification where a {} one was expected",
            resource.original_type,
            T::ORIGINAL_TYPE
        )));
    }
    if resource.algorithm != ALGORITHM {
        return Err(GatewayError::Malformed(format!("unknown algorithm {}", resource.algorithm)));
    }
    if resource.nonce.len() != GCM_NONCE_LEN {
        return Err(GatewayError::Malformed("the resource nonce is not 12 bytes".into()));
    }
    let ciphertext = BASE64
        .decode(&resource.ciphertext)
        .map_err(|_| GatewayError::Malformed("the ciphertext is not base64".into()))?;
    let cipher = Aes256Gcm::new_from_slice(&key.0).map_err(|_| GatewayError::Malformed("APIv3 key".into()))?;
    let plaintext = cipher
        .decrypt(
            Nonce::from_slice(resource.nonce.as_bytes()),
            Payload { msg: &ciphertext, aad: resource.associated_data.as_bytes() },
        )
        .map_err(|_| GatewayError::Malformed("the resource does not decrypt under the APIv3 key".into()))?;
    let resource: T = serde_json::from_slice(&plaintext)
        .map_err(|e| GatewayError::Malformed(format!("{}: {e}", T::ORIGINAL_TYPE)))?;
    Ok(Opened { id: body.id, resource })
}

/// Parses an RFC 3339 instant such as `success_time`.
pub fn parse_time(text: &str) -> Result<Instant, GatewayError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| GatewayError::Malformed(format!("not an RFC 3339 time: {text}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::TimeDelta;

    const PRIVATE: &str = include_str!("../../../../sandbox/platform_private_key.pem");
    const PUBLIC: &str = include_str!("../../../../sandbox/platform_public_key.pem");
    const NEXT_PRIVATE: &str = include_str!("../../../../sandbox/platform_next_private_key.pem");
    const NEXT_PUBLIC: &str = include_str!("../../../../sandbox/platform_next_public_key.pem");
    const FORGER: &str = include_str!("../../../../sandbox/forger_private_key.pem");
    const KEY: &str = "0123456789abcdefghijklmnopqrstuv";

    fn now() -> Instant {
        parse_time("2024-05-01T12:00:00+08:00").unwrap()
    }

    fn transaction() -> Transaction {
        Transaction {
            out_trade_no: "o1-abc".into(),
            transaction_id: "4200000001202405011234567890".into(),
            trade_state: "SUCCESS".into(),
            success_time: Some("2024-05-01T11:59:58+08:00".into()),
            amount: Amount { total: 199_000, payer_total: 199_000, currency: "CNY".into() },
        }
    }

    fn sealed() -> SignedMessage {
        let signer = Signer::from_pem(PRIVATE).unwrap();
        seal(&signer, &ApiV3Key::parse(KEY).unwrap(), "n-1", &transaction(), now()).unwrap()
    }

    fn keys() -> PlatformKeys {
        PlatformKeys::new(vec![Verifier::from_pem(PUBLIC).unwrap()]).unwrap()
    }

    fn open_it(n: &SignedMessage) -> Result<Opened<Transaction>, GatewayError> {
        open(&keys(), &ApiV3Key::parse(KEY).unwrap(), &n.headers(), &n.body, now())
    }

    #[test]
    fn pay_4_a_sealed_notification_opens_to_the_same_transaction() {
        let opened = open_it(&sealed()).unwrap();

        assert_eq!(opened, Opened { id: "n-1".into(), resource: transaction() });
    }

    #[test]
    fn pay_4_the_body_is_wechat_v3_shaped_and_the_transaction_is_not_in_clear() {
        let n = sealed();
        let body: serde_json::Value = serde_json::from_slice(&n.body).unwrap();

        assert_eq!(body["event_type"], "TRANSACTION.SUCCESS");
        assert_eq!(body["resource_type"], "encrypt-resource");
        assert_eq!(body["resource"]["algorithm"], "AEAD_AES_256_GCM");
        assert_eq!(body["resource"]["original_type"], "transaction");
        assert_eq!(body["resource"]["nonce"].as_str().unwrap().len(), 12);
        assert!(!String::from_utf8_lossy(&n.body).contains("o1-abc"), "the trade number is encrypted");
        assert_eq!(n.serial.len(), 40, "a 40-hex-digit serial like WeChat's");
    }

    #[test]
    fn ord_3_a_refund_notification_opens_as_a_refund_and_never_as_a_payment() {
        let signer = Signer::from_pem(PRIVATE).unwrap();
        let refund = Refund {
            out_trade_no: "o1-abc".into(),
            transaction_id: "4200000001202405011234567890".into(),
            out_refund_no: "o1-abc-1".into(),
            refund_id: "50000000382019052709732678859".into(),
            refund_status: "SUCCESS".into(),
            success_time: Some("2024-05-01T11:59:58+08:00".into()),
            amount: RefundAmount { total: 199_000, refund: 199_000, payer_total: 199_000, payer_refund: 199_000 },
        };
        let n = seal(&signer, &ApiV3Key::parse(KEY).unwrap(), "n-2", &refund, now()).unwrap();
        let body: serde_json::Value = serde_json::from_slice(&n.body).unwrap();
        let key = ApiV3Key::parse(KEY).unwrap();

        assert_eq!(body["event_type"], "REFUND.SUCCESS");
        assert_eq!(body["resource"]["original_type"], "refund");
        let opened = open::<Refund>(&keys(), &key, &n.headers(), &n.body, now()).unwrap();
        assert_eq!(opened.resource, refund);
        assert!(matches!(open_it(&n), Err(GatewayError::Malformed(_))), "a refund is not a payment");
        let payment = sealed();
        assert!(
            matches!(
                open::<Refund>(&keys(), &key, &payment.headers(), &payment.body, now()),
                Err(GatewayError::Malformed(_))
            ),
            "nor a payment a refund"
        );
    }

    #[test]
    fn pay_4_a_flipped_byte_in_the_body_fails() {
        let mut n = sealed();
        let at = n.body.len() / 2;
        n.body[at] ^= 1;

        assert!(matches!(open_it(&n), Err(GatewayError::BadSignature)));
    }

    #[test]
    fn pay_4_a_flipped_byte_in_the_signature_fails() {
        let mut n = sealed();
        let mut raw = BASE64.decode(&n.signature).unwrap();
        raw[10] ^= 1;
        n.signature = BASE64.encode(raw);

        assert!(matches!(open_it(&n), Err(GatewayError::BadSignature)));
    }

    #[test]
    fn pay_4_a_flipped_byte_in_the_ciphertext_fails_even_when_re_signed() {
        // Someone holding the platform key but not the APIv3 key cannot alter the resource.
        let n = sealed();
        let mut body: Body = serde_json::from_slice(&n.body).unwrap();
        let mut raw = BASE64.decode(&body.resource.ciphertext).unwrap();
        raw[3] ^= 1;
        body.resource.ciphertext = BASE64.encode(raw);
        let bytes = serde_json::to_vec(&body).unwrap();
        let signer = Signer::from_pem(PRIVATE).unwrap();
        let resigned =
            SignedMessage { signature: signer.sign(&signed_message(&n.timestamp, &n.nonce, &bytes)), body: bytes, ..n };

        assert!(matches!(open_it(&resigned), Err(GatewayError::Malformed(_))));
    }

    #[test]
    fn pay_4_a_timestamp_more_than_five_minutes_away_is_stale() {
        let key = ApiV3Key::parse(KEY).unwrap();
        let n = sealed();
        let open_at = |now| open::<Transaction>(&keys(), &key, &n.headers(), &n.body, now);

        assert!(open_at(now() + TimeDelta::seconds(MAX_SKEW_SECS)).is_ok(), "five minutes late is still in time");
        assert!(open_at(now() - TimeDelta::seconds(MAX_SKEW_SECS)).is_ok(), "five minutes early is still in time");
        assert!(matches!(open_at(now() + TimeDelta::seconds(MAX_SKEW_SECS + 1)), Err(GatewayError::Stale)));
        assert!(matches!(open_at(now() - TimeDelta::seconds(MAX_SKEW_SECS + 1)), Err(GatewayError::Stale)));
    }

    #[test]
    fn pay_4_a_changed_timestamp_breaks_the_signature() {
        let mut n = sealed();
        n.timestamp = (now().timestamp() + 1).to_string();

        assert!(matches!(open_it(&n), Err(GatewayError::BadSignature)));
    }

    #[test]
    fn pay_4_a_notification_signed_with_another_key_fails() {
        let forger = Signer::from_pem(FORGER).unwrap();
        let mut n = seal(&forger, &ApiV3Key::parse(KEY).unwrap(), "n-1", &transaction(), now()).unwrap();

        assert!(matches!(open_it(&n), Err(GatewayError::BadSignature)), "the forger's serial is not the platform's");
        n.serial = Verifier::from_pem(PUBLIC).unwrap().serial().to_owned();
        assert!(matches!(open_it(&n), Err(GatewayError::BadSignature)), "nor does its signature verify");
    }

    #[test]
    fn pay_4_a_resource_under_another_apiv3_key_does_not_decrypt() {
        let signer = Signer::from_pem(PRIVATE).unwrap();
        let other = ApiV3Key::parse("vutsrqponmlkjihgfedcba9876543210").unwrap();
        let n = seal(&signer, &other, "n-1", &transaction(), now()).unwrap();

        assert!(matches!(open_it(&n), Err(GatewayError::Malformed(_))));
    }

    #[test]
    fn pay_4_missing_headers_are_malformed() {
        let n = sealed();
        for name in [HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE, HEADER_SERIAL] {
            let mut headers = n.headers();
            headers.remove(name);

            let result = open::<Transaction>(&keys(), &ApiV3Key::parse(KEY).unwrap(), &headers, &n.body, now());

            assert!(matches!(result, Err(GatewayError::Malformed(_))), "without {name}");
        }
    }

    #[test]
    fn pay_4_a_signature_probe_is_told_apart_from_a_forgery() {
        let mut n = sealed();
        n.signature = format!("{PROBE_PREFIX}{}", random_nonce(64));

        assert!(matches!(open_it(&n), Err(GatewayError::SignatureProbe)));
    }

    #[test]
    fn pay_4_while_the_platform_rotates_its_key_both_serials_are_believed() {
        let next = Signer::from_pem(NEXT_PRIVATE).unwrap();
        let both =
            PlatformKeys::new(vec![Verifier::from_pem(PUBLIC).unwrap(), Verifier::from_pem(NEXT_PUBLIC).unwrap()])
                .unwrap();
        let key = ApiV3Key::parse(KEY).unwrap();
        let by_next = seal(&next, &key, "n-2", &transaction(), now()).unwrap();
        let by_current = sealed();

        assert_ne!(by_next.serial, by_current.serial);
        for n in [&by_next, &by_current] {
            assert!(open::<Transaction>(&both, &key, &n.headers(), &n.body, now()).is_ok(), "{}", n.serial);
        }
        assert!(matches!(open_it(&by_next), Err(GatewayError::BadSignature)), "not before its key is held");
        let mut misnamed = by_next.clone();
        misnamed.serial = by_current.serial.clone();
        let opened = open::<Transaction>(&both, &key, &misnamed.headers(), &misnamed.body, now());
        assert!(matches!(opened, Err(GatewayError::BadSignature)), "the key is the one the serial names");
        assert!(PlatformKeys::new(Vec::new()).is_err());
    }

    #[test]
    fn pay_4_the_apiv3_key_is_32_bytes_and_never_printed() {
        assert!(ApiV3Key::parse("short").is_err());
        assert_eq!(format!("{:?}", ApiV3Key::parse(KEY).unwrap()), "ApiV3Key(…)");
    }

    #[test]
    fn the_key_pair_on_disk_matches() {
        let signer = Signer::from_pem(PRIVATE).unwrap();
        let verifier = Verifier::from_pem(PUBLIC).unwrap();

        assert_eq!(signer.serial(), verifier.serial());
        assert!(verifier.verify(b"hello", &signer.sign(b"hello")).is_ok());
    }
}
