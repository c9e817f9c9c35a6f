//! Starts the server with settings from the environment (see README.md).

use server::{Application, Settings};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::from_env()?;
    let host = settings.host.clone();
    let app = Application::build(settings).await?;
    println!("E-Sign purchase system listening on http://{host}:{}", app.port());
    app.run_until_stopped().await?;
    Ok(())
}
