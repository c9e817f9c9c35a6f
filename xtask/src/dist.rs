//! Builds the app into `dist/`: cargo for wasm32, wasm-bindgen, wasm-opt, then
//! the static files beside it.

use crate::tools::{WASM_OPT, WASM_TARGET};
use crate::{Result, cargo, run_cmd};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs, io};

/// Where the built app goes; the server serves this folder.
pub const DIST: &str = "dist";

pub fn build() -> Result {
    cargo(&["build", "-p", "app", "--target", WASM_TARGET, "--profile", "wasm-release"])?;
    let target_dir = env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let wasm = target_dir.join(WASM_TARGET).join("wasm-release/app.wasm");

    let dist = Path::new(DIST);
    match fs::remove_dir_all(dist) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(format!("cannot clear {DIST}/: {e}"));
        }
        _ => {}
    }
    let pkg = dist.join("pkg");
    run_cmd(
        Command::new("wasm-bindgen").args(["--target", "web", "--no-typescript", "--out-dir"]).arg(&pkg).arg(&wasm),
    )?;
    let app_wasm = pkg.join("app_bg.wasm");
    let bindgen_size = size(&app_wasm)?;
    // No --enable-* flags needed: wasm-opt reads the features the module uses
    // from its target_features section, which wasm-bindgen keeps.
    run_cmd(Command::new(WASM_OPT).arg("-Oz").arg(&app_wasm).arg("-o").arg(&app_wasm))?;

    copy_dir(Path::new("public"), dist)?;
    copy_dir(Path::new("style"), &dist.join("style"))?;
    // Precompressed copies, served to browsers that accept gzip.
    run_cmd(Command::new("gzip").args(["-9", "--keep", "--force"]).arg(&app_wasm).arg(pkg.join("app.js")))?;

    println!(
        "app_bg.wasm: {} raw, {} gzipped ({} before wasm-opt)",
        kb(size(&app_wasm)?),
        kb(size(&pkg.join("app_bg.wasm.gz"))?),
        kb(bindgen_size),
    );
    Ok(())
}

fn size(file: &Path) -> Result<u64> {
    fs::metadata(file).map(|m| m.len()).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

/// Kilobytes with one decimal, in integers (the workspace lints float arithmetic).
fn kb(bytes: u64) -> String {
    let tenths = (bytes * 10 + 512) / 1024;
    format!("{}.{} KB", tenths / 10, tenths % 10)
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    let fail = |e: io::Error| format!("cannot copy {} to {}: {e}", from.display(), to.display());
    fs::create_dir_all(to).map_err(fail)?;
    for entry in fs::read_dir(from).map_err(fail)? {
        let entry = entry.map_err(fail)?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(fail)?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target).map_err(fail)?;
        }
    }
    Ok(())
}
