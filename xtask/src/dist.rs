//! Builds the app into `dist/`: cargo for wasm32, wasm-split-cli (the main
//! module and the chunks of the lazy routes), wasm-bindgen, wasm-opt, then the
//! static files beside it.

use crate::tools::{WASM_OPT, WASM_SPLIT, WASM_TARGET, ZOPFLI};
use crate::{Result, cargo, run_cmd};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs, io};

/// Where the built app goes; the server serves this folder.
pub const DIST: &str = "dist";

/// Smallest output, optimised until it stops shrinking.
const WASM_OPT_FLAGS: [&str; 3] = ["-Oz", "--converge", "--low-memory-unused"];

pub fn build() -> Result {
    cargo(&["build", "-p", "app", "--target", WASM_TARGET, "--profile", "wasm-release"])?;
    let target_dir = env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let wasm = target_dir.join(WASM_TARGET).join("wasm-release/app.wasm");

    let dist = Path::new(DIST);
    let split = target_dir.join("wasm-split");
    for dir in [dist, split.as_path()] {
        match fs::remove_dir_all(dir) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(format!("cannot clear {}: {e}", dir.display()));
            }
            _ => {}
        }
    }
    // The lazy routes' pages go into chunks of their own, fetched on the
    // first visit; what is left is the main module, which wasm-bindgen then
    // binds to JavaScript as if it were the whole app.
    run_cmd(Command::new(WASM_SPLIT).arg(&wasm).arg(&split).args(["--out-name", "app"]))?;
    let pkg = dist.join("pkg");
    // The chunks call into the main module through its function table, which
    // wasm-bindgen would otherwise stop exporting.
    run_cmd(
        Command::new("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--keep-lld-exports", "--out-dir"])
            .arg(&pkg)
            .arg(split.join("app.wasm")),
    )?;
    let app_wasm = pkg.join("app_bg.wasm");
    let bindgen_size = size(&app_wasm)?;
    let mut chunks = Vec::new();
    for entry in fs::read_dir(&split).map_err(|e| format!("cannot read {}: {e}", split.display()))? {
        let path = entry.map_err(|e| format!("cannot read {}: {e}", split.display()))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
        if name == "app.wasm" {
            continue;
        }
        fs::copy(&path, pkg.join(&name)).map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        if name.ends_with(".wasm") {
            chunks.push(pkg.join(name));
        }
    }
    chunks.sort();
    // No --enable-* flags needed: wasm-opt reads the features the module uses
    // from its target_features section, which wasm-bindgen keeps.
    // Rust leaves the first KiB of memory unused (the null page), which lets
    // wasm-opt fold more addresses into load and store offsets.
    for module in std::iter::once(&app_wasm).chain(&chunks) {
        run_cmd(Command::new(WASM_OPT).args(WASM_OPT_FLAGS).arg(module).arg("-o").arg(module))?;
    }

    copy_dir(Path::new("public"), dist)?;
    copy_dir(Path::new("style"), &dist.join("style"))?;
    // Precompressed copies, served to browsers that accept gzip. Zopfli
    // writes ordinary gzip about 5 % smaller than `gzip -9`, once per build.
    run_cmd(
        Command::new(ZOPFLI).arg(&app_wasm).arg(pkg.join("app.js")).arg(pkg.join("__wasm_split.js")).args(&chunks),
    )?;

    let (mut chunks_raw, mut chunks_gz) = (0, 0);
    for chunk in &chunks {
        chunks_raw += size(chunk)?;
        chunks_gz += gzipped(chunk)?;
    }
    println!(
        "app_bg.wasm: {} raw, {} gzipped ({} before wasm-opt); {} chunks loaded on demand: {} raw, {} gzipped",
        kb(size(&app_wasm)?),
        kb(gzipped(&app_wasm)?),
        kb(bindgen_size),
        chunks.len(),
        kb(chunks_raw),
        kb(chunks_gz),
    );
    Ok(())
}

/// The size of the `.gz` copy beside `file`.
fn gzipped(file: &Path) -> Result<u64> {
    size(&PathBuf::from(format!("{}.gz", file.display())))
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
