//! The release server binary as a child process, with the shipped default
//! settings except where it listens, its database and the app folder.

use reqwest::StatusCode;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What the server sent its database: statements and write transactions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbCount {
    pub statements: u64,
    pub transactions: u64,
}

impl std::ops::Sub for DbCount {
    type Output = DbCount;

    fn sub(self, before: DbCount) -> DbCount {
        DbCount {
            statements: self.statements.saturating_sub(before.statements),
            transactions: self.transactions.saturating_sub(before.transactions),
        }
    }
}

/// The server process, stopped when dropped.
pub struct ServerProcess {
    child: Child,
    pub url: String,
    /// From spawning the process to its first `200` on `/api/health`.
    pub ready_after: Duration,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    /// Starts the server on a free port and waits for its first answer.
    pub async fn start(server: &Path, database_url: &str) -> Result<ServerProcess, String> {
        let started = Instant::now();
        let mut child = Command::new(server)
            .env("DATABASE_URL", database_url)
            .env("ESIGN_PORT", "0")
            .env("ESIGN_DIST", "no-dist")
            // The default, said out loud: the payment sandbox's payer pages need it.
            .env("ESIGN_ENV", "development")
            .env("RUST_LOG", "warn")
            // Every client signs in from 127.0.0.1: the shipped throttle is for people.
            .env("ESIGN_SIGN_IN_PER_LOGIN", "1000000")
            .env("ESIGN_SIGN_IN_PER_ADDRESS", "1000000")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                format!("cannot start {}: {e} (build it with `cargo build --release -p server`)", server.display())
            })?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut process = ServerProcess { child, url: String::new(), ready_after: Duration::ZERO };
        let mut lines = BufReader::new(stdout).lines();
        process.url = lines
            .find_map(|l| {
                l.ok().and_then(|l| l.split_whitespace().find(|w| w.starts_with("http://")).map(str::to_owned))
            })
            .ok_or("the server printed no URL")?;
        std::thread::spawn(move || lines.for_each(drop));
        let client = reqwest::Client::new();
        loop {
            if let Ok(r) = client.get(format!("{}/api/health", process.url)).send().await
                && r.status() == StatusCode::OK
            {
                process.ready_after = started.elapsed();
                return Ok(process);
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err("the server did not answer within 30 s".into());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// The SQL statements and write transactions it has sent so far
    /// (`GET /api/dev/db-stats`, development only).
    pub async fn db_stats(&self) -> Result<DbCount, String> {
        let answer = reqwest::get(format!("{}/api/dev/db-stats", self.url)).await.map_err(|e| e.to_string())?;
        if answer.status() != StatusCode::OK {
            return Err(format!("GET /api/dev/db-stats answered {}", answer.status()));
        }
        let body: serde_json::Value = answer.json().await.map_err(|e| e.to_string())?;
        let count = |field: &str| body[field].as_u64().ok_or(format!("db-stats has no {field}: {body}"));
        Ok(DbCount { statements: count("statements")?, transactions: count("transactions")? })
    }

    /// Its resident memory now, in KiB.
    pub fn resident_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok())
    }
}
