//! Log setup: human-readable or JSON lines on standard error, filtered by `RUST_LOG`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn"));
    // Colours only for a person at a terminal: under systemd the journal (or a file the log is
    // sent to) kept every escape code as text around each field.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    // A second init (tests start several servers in one process) is harmless, so its error is ignored.
    let _ = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Marks a response as routine and frequent (a webhook stored): its request is logged at
/// `debug`, not `info`. A flood of webhooks wrote a line each, thousands a second, and a
/// journal limits how many lines a service may write in a burst, dropping the ones that matter
/// with the rest; `/metrics` counts the webhooks. Refusals and errors are logged as before.
#[derive(Debug, Clone, Copy)]
pub struct Routine;

pub mod metrics;
pub mod recent;
