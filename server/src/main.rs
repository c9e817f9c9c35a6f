//! Starts the server with settings from the environment (see README.md).

use server::telemetry::logs::{self, LogFormat};
use server::{Application, Settings};
use std::process::ExitCode;

// glibc's allocator shares its arenas between threads behind a lock, which
// the async workers were found waiting on under load (docs/performance.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            // Before the subscriber: the log format may be the setting at fault.
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    logs::init(settings.log_format);
    match serve(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let host = settings.host.clone();
    let format = settings.log_format;
    let app = Application::build(settings).await?;
    let url = format!("http://{host}:{}", app.port());
    match format {
        // Scripts (and the crash tests) read the address from this line.
        LogFormat::Text => println!("E-Sign purchase system listening on {url}"),
        // Every line of stdout is a JSON object for the collector.
        LogFormat::Json => tracing::info!(url, "E-Sign purchase system listening"),
    }
    if let Some(port) = app.metrics_port() {
        tracing::info!(port, "metrics served at GET /metrics");
    }
    app.run_until_stopped().await?;
    Ok(())
}
