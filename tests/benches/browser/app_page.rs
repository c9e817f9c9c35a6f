//! The real app in headless Chromium, served cross-origin isolated by the
//! real server: first load to interactive, and the time from the input event
//! of a changed choice to the new total in the DOM.

use crate::app::harness::{DEMO_PASSWORD, dist};
use crate::app::pages::{Page, testid};
use crate::isolated;
use fantoccini::Client;
use serde_json::Value;
use server::{Application, Settings};

/// Samples of the observer measurement, after the warm-up.
pub const SAMPLES: usize = 1000;
const WARMUP: usize = 50;
/// Changes in the timed loop (the cross-check).
pub const LOOP: usize = 500;
/// Reloads timed after the first load.
pub const RELOADS: usize = 5;
/// The demo buyer whose purchase page is measured.
const LOGIN: &str = "a-admin";

/// What the app measured.
#[derive(Debug, Default)]
pub struct Figures {
    pub isolated: bool,
    /// The smallest step of `performance.now()`, in ms.
    pub resolution_ms: f64,
    /// Sorted, ms: from the dispatched change to the new total in the DOM.
    pub change_to_total: Vec<f64>,
    /// Mean ms per change of the timed loop.
    pub loop_mean_ms: f64,
    /// The first load with an empty cache, ms from navigation to interactive,
    /// and whether the moment was observed (else it is an upper bound).
    pub first_load: (f64, bool),
    /// Reloads, ms from navigation to interactive, sorted.
    pub reloads: Vec<f64>,
}

/// Starts the server on a fresh SQLite file with the built app, and serves
/// its routes isolated on a second port (the sandbox still notifies the
/// first); returns the isolated base URL and the folder to keep.
pub async fn start_server() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let settings = Settings::local(format!("sqlite://{}/esign.sqlite", dir.path().display()), dist());
    let app = Application::build(settings).await.expect("the server starts");
    let router = server::router(app.state().clone(), &dist());
    tokio::spawn(app.run_until_stopped());
    (isolated::serve(router).await, dir)
}

pub async fn measure(client: Client, base: &str) -> Figures {
    let page = Page::new(client, base);
    let mut figures = Figures::default();
    // Signed in by the API from a page of the same origin, so the first load
    // of the app itself starts with an empty cache.
    page.goto("/api/health").await;
    let signed = page
        .client
        .execute_async(
            "const [login, password, done] = arguments;
             fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' },
                                     body: JSON.stringify({ login, password }) })
               .then((r) => done(r.status), (e) => done(String(e)));",
            vec![LOGIN.into(), DEMO_PASSWORD.into()],
        )
        .await
        .expect("the sign-in runs");
    assert_eq!(signed.as_u64(), Some(204), "{LOGIN} signs in: {signed}");

    figures.first_load = interactive(&page).await;
    for _ in 0..RELOADS {
        figures.reloads.push(interactive(&page).await.0);
    }
    figures.reloads.sort_by(f64::total_cmp);

    page.goto("/").await;
    figures.isolated = page.script("return self.crossOriginIsolated").await.as_bool().unwrap_or(false);
    figures.resolution_ms = page
        .script("let a = performance.now(), b; while ((b = performance.now()) === a) {} return b - a")
        .await
        .as_f64()
        .unwrap_or(f64::NAN);
    page.click("addon-contract_pack_1k").await;
    figures.change_to_total = change_to_total(&page).await;
    figures.loop_mean_ms = timed_loop(&page).await;
    figures
}

