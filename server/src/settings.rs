//! Configuration from environment variables, each with a working default.

use crate::gateways::invoicing::document::Seller;
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
    /// `ESIGN_SANDBOX_FAILURE_RATE`: the share (0 to 1) of payments the
    /// sandbox refuses to open, as an unavailable provider would.
    pub sandbox_failure_rate: f64,
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
            sandbox_failure_rate: 0.0,
            sandbox_notify: true,
            reconcile_interval_ms: 3000,
            reconcile_after_secs: 60,
            request_timeout_ms: 15_000,
            sign_in_per_login: 10,
            sign_in_per_address: 60,
            session_idle_minutes: 120,
            metrics_addr: None,
            log_format: LogFormat::Text,
            invoice_font: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc".into(),
            invoice_font_index: 2,
            invoice_seller: Seller {
                name: "深圳市电子签演示科技有限公司".into(),
                credit_code: "91440300MA5DEM0019".into(),
                address: "深圳市南山区科技园演示路1号 0755-86000000".into(),
                bank: "招商银行深圳演示支行 755900000000001".into(),
            },
            invoice_sandbox_failure_rate: 0.0,
            invoice_sandbox_delay_ms: 1500,
            invoice_poll_ms: 500,
        }
    }
}

impl Settings {
    /// How long a session may go unused.
    pub fn session_idle(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::minutes(i64::from(self.session_idle_minutes))
    }

    /// Reads the settings: each variable that is set replaces its default.
    pub fn from_env() -> Result<Self, SettingError> {
        let d = Self::default();
        let settings = Self {
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
            sandbox_failure_rate: {
                let rate: f64 = parse("ESIGN_SANDBOX_FAILURE_RATE", d.sandbox_failure_rate)?;
                if !(0.0..=1.0).contains(&rate) {
                    return Err(SettingError::Invalid { name: "ESIGN_SANDBOX_FAILURE_RATE", value: rate.to_string() });
                }
                rate
            },
            sandbox_notify: parse("ESIGN_SANDBOX_NOTIFY", d.sandbox_notify)?,
            reconcile_interval_ms: parse("ESIGN_RECONCILE_INTERVAL_MS", d.reconcile_interval_ms)?,
            reconcile_after_secs: parse("ESIGN_RECONCILE_AFTER_SECS", d.reconcile_after_secs)?,
            request_timeout_ms: parse("ESIGN_REQUEST_TIMEOUT_MS", d.request_timeout_ms)?,
            sign_in_per_login: parse("ESIGN_SIGN_IN_PER_LOGIN", d.sign_in_per_login)?,
            sign_in_per_address: parse("ESIGN_SIGN_IN_PER_ADDRESS", d.sign_in_per_address)?,
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
        };
        // The default key is the sandbox's, published in this repository:
        // notifications "encrypted" with it could be forged by anyone.
        if !settings.development && env::var_os("ESIGN_PAYMENT_APIV3_KEY").is_none() {
            return Err(SettingError::Missing {
                name: "ESIGN_PAYMENT_APIV3_KEY",
                why: "production decrypts payment notifications with the merchant's own APIv3 key",
            });
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
            // Tests move their clock by days and years between requests:
            // only the 7-day expiry ends their sessions.
            session_idle_minutes: 7 * 24 * 60,
            // Tests wait for invoices: the platform answers quickly.
            invoice_sandbox_delay_ms: 100,
            invoice_poll_ms: 50,
            ..Self::default()
        }
    }
}

/// The variable `name` parsed, or `default` when it is unset.
fn parse<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, SettingError> {
    match env::var(name) {
        Err(_) => Ok(default),
        Ok(value) => value.parse().map_err(|_| SettingError::Invalid { name, value }),
    }
}
