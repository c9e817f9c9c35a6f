//! Configuration from environment variables, each with a working default.

use crate::StartupError;
use std::env;
use std::path::PathBuf;

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
    /// `ESIGN_ENV`: `development` (the default: demo data, the payment
    /// sandbox's payer pages, the sign-in page's account list) or `production`.
    pub development: bool,
    /// `ESIGN_PAYMENT_TIMEOUT_SECS`: unpaid orders close after this long.
    pub payment_timeout_secs: u32,
}

impl Settings {
    /// Reads the settings, falling back to the defaults for unset variables.
    pub fn from_env() -> Result<Self, StartupError> {
        Ok(Self {
            host: var("ESIGN_HOST", "127.0.0.1"),
            port: parse("ESIGN_PORT", "8080")?,
            dist: var("ESIGN_DIST", "dist").into(),
            database_url: var("DATABASE_URL", "sqlite://data/esign.sqlite"),
            development: match var("ESIGN_ENV", "development").as_str() {
                "development" => true,
                "production" => false,
                other => return Err(StartupError::Setting { name: "ESIGN_ENV", value: other.to_owned() }),
            },
            payment_timeout_secs: parse("ESIGN_PAYMENT_TIMEOUT_SECS", "1800")?,
        })
    }
}

impl Settings {
    /// Settings for a server on a free loopback port with this database and
    /// app folder, in development mode: what tests start.
    pub fn local(database_url: impl Into<String>, dist: impl Into<PathBuf>) -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 0,
            dist: dist.into(),
            database_url: database_url.into(),
            development: true,
            payment_timeout_secs: 1800,
        }
    }
}

fn parse<T: std::str::FromStr>(name: &'static str, default: &str) -> Result<T, StartupError> {
    let value = var(name, default);
    value.parse().map_err(|_| StartupError::Setting { name, value })
}

fn var(name: &str, default: &str) -> String {
    env::var(name).unwrap_or_else(|_| default.to_owned())
}
