use leptos::prelude::*;

/// The edition chooser: editions, add-ons and the instant quote.
#[component]
pub fn PurchasePage() -> impl IntoView {
    view! {
        <header class="page-header">
            <h1>"腾讯电子签 · 版本选购"</h1>
        </header>
        <main class="page" data-testid="app-ready">
            <p class="lead">"选择版本与增值服务，即时查看报价。"</p>
        </main>
    }
}
