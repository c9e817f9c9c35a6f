//! `cargo xtask dist` splits the linked wasm into the main module and the
//! lazily loaded pages (`src/routes.rs`); `wasm-split-cli` finds every call
//! and address to move by the linker's relocations, so the linker keeps them.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_FAMILY").is_ok_and(|family| family.split(',').any(|f| f == "wasm")) {
        println!("cargo::rustc-link-arg-cdylib=--emit-relocs");
    }
}
