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
}

impl Settings {
    /// Reads the settings, falling back to the defaults for unset variables.
    pub fn from_env() -> Result<Self, StartupError> {
        let port = var("ESIGN_PORT", "8080");
        Ok(Self {
            host: var("ESIGN_HOST", "127.0.0.1"),
            port: port.parse().map_err(|_| StartupError::Setting { name: "ESIGN_PORT", value: port })?,
            dist: var("ESIGN_DIST", "dist").into(),
            database_url: var("DATABASE_URL", "sqlite://data/esign.sqlite"),
        })
    }
}

fn var(name: &str, default: &str) -> String {
    env::var(name).unwrap_or_else(|_| default.to_owned())
}
