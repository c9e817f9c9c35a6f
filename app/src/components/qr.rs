use leptos::prelude::*;
use qrcodegen::{QrCode, QrCodeEcc};

/// A QR code of `text` as SVG: one path of dark modules inside the
/// four-module quiet zone the standard asks for. Scales with its box.
#[component]
pub fn QrCodeSvg(
    /// What the code holds, e.g. WeChat Pay's `code_url`.
    text: String,
    /// What a screen reader says instead of the picture.
    label: String,
) -> impl IntoView {
    let (size, path) = match QrCode::encode_text(&text, QrCodeEcc::Medium) {
        Ok(code) => (code.size(), modules_path(&code)),
        // Only a text far longer than any payment link fails; show an empty frame.
        Err(_) => (0, String::new()),
    };
    let quiet = 4;
    let view_box = format!("{} {} {} {}", -quiet, -quiet, size + 2 * quiet, size + 2 * quiet);
    view! {
        <svg
            class="qr"
            viewBox=view_box
            role="img"
            aria-label=label
            data-testid="qr-code"
            shape-rendering="crispEdges"
            xmlns="http://www.w3.org/2000/svg"
        >
            <rect class="qr-light" x=(-quiet).to_string() y=(-quiet).to_string() width="100%" height="100%"></rect>
            <path class="qr-dark" d=path></path>
        </svg>
    }
}

/// "M x,y h1v1h-1z" for every dark module.
fn modules_path(code: &QrCode) -> String {
    let size = code.size();
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if code.get_module(x, y) {
                path.push_str(&format!("M{x},{y}h1v1h-1z"));
            }
        }
    }
    path
}
