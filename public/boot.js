// Starts the app. A file of its own: the security policy allows no inline script.
import init from "/pkg/app.js";
init({ module_or_path: "/pkg/app_bg.wasm" });
