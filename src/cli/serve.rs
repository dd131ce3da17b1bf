//! `novi serve`: resolve settings, open the database, say how to get in, and serve until told
//! to stop.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::ServeArgs;
use crate::accounts::{setup, users};
use crate::config::{Config, FileConfig, Overrides};
use crate::db::Db;
use crate::{demo, AppState};

pub fn run(data_dir: PathBuf, config_file: Option<&Path>, args: ServeArgs) -> anyhow::Result<()> {
    let file = FileConfig::load_from(&data_dir, config_file)?;
    let overrides = Overrides {
        listen: args.listen,
        log_format: args.log_format,
        behind_https: args.behind_https,
        trust_forwarded_for: args.trust_forwarded_for,
        trusted_proxy_hops: args.trusted_proxy_hops,
        public_url: args.public_url,
        session_hours: args.session_hours,
        metrics: args.metrics,
        metrics_token: args.metrics_token,
        https: args.https,
        acme_directory: args.acme_directory,
        acme_email: args.acme_email,
        acme_ca_root: args.acme_ca_root,
        https_listen: args.https_listen,
        http_listen: args.http_listen,
    };
    let config = Config::resolve(data_dir, overrides, file)?;
    crate::db::settle::tune_allocators();
    // Held until the server stops, so `novi restore` can refuse to run under it.
    let _lock = crate::backup::DirLock::for_server(&config.data_dir)?;
    // The demo checks the directory before logging starts, so that a refusal is the only line
    // printed; the server then goes on with the same database (opened twice, the first pool's
    // threads and a connection stayed for as long as the server ran).
    let opened = if args.demo {
        let db = Db::open(&config.data_dir)?;
        demo::refuse_real_shops(&db)?;
        Some(db)
    } else {
        None
    };
    crate::telemetry::init(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(crate::db::settle::collect_if_asked)
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config, opened, args.demo))
}

async fn serve(config: Config, opened: Option<Db>, demo: bool) -> anyhow::Result<()> {
    // Bound before the database is opened, so an address in use is the only line printed
    // (not the migrations' log lines and then the refusal).
    let plain = match &config.https {
        Some(_) => None,
        None => Some(
            tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?,
        ),
    };
    let db = match opened {
        Some(db) => db,
        None => Db::open(&config.data_dir)?,
    };
    let demo_created = if demo {
        Some(demo::ensure_demo(&db)?)
    } else {
        None
    };
    let state = AppState::new(db.clone(), config.clone())?;
    let shutdown = shutdown_signal()?;
    if let Some(https) = &config.https {
        let listener = super::https::start(https, &config.data_dir, &state).await?;
        announce(
            &config,
            &db,
            &config.base_url(https.https_listen),
            demo_created,
        )?;
        // A banner that cannot be written (stdout closed) is no reason not to serve.
        let _ = outln!(
            "Plain HTTP on {} redirects to HTTPS; the certificate for {} comes from {}",
            https.http_listen,
            https.domain,
            https.acme_directory
        );
        start_backups(&config);
        let _ = outln!("Press Ctrl-C to stop.");
        crate::serve(listener, state, shutdown).await?;
    } else if let Some(listener) = plain {
        let bound = listener
            .local_addr()
            .context("cannot read the listening address")?;
        announce(&config, &db, &config.base_url(bound), demo_created)?;
        start_backups(&config);
        let _ = outln!("Press Ctrl-C to stop.");
        crate::serve(listener, state, shutdown).await?;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Says where Novi is and how to get in: the demo login, the first-run setup link, or the login page.
fn announce(
    config: &Config,
    db: &Db,
    base: &str,
    demo_created: Option<bool>,
) -> anyhow::Result<()> {
    let _ = outln!(
        "Novi is running at {base}/ (data in {})",
        config.data_dir.display()
    );
    if let Some(created) = demo_created {
        let how = if created { "created" } else { "reusing" };
        let _ = outln!(
            "Demo shop ({how}): log in at {base}/login as \"{}\" with password \"{}\"",
            demo::DEMO_USERNAME,
            demo::DEMO_PASSWORD
        );
    } else if db.with_conn(users::count)? == 0 {
        let token = db.with_tx(|tx| setup::issue(tx))?;
        let _ =
            outln!("No one can log in yet. Open this link to create your shop and owner account");
        let _ = outln!("(it works once, and a new one is printed at each start until it is used):");
        let _ = outln!("  {base}/setup/{token}");
    } else {
        let _ = outln!("Log in at {base}/login");
    }
    Ok(())
}

fn start_backups(config: &Config) {
    if let Some(at) = config.backup_time {
        let (daily, weekly) = (config.backup_keep_daily, config.backup_keep_weekly);
        let dir = config.data_dir.clone();
        tokio::spawn(crate::backup::schedule::daily(dir, at, daily, weekly));
    }
}

/// Listens for Ctrl-C and SIGTERM (what systemd sends) now, and returns a future that resolves
/// on either. Registering before the server says it is up means a signal sent right after
/// start still shuts down gracefully instead of killing the process.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing requests in flight");
    })
}
