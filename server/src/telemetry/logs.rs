//! The log subscriber: `RUST_LOG`'s filter (default `info`), lines for a
//! person or one JSON object per line for a collector (`ESIGN_LOG_FORMAT`).

use std::io::IsTerminal;
use std::str::FromStr;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Lines for a person, coloured only on a terminal.
    #[default]
    Text,
    /// One JSON object per line, its fields and span fields as keys.
    Json,
}

impl FromStr for LogFormat {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, ()> {
        match value {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(()),
        }
    }
}

/// Installs the process's subscriber, writing to stdout, beside the
/// database's statement counter (`db::stats`, its own filter: `RUST_LOG`
/// filters only the lines).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt::layer();
    let logs = match format {
        // A file or a pipe would keep the escape codes as noise.
        LogFormat::Text => logs.with_ansi(std::io::stdout().is_terminal()).boxed(),
        LogFormat::Json => logs.json().with_current_span(true).with_span_list(false).boxed(),
    };
    tracing_subscriber::registry().with(logs.with_filter(filter)).init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_format_is_text_or_json_and_nothing_else() {
        assert_eq!("text".parse(), Ok(LogFormat::Text));
        assert_eq!("json".parse(), Ok(LogFormat::Json));
        for refused in ["", "JSON", "pretty", " json"] {
            assert_eq!(refused.parse::<LogFormat>(), Err(()), "{refused:?} is refused");
        }
    }
}
