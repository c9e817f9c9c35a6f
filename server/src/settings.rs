//! Configuration from environment variables, each with a working default.

use crate::gateways::invoicing::document::{DEFAULT_FONT, Seller};
use crate::gateways::payment::sandbox::RetrySchedule;
use crate::gateways::payment::wechat::ApiV3Key;
use crate::telemetry::logs::LogFormat;
use std::env;
use std::path::PathBuf;

/// A variable that is set to something it cannot be, or that this
/// environment cannot do without.
#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    #[error("{name} cannot be {value:?}")]
    Invalid { name: &'static str, value: String },
    #[error("{name} must be set: {why}")]
    Missing { name: &'static str, why: &'static str },
    #[error("{name}={value} switches on a sandbox, which production refuses")]
    SandboxInProduction { name: &'static str, value: &'static str },
}

/// Who takes payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentProvider {
    /// `sandbox`: the bundled one (development only).
    Sandbox,
    /// `wechatpay`: WeChat Pay API v3 over HTTP.
    WechatPay(WechatPaySettings),
}

/// The merchant's WeChat Pay settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WechatPaySettings {
    /// `ESIGN_WECHATPAY_BASE_URL`: the API's base URL.
    pub base_url: String,
    /// `ESIGN_WECHATPAY_MCHID`: the merchant id.
    pub mchid: String,
    /// `ESIGN_WECHATPAY_APPID`: the app id payments are made under.
    pub appid: String,
    /// `ESIGN_WECHATPAY_MERCHANT_SERIAL`: the merchant certificate's serial.
    pub merchant_serial: String,
    /// `ESIGN_WECHATPAY_MERCHANT_KEY_FILE`: the merchant's PKCS#8 PEM private key.
    pub merchant_key_file: PathBuf,
    /// `ESIGN_WECHATPAY_PLATFORM_KEYS`: `serial=file,serial=file`, the
    /// platform public keys believed (two while WeChat rotates its key).
    pub platform_keys: Vec<(String, PathBuf)>,
}

/// Who sends text messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsProvider {
    /// `outbox`: the `sms_outbox` table (development only).
    Outbox,
    /// `tencent`: Tencent Cloud SMS over HTTP.
    Tencent(TencentSmsSettings),
}

/// The Tencent Cloud SMS account's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TencentSmsSettings {
    /// `ESIGN_SMS_BASE_URL`: the API's URL.
    pub base_url: String,
    /// `ESIGN_SMS_SECRET_ID` and `ESIGN_SMS_SECRET_KEY`: the API credentials.
    pub secret_id: String,
    pub secret_key: Secret,
    /// `ESIGN_SMS_APP_ID`: the SMS application (`SmsSdkAppId`).
    pub app_id: String,
    /// `ESIGN_SMS_SIGN_NAME`: the approved signature, e.g. 腾讯电子签.
    pub sign_name: String,
    /// `ESIGN_SMS_TEMPLATE_ID`: the approved verification-code template.
    pub template_id: String,
    /// `ESIGN_SMS_REGION`: the API region.
    pub region: String,
}

