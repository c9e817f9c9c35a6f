//! The tools the commands need, installed when missing or at the wrong version.

use crate::{Result, is_root, output, postgres, run_cmd};
use std::fs;
use std::path::Path;
use std::process::Command;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// binaryen from npm, not Debian's older one (108): that one rewrites
/// wasm-bindgen's externref table and the page dies at start-up.
const BINARYEN_VERSION: &str = "132";
/// Installed project-locally by npm (`.tools/` is gitignored).
pub const WASM_OPT: &str = ".tools/node_modules/.bin/wasm-opt";

/// Splits the app's wasm at its lazy routes; from crates.io, at the version
/// that reads what `wasm_split_helpers` (in Cargo.lock, through leptos) marks.
pub const WASM_SPLIT: &str = "wasm-split-cli";
const WASM_SPLIT_CRATE: &str = "wasm_split_cli_support";
const WASM_SPLIT_VERSION: &str = "0.2.4";

/// The CJK font invoice documents are set in (the server's default `ESIGN_INVOICE_FONT`).
const INVOICE_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

fn apt_install(packages: &[&str]) -> Result {
    let apt_get = |args: &[&str]| {
        let mut cmd = Command::new(if is_root() { "env" } else { "sudo" });
        cmd.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"]).args(args);
        run_cmd(&mut cmd)
    };
    apt_get(&["update"])?;
    apt_get(&[&["install", "-y"], packages].concat())
}

/// Chromium and its driver (browser tests), PostgreSQL (the second
/// database), the CJK font (the pages and invoice documents) and poppler's
/// `pdftotext` (the browser test reads the invoice PDF), from Debian.
pub fn ensure_system_packages() -> Result {
    let initdb = format!("{}/initdb", postgres::PGBIN);
    let wanted = ["/usr/bin/chromium", "/usr/bin/chromedriver", &initdb, INVOICE_FONT, "/usr/bin/pdftotext"];
    if wanted.iter().all(|path| Path::new(path).exists()) {
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver", "fonts-noto-cjk", "postgresql", "poppler-utils"])
}

/// The invoice documents' font, for `cargo xtask run`.
pub fn ensure_invoice_font() -> Result {
    if Path::new(INVOICE_FONT).exists() {
        return Ok(());
    }
    apt_install(&["fonts-noto-cjk"])
}

/// The gzip compressor of the app's precompressed files (Debian's `zopfli`).
pub const ZOPFLI: &str = "/usr/bin/zopfli";

/// The wasm32 target, wasm-bindgen (matching Cargo.lock), wasm-split-cli,
/// wasm-opt and zopfli.
pub fn ensure_wasm_tools() -> Result {
    if !Path::new(ZOPFLI).exists() {
        apt_install(&["zopfli"])?;
    }
    let targets = output(Command::new("rustup").args(["target", "list", "--installed"]));
    if !targets.is_some_and(|t| t.lines().any(|line| line.trim() == WASM_TARGET)) {
        run_cmd(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }

    // The CLI must match the library exactly, or it rejects the wasm it reads.
    let wanted = locked_version("wasm-bindgen")?;
    let installed = output(Command::new("wasm-bindgen").arg("--version"));
    // `wasm-bindgen 0.2.130`
    if installed.as_deref().and_then(|v| v.split_whitespace().nth(1)) != Some(wanted.as_str()) {
        // Not `--locked`: the CLI's lock file names a crate version the registry lacks.
        let version = format!("={wanted}");
        run_cmd(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &version]))?;
    }

    // `cargo install --list` names it `wasm_split_cli_support v0.2.4:`; the tool has no --version.
    let wanted = format!("{WASM_SPLIT_CRATE} v{WASM_SPLIT_VERSION}:");
    let installed = output(Command::new("cargo").args(["install", "--list"]));
    if !installed.is_some_and(|list| list.lines().any(|line| line == wanted)) {
        let version = format!("={WASM_SPLIT_VERSION}");
        run_cmd(Command::new("cargo").args([
            "install",
            WASM_SPLIT_CRATE,
            "--version",
            &version,
            "--features",
            "build-binary",
            "--locked",
        ]))?;
    }

    // `wasm-opt version 132 (version_132)`
    let installed = output(Command::new(WASM_OPT).arg("--version"));
    if !installed.is_some_and(|v| v.contains(&format!("version {BINARYEN_VERSION} "))) {
        let package = format!("binaryen@{BINARYEN_VERSION}");
        run_cmd(Command::new("npm").args(["install", "--prefix", ".tools", "--no-audit", "--no-fund", &package]))?;
    }
    Ok(())
}

/// The version of `package` in Cargo.lock, after letting cargo bring the lock
/// file up to date with the manifests.
fn locked_version(package: &str) -> Result<String> {
    output(Command::new("cargo").args(["metadata", "--format-version", "1"]))
        .ok_or("`cargo metadata` failed: the manifests do not resolve")?;
    let lock = fs::read_to_string("Cargo.lock").map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let name = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    lines
        .find(|line| *line == name)
        .and_then(|_| lines.next()?.strip_prefix("version = \"")?.strip_suffix('"'))
        .map(str::to_owned)
        .ok_or_else(|| format!("{package} is not in Cargo.lock"))
}
