//! A throwaway PostgreSQL cluster for the test suite: its own folder, its own
//! port, stopped and deleted when dropped (also when a stage fails).

use crate::{Result, is_root, run_cmd};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::{env, fs, process};

pub const PGBIN: &str = "/usr/lib/postgresql/15/bin";
/// Not 5432: Debian's package may run a system cluster there that is not ours.
const PORT: u16 = 55433;
const DATABASE: &str = "esign_test";

/// A running cluster.
pub struct Cluster {
    data: PathBuf,
    port: u16,
}

impl Cluster {
    /// Creates the cluster in a fresh temporary folder, starts it and creates the test database.
    pub fn start() -> Result<Self> {
        Self::start_on(PORT)
    }

    /// [`Cluster::start`] on another port (the soak runs beside a test run).
    pub fn start_on(port: u16) -> Result<Self> {
        let data = env::temp_dir().join(format!("esign-pg-{}-{port}", process::id()));
        fs::create_dir_all(&data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
        // From here on, dropping the cluster cleans up whatever was started.
        let cluster = Cluster { data, port };
        let data = &cluster.data;
        if is_root() {
            run_cmd(Command::new("chown").arg("postgres:").arg(data))?;
        }
        // Quiet: initdb's progress report is long; its errors still reach stderr.
        let mut initdb = pg("initdb");
        initdb.arg("-D").arg(data).args(["-U", "postgres", "--auth=trust", "-E", "UTF8"]).stdout(Stdio::null());
        run_cmd(&mut initdb)?;
        let log = data.join("log");
        // Every server test opens its own small pool on its own database.
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=400", data.display());
        run_cmd(pg("pg_ctl").arg("-D").arg(data).args(["-o", &options, "-l"]).arg(&log).args(["-s", "-w", "start"]))
            .map_err(|e| format!("{e}\n{}", fs::read_to_string(&log).unwrap_or_default()))?;
        let admin = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        let create = format!("CREATE DATABASE {DATABASE}");
        run_cmd(Command::new(format!("{PGBIN}/psql")).args(["-q", "-d", &admin, "-c", &create]))?;
        Ok(cluster)
    }

    /// The connection URL of the test database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{DATABASE}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.data.join("postmaster.pid").exists() {
            // Nothing more to do if stopping fails: run_cmd has printed why.
            let _ = run_cmd(pg("pg_ctl").arg("-D").arg(&self.data).args(["-s", "-m", "fast", "-w", "stop"]));
        }
        let _ = fs::remove_dir_all(&self.data);
    }
}

/// A PostgreSQL program, run as the `postgres` user when we are root (initdb refuses root).
fn pg(program: &str) -> Command {
    let path = format!("{PGBIN}/{program}");
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--", &path]);
        cmd
    } else {
        Command::new(path)
    }
}