/// A secret setting: its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Everything the server reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `ESIGN_HOST`: the address to listen on.
    pub host: String,
    /// `ESIGN_PORT`: the port to listen on; 0 picks a free one.
    pub port: u16,
    /// `ESIGN_DIST`: the folder of the built app.
    pub dist: PathBuf,
    /// `DATABASE_URL`: `sqlite://…` (the default, under `./data`) or `postgres://…`.
    pub database_url: String,
    /// `DATABASE_MAX_CONNECTIONS`: the PostgreSQL pool's size.
    pub database_max_connections: u32,
    /// `ESIGN_ENV`: `development` (the default: demo data, the payment
    /// sandbox's payer pages, the sign-in page's account list) or `production`.
    pub development: bool,
    /// `ESIGN_PAYMENT_TIMEOUT_SECS`: unpaid orders close after this long.
    pub payment_timeout_secs: u32,
    /// `ESIGN_PAYMENT_APIV3_KEY`: the 32-byte key payment notifications are
    /// encrypted with (the default is the sandbox's, development only).
    pub payment_apiv3_key: ApiV3Key,
    /// `ESIGN_PAYMENT_PROVIDER`: `sandbox` (the development default) or
    /// `wechatpay` (the production default; its own variables then apply).
    pub payment_provider: PaymentProvider,
    /// `ESIGN_SMS_PROVIDER`: `outbox` (the development default) or `tencent`.
    pub sms_provider: SmsProvider,
    /// `ESIGN_PUBLIC_URL`: the address the world reaches this server at
    /// (the provider's notifications go there); by default, the listener's.
    pub public_url: Option<String>,
    /// `ESIGN_SANDBOX_FAILURE_RATE`: the share (0 to 1) of payments the
    /// sandbox refuses to open, as an unavailable provider would.
    pub sandbox_failure_rate: f64,
    /// `ESIGN_SANDBOX_PROBE_RATE`: the share (0 to 1) of notifications the
    /// sandbox precedes with a signature probe, as WeChat does now and then.
    pub sandbox_probe_rate: f64,
    /// `ESIGN_SANDBOX_NOTIFY_RETRIES`: the sandbox's waits between tries of
    /// a notification (WeChat's: 15s,15s,30s,3m,10m,20m,30m,30m,30m,60m,3h,3h,3h,6h,6h).
    pub sandbox_notify_retries: RetrySchedule,
    /// `ESIGN_SANDBOX_NOTIFY`: whether the sandbox sends its notifications
    /// (`false` leaves payments to reconciliation).
    pub sandbox_notify: bool,
    /// `ESIGN_RECONCILE_INTERVAL_MS`: how often reconciliation runs.
    pub reconcile_interval_ms: u64,
    /// `ESIGN_RECONCILE_AFTER_SECS`: a payment still pending this long is
    /// asked about at the provider.
    pub reconcile_after_secs: u32,
    /// `ESIGN_REQUEST_TIMEOUT_MS`: a request whose answer has not begun by
    /// then gets 503 (a stream that has begun, like order events, goes on).
    pub request_timeout_ms: u64,
    /// `ESIGN_SIGN_IN_PER_LOGIN`: sign-in attempts a minute for one login.
    pub sign_in_per_login: u32,
    /// `ESIGN_SIGN_IN_PER_ADDRESS`: sign-in attempts a minute from one client address.
    pub sign_in_per_address: u32,
    /// `ESIGN_VERIFICATION_SENDS_PER_PERSON`: codes texted an hour at one person's request.
    pub verification_sends_per_person: u32,
    /// `ESIGN_VERIFICATION_SENDS_PER_ADDRESS`: codes texted an hour at one client address's request.
    pub verification_sends_per_address: u32,
    /// `ESIGN_SESSION_IDLE_MINUTES`: a session unused this long has ended
    /// (it also ends 7 days after sign-in, used or not).
    pub session_idle_minutes: u32,
    /// `ESIGN_METRICS_ADDR`: where `GET /metrics` is served (`host:port`,
    /// port 0 picks a free one), apart from the public listener; unset, it
    /// is not served and nothing is recorded.
    pub metrics_addr: Option<String>,
    /// `ESIGN_LOG_FORMAT`: `text` (lines for a person) or `json` (one object a line).
    pub log_format: LogFormat,
    /// `ESIGN_INVOICE_FONT`: the CJK font invoice documents are set in (TTF,
    /// OTF or a TTC collection; Debian's fonts-noto-cjk by default).
    pub invoice_font: PathBuf,
    /// `ESIGN_INVOICE_FONT_INDEX`: the face in a collection (2: Noto Sans CJK SC).
    pub invoice_font_index: u32,
    /// `ESIGN_INVOICE_SELLER_NAME`, `_CREDIT_CODE`, `_ADDRESS`, `_BANK`: the
    /// seller's block (销售方信息) of every invoice.
    pub invoice_seller: Seller,
    /// `ESIGN_INVOICE_SANDBOX_FAILURE_RATE`: the share (0 to 1) of requests
    /// the bundled tax platform refuses.
    pub invoice_sandbox_failure_rate: f64,
    /// `ESIGN_INVOICE_SANDBOX_DELAY_MS`: how long the bundled platform takes to issue.
    pub invoice_sandbox_delay_ms: u64,
    /// `ESIGN_INVOICE_POLL_MS`: how often the invoicing worker asks the platform.
    pub invoice_poll_ms: u64,
    /// `ESIGN_FOLLOW_POLL_MS`: how often an order's event stream looks at the
    /// order for changes nothing told it of; unset, 250 ms where other
    /// processes' changes are found only so (SQLite) and 5 s where they are
    /// told (PostgreSQL: only a notification lost while reconnecting is left).
    pub follow_poll_ms: Option<u64>,
}

/// The sandbox's APIv3 key: public, development only.
const SANDBOX_APIV3_KEY: ApiV3Key = ApiV3Key::from_bytes(*b"esignSandboxApiV3Key000000000000");

