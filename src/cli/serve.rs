//! `novi serve`: resolve settings, open the database, say how to get in, and serve until told
//! to stop.

use std::path::PathBuf;

use anyhow::Context;

use super::ServeArgs;
use crate::config::{Config, FileConfig, Overrides};
use crate::db::{setup, users, Db};
use crate::{accounts, AppState};

pub fn run(data_dir: PathBuf, args: ServeArgs) -> anyhow::Result<()> {
    let file = FileConfig::load(&data_dir)?;
    let overrides = Overrides {
        listen: args.listen,
        log_format: args.log_format,
        behind_https: args.behind_https,
        trust_forwarded_for: args.trust_forwarded_for,
        public_url: args.public_url,
        session_hours: args.session_hours,
    };
    let config = Config::resolve(data_dir, overrides, file)?;
    crate::telemetry::init(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config, args.demo))
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let db = Db::open(&config.data_dir)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let bound = listener
        .local_addr()
        .context("cannot read the listening address")?;
    let base = config.base_url(bound);
    println!(
        "Novi is running at {base}/ (data in {})",
        config.data_dir.display()
    );
    if demo {
        let created = accounts::ensure_demo(&db)?;
        let how = if created { "created" } else { "reusing" };
        println!(
            "Demo shop ({how}): log in at {base}/login as \"{}\" with password \"{}\"",
            accounts::DEMO_USERNAME,
            accounts::DEMO_PASSWORD
        );
    } else if db.with_conn(users::count)? == 0 {
        let token = db.with_tx(|tx| setup::issue(tx))?;
        println!("No one can log in yet. Open this link to create your shop and owner account");
        println!("(it works once, and a new one is printed at each start until it is used):");
        println!("  {base}/setup/{token}");
    } else {
        println!("Log in at {base}/login");
    }
    println!("Press Ctrl-C to stop.");
    let state = AppState::new(db, config);
    crate::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM (what systemd and `docker stop` send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