/// Milliseconds from the start of the app's navigation until the total
/// shows a price and the term can be changed; `false` when that was already
/// so when the observer was attached (the figure is then an upper bound).
///
/// The app loads in a same-origin frame of the current page, so its
/// document can be watched from the moment it exists: a navigation of the
/// top page would return only after its load event.
async fn interactive(page: &Page) -> (f64, bool) {
    let script = format!(
        r#"
        const done = arguments[arguments.length - 1];
        for (const old of document.querySelectorAll('iframe')) old.remove();
        const frame = document.createElement('iframe');
        frame.style.cssText = 'width: 1280px; height: 900px; border: 0';
        frame.src = '/';
        document.body.appendChild(frame);
        const initial = frame.contentDocument;
        const ready = (doc) => {{
          const total = doc.querySelector('{total}');
          const term = doc.querySelector('{years} input');
          return total && total.textContent.includes('¥') && term && !term.disabled;
        }};
        const poll = setInterval(() => {{
          const doc = frame.contentDocument;
          if (!doc || doc === initial || doc.location.pathname !== '/') return;
          clearInterval(poll);
          const view = frame.contentWindow;
          if (ready(doc)) {{ done([view.performance.now(), false]); return; }}
          const observer = new view.MutationObserver(() => {{
            if (ready(doc)) {{ observer.disconnect(); done([view.performance.now(), true]); }}
          }});
          observer.observe(doc, {{ subtree: true, childList: true, characterData: true, attributes: true }});
        }}, 1);
        setTimeout(() => {{
          const doc = frame.contentDocument;
          const total = doc && doc.querySelector('{total}');
          const term = doc && doc.querySelector('{years} input');
          done({{ error: 'not interactive within 20 s', path: doc && doc.location.pathname,
                  total: total && total.textContent, term: term ? (term.disabled ? 'disabled' : 'enabled') : 'absent',
                  text: doc && doc.body ? doc.body.innerText.slice(0, 600) : null }});
        }}, 20000);
        "#,
        total = testid("total"),
        years = testid("years-3"),
    );
    let result = page.client.execute_async(&script, Vec::new()).await.expect("the page becomes interactive");
    assert!(result.get("error").is_none(), "the page becomes interactive: {result}");
    (result[0].as_f64().expect("a time"), result[1].as_bool().unwrap_or(false))
}

/// The term flips between 3 years and 1; each sample is from just before the
/// change event is dispatched to the mutation that shows the new total.
async fn change_to_total(page: &Page) -> Vec<f64> {
    let script = format!(
        r#"
        const [samples, warmup, done] = arguments;
        const summary = document.getElementById('summary');
        const total = () => document.querySelector('{total}').textContent;
        const term = (y) => document.querySelector('{years}'.replace('N', y) + ' input');
        const times = [];
        let i = 0;
        function step() {{
          if (i >= samples + warmup) {{ done(times); return; }}
          const before = total();
          const input = term(i % 2 === 0 ? 3 : 1);
          let t0 = 0, settled = false;
          const observer = new MutationObserver(() => {{
            if (settled || total() === before) return;
            const t1 = performance.now();
            settled = true;
            observer.disconnect();
            if (i >= warmup) times.push(t1 - t0);
            i++;
            setTimeout(step, 0);
          }});
          observer.observe(summary, {{ subtree: true, childList: true, characterData: true }});
          t0 = performance.now();
          input.checked = true;
          input.dispatchEvent(new Event('change', {{ bubbles: true }}));
          setTimeout(() => {{ if (!settled) done({{ error: `change ${{i}} did not change the total` }}); }}, 2000);
        }}
        step();
        "#,
        total = testid("total"),
        years = testid("years-N"),
    );
    let result = page
        .client
        .execute_async(&script, vec![SAMPLES.into(), WARMUP.into()])
        .await
        .expect("the change benchmark runs");
    let mut times: Vec<f64> = match result {
        Value::Array(times) => times.iter().filter_map(Value::as_f64).collect(),
        other => panic!("the change benchmark failed: {other}"),
    };
    assert_eq!(times.len(), SAMPLES, "every sample was measured");
    times.sort_by(f64::total_cmp);
    times
}

/// The cross-check: one timer around a loop of changes, each awaiting its new
/// total (microtasks first, then tasks); the mean per change includes the
/// loop's own waiting.
async fn timed_loop(page: &Page) -> f64 {
    let script = format!(
        r#"
        const [changes, done] = arguments;
        const total = () => document.querySelector('{total}').textContent;
        const term = (y) => document.querySelector('{years}'.replace('N', y) + ' input');
        const channel = new MessageChannel();
        const nextTask = () => new Promise((resolve) => {{ channel.port1.onmessage = resolve; channel.port2.postMessage(0); }});
        async function changed(before) {{
          for (let k = 0; k < 100; k++) {{ if (total() !== before) return true; await null; }}
          const give_up = performance.now() + 2000;
          while (total() === before) {{ if (performance.now() > give_up) return false; await nextTask(); }}
          return true;
        }}
        (async () => {{
          const start = performance.now();
          for (let i = 0; i < changes; i++) {{
            const before = total();
            const input = term(i % 2 === 0 ? 3 : 1);
            input.checked = true;
            input.dispatchEvent(new Event('change', {{ bubbles: true }}));
            if (!(await changed(before))) {{ done({{ error: `change ${{i}} did not change the total` }}); return; }}
          }}
          done((performance.now() - start) / changes);
        }})();
        "#,
        total = testid("total"),
        years = testid("years-N"),
    );
    let result = page.client.execute_async(&script, vec![LOOP.into()]).await.expect("the loop runs");
    result.as_f64().unwrap_or_else(|| panic!("the loop failed: {result}"))
}