impl Default for Settings {
    /// The shipped defaults, written once: `from_env` starts from them and
    /// `local` changes only what a test server needs.
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            dist: "dist".into(),
            database_url: "sqlite://data/esign.sqlite".into(),
            database_max_connections: 16,
            development: true,
            payment_timeout_secs: 1800,
            payment_apiv3_key: SANDBOX_APIV3_KEY,
            payment_provider: PaymentProvider::Sandbox,
            sms_provider: SmsProvider::Outbox,
            public_url: None,
            sandbox_failure_rate: 0.0,
            sandbox_probe_rate: 0.02,
            sandbox_notify_retries: RetrySchedule::default(),
            sandbox_notify: true,
            reconcile_interval_ms: 3000,
            reconcile_after_secs: 60,
            request_timeout_ms: 15_000,
            sign_in_per_login: 10,
            sign_in_per_address: 60,
            verification_sends_per_person: 10,
            verification_sends_per_address: 30,
            session_idle_minutes: 120,
            metrics_addr: None,
            log_format: LogFormat::Text,
            invoice_font: DEFAULT_FONT.0.into(),
            invoice_font_index: DEFAULT_FONT.1,
            invoice_seller: Seller {
                name: "深圳市电子签演示科技有限公司".into(),
                credit_code: "91440300MA5DEM0019".into(),
                address: "深圳市南山区科技园演示路1号 0755-86000000".into(),
                bank: "招商银行深圳演示支行 755900000000001".into(),
            },
            invoice_sandbox_failure_rate: 0.0,
            invoice_sandbox_delay_ms: 1500,
            invoice_poll_ms: 500,
            follow_poll_ms: None,
        }
    }
}

impl Settings {
    /// How often an order's event stream looks on its own ([`Settings::follow_poll_ms`]).
    pub fn follow_poll(&self, changes_are_told: bool) -> std::time::Duration {
        let default = if changes_are_told { 5_000 } else { 250 };
        std::time::Duration::from_millis(self.follow_poll_ms.unwrap_or(default))
    }

    /// How long a session may go unused.
    pub fn session_idle(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::minutes(i64::from(self.session_idle_minutes))
    }

    /// Reads the settings: each variable that is set replaces its default.
    pub fn from_env() -> Result<Self, SettingError> {
        let d = Self::default();
        let mut settings = Self {
            host: env::var("ESIGN_HOST").unwrap_or(d.host),
            port: parse("ESIGN_PORT", d.port)?,
            dist: env::var("ESIGN_DIST").map_or(d.dist, PathBuf::from),
            database_url: env::var("DATABASE_URL").unwrap_or(d.database_url),
            database_max_connections: parse("DATABASE_MAX_CONNECTIONS", d.database_max_connections)?,
            development: match env::var("ESIGN_ENV").as_deref() {
                Err(_) => d.development,
                Ok("development") => true,
                Ok("production") => false,
                Ok(other) => return Err(SettingError::Invalid { name: "ESIGN_ENV", value: other.to_owned() }),
            },
            payment_timeout_secs: parse("ESIGN_PAYMENT_TIMEOUT_SECS", d.payment_timeout_secs)?,
            payment_apiv3_key: match env::var("ESIGN_PAYMENT_APIV3_KEY") {
                // The value is a secret: the error names its required length, never the value.
                Ok(value) => ApiV3Key::parse(&value).map_err(|_| SettingError::Invalid {
                    name: "ESIGN_PAYMENT_APIV3_KEY",
                    value: "(not 32 bytes)".into(),
                })?,
                Err(_) => d.payment_apiv3_key,
            },
            // Which providers depends on the environment: read below.
            payment_provider: d.payment_provider,
            sms_provider: d.sms_provider,
            public_url: env::var("ESIGN_PUBLIC_URL").ok().filter(|u| !u.is_empty()).or(d.public_url),
            sandbox_failure_rate: rate("ESIGN_SANDBOX_FAILURE_RATE", d.sandbox_failure_rate)?,
            sandbox_probe_rate: rate("ESIGN_SANDBOX_PROBE_RATE", d.sandbox_probe_rate)?,
            sandbox_notify_retries: parse("ESIGN_SANDBOX_NOTIFY_RETRIES", d.sandbox_notify_retries)?,
            sandbox_notify: parse("ESIGN_SANDBOX_NOTIFY", d.sandbox_notify)?,
            reconcile_interval_ms: parse("ESIGN_RECONCILE_INTERVAL_MS", d.reconcile_interval_ms)?,
            reconcile_after_secs: parse("ESIGN_RECONCILE_AFTER_SECS", d.reconcile_after_secs)?,
            request_timeout_ms: parse("ESIGN_REQUEST_TIMEOUT_MS", d.request_timeout_ms)?,
            sign_in_per_login: parse("ESIGN_SIGN_IN_PER_LOGIN", d.sign_in_per_login)?,
            sign_in_per_address: parse("ESIGN_SIGN_IN_PER_ADDRESS", d.sign_in_per_address)?,
            verification_sends_per_person: parse(
                "ESIGN_VERIFICATION_SENDS_PER_PERSON",
                d.verification_sends_per_person,
            )?,
            verification_sends_per_address: parse(
                "ESIGN_VERIFICATION_SENDS_PER_ADDRESS",
                d.verification_sends_per_address,
            )?,
            session_idle_minutes: parse("ESIGN_SESSION_IDLE_MINUTES", d.session_idle_minutes)?,
            metrics_addr: env::var("ESIGN_METRICS_ADDR").ok().filter(|a| !a.is_empty()).or(d.metrics_addr),
            log_format: parse("ESIGN_LOG_FORMAT", d.log_format)?,
            invoice_font: env::var("ESIGN_INVOICE_FONT").map_or(d.invoice_font, PathBuf::from),
            invoice_font_index: parse("ESIGN_INVOICE_FONT_INDEX", d.invoice_font_index)?,
            invoice_seller: Seller {
                name: env::var("ESIGN_INVOICE_SELLER_NAME").unwrap_or(d.invoice_seller.name),
                credit_code: match env::var("ESIGN_INVOICE_SELLER_CREDIT_CODE") {
                    Ok(code) => domain::credit_code::CreditCode::parse(&code)
                        .map_err(|_| SettingError::Invalid { name: "ESIGN_INVOICE_SELLER_CREDIT_CODE", value: code })?
                        .to_string(),
                    Err(_) => d.invoice_seller.credit_code,
                },
                address: env::var("ESIGN_INVOICE_SELLER_ADDRESS").unwrap_or(d.invoice_seller.address),
                bank: env::var("ESIGN_INVOICE_SELLER_BANK").unwrap_or(d.invoice_seller.bank),
            },
            invoice_sandbox_failure_rate: {
                let rate: f64 = parse("ESIGN_INVOICE_SANDBOX_FAILURE_RATE", d.invoice_sandbox_failure_rate)?;
                if !(0.0..=1.0).contains(&rate) {
                    return Err(SettingError::Invalid {
                        name: "ESIGN_INVOICE_SANDBOX_FAILURE_RATE",
                        value: rate.to_string(),
                    });
                }
                rate
            },
            invoice_sandbox_delay_ms: parse("ESIGN_INVOICE_SANDBOX_DELAY_MS", d.invoice_sandbox_delay_ms)?,
            invoice_poll_ms: parse("ESIGN_INVOICE_POLL_MS", d.invoice_poll_ms)?,
            follow_poll_ms: match env::var("ESIGN_FOLLOW_POLL_MS") {
                Err(_) => None,
                Ok(value) => {
                    Some(value.parse().map_err(|_| SettingError::Invalid { name: "ESIGN_FOLLOW_POLL_MS", value })?)
                }
            },
        };
        settings.payment_provider = match env::var("ESIGN_PAYMENT_PROVIDER").as_deref() {
            Ok("sandbox") if !settings.development => {
                return Err(SettingError::SandboxInProduction { name: "ESIGN_PAYMENT_PROVIDER", value: "sandbox" });
            }
            Ok("sandbox") => PaymentProvider::Sandbox,
            Ok("wechatpay") => PaymentProvider::WechatPay(WechatPaySettings::from_env()?),
            Err(_) if settings.development => PaymentProvider::Sandbox,
            Err(_) => PaymentProvider::WechatPay(WechatPaySettings::from_env()?),
            Ok(other) => return Err(SettingError::Invalid { name: "ESIGN_PAYMENT_PROVIDER", value: other.to_owned() }),
        };
        settings.sms_provider = match env::var("ESIGN_SMS_PROVIDER").as_deref() {
            Ok("outbox") if !settings.development => {
                return Err(SettingError::SandboxInProduction { name: "ESIGN_SMS_PROVIDER", value: "outbox" });
            }
            Ok("outbox") => SmsProvider::Outbox,
            Ok("tencent") => SmsProvider::Tencent(TencentSmsSettings::from_env()?),
            Err(_) if settings.development => SmsProvider::Outbox,
            Err(_) => SmsProvider::Tencent(TencentSmsSettings::from_env()?),
            Ok(other) => return Err(SettingError::Invalid { name: "ESIGN_SMS_PROVIDER", value: other.to_owned() }),
        };
        if !settings.development {
            // The default key is the sandbox's, published in this repository:
            // notifications "encrypted" with it could be forged by anyone.
            if env::var_os("ESIGN_PAYMENT_APIV3_KEY").is_none() {
                return Err(SettingError::Missing {
                    name: "ESIGN_PAYMENT_APIV3_KEY",
                    why: "production decrypts payment notifications with the merchant's own APIv3 key",
                });
            }
            if settings.public_url.is_none() {
                return Err(SettingError::Missing {
                    name: "ESIGN_PUBLIC_URL",
                    why: "the payment provider notifies this server at its public address",
                });
            }
        }
        Ok(settings)
    }

    /// Settings for a server on a free loopback port with this database and
    /// app folder, in development mode: what tests start.
    pub fn local(database_url: impl Into<String>, dist: impl Into<PathBuf>) -> Self {
        Self {
            port: 0,
            dist: dist.into(),
            database_url: database_url.into(),
            database_max_connections: 4,
            // Every test client signs in from 127.0.0.1, many times a minute.
            sign_in_per_login: 100_000,
            sign_in_per_address: 100_000,
            verification_sends_per_person: 100_000,
            verification_sends_per_address: 100_000,
            // Tests move their clock by days and years between requests:
            // only the 7-day expiry ends their sessions.
            session_idle_minutes: 7 * 24 * 60,
            // Retries a hundred times faster than WeChat's; no probes
            // unless a test asks for them.
            sandbox_notify_retries: RetrySchedule::default().compressed(100),
            sandbox_probe_rate: 0.0,
            // Tests wait for invoices: the platform answers quickly.
            invoice_sandbox_delay_ms: 100,
            invoice_poll_ms: 50,
            ..Self::default()
        }
    }
}

impl WechatPaySettings {
    fn from_env() -> Result<Self, SettingError> {
        const WHY: &str = "WeChat Pay is the payment provider";
        let platform_keys = required("ESIGN_WECHATPAY_PLATFORM_KEYS", WHY)?;
        let platform_keys = platform_keys
            .split(',')
            .map(|pair| match pair.trim().split_once('=') {
                Some((serial, file)) if !serial.is_empty() && !file.is_empty() => {
                    Ok((serial.to_owned(), PathBuf::from(file)))
                }
                _ => Err(SettingError::Invalid { name: "ESIGN_WECHATPAY_PLATFORM_KEYS", value: pair.to_owned() }),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            base_url: env::var("ESIGN_WECHATPAY_BASE_URL").unwrap_or_else(|_| "https://api.mch.weixin.qq.com".into()),
            mchid: required("ESIGN_WECHATPAY_MCHID", WHY)?,
            appid: required("ESIGN_WECHATPAY_APPID", WHY)?,
            merchant_serial: required("ESIGN_WECHATPAY_MERCHANT_SERIAL", WHY)?,
            merchant_key_file: required("ESIGN_WECHATPAY_MERCHANT_KEY_FILE", WHY)?.into(),
            platform_keys,
        })
    }
}

impl TencentSmsSettings {
    fn from_env() -> Result<Self, SettingError> {
        const WHY: &str = "Tencent Cloud SMS sends the text messages";
        Ok(Self {
            base_url: env::var("ESIGN_SMS_BASE_URL").unwrap_or_else(|_| "https://sms.tencentcloudapi.com".into()),
            secret_id: required("ESIGN_SMS_SECRET_ID", WHY)?,
            secret_key: Secret(required("ESIGN_SMS_SECRET_KEY", WHY)?),
            app_id: required("ESIGN_SMS_APP_ID", WHY)?,
            sign_name: required("ESIGN_SMS_SIGN_NAME", WHY)?,
            template_id: required("ESIGN_SMS_TEMPLATE_ID", WHY)?,
            region: env::var("ESIGN_SMS_REGION").unwrap_or_else(|_| "ap-guangzhou".into()),
        })
    }
}

/// The variable `name`, which must be set (and not empty) because `why`.
fn required(name: &'static str, why: &'static str) -> Result<String, SettingError> {
    env::var(name).ok().filter(|value| !value.is_empty()).ok_or(SettingError::Missing { name, why })
}

/// A share from 0 to 1.
fn rate(name: &'static str, default: f64) -> Result<f64, SettingError> {
    let rate: f64 = parse(name, default)?;
    if !(0.0..=1.0).contains(&rate) {
        return Err(SettingError::Invalid { name, value: rate.to_string() });
    }
    Ok(rate)
}

/// The variable `name` parsed, or `default` when it is unset.
fn parse<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, SettingError> {
    match env::var(name) {
        Err(_) => Ok(default),
        Ok(value) => value.parse().map_err(|_| SettingError::Invalid { name, value }),
    }
}
