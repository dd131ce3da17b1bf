//! Novi: WhatsApp commerce for small shops, in one binary. `app` builds the HTTP service and
//! `serve` runs it on a listener; the `novi` binary and the tests both go through these.

pub mod accounts;
pub mod api;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod customers;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod orders;
pub mod telemetry;
pub mod web;

mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use auth::ratelimit::LoginLimiter;
use config::Config;
use db::businesses::{self, Business};
use db::Db;
use error::AppResult;

pub use routes::app;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub limiter: LoginLimiter,
    /// Businesses by short code: read on every page, changed rarely.
    businesses: moka::sync::Cache<String, Business>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        let limiter = LoginLimiter::new(
            config.login_failures_per_account,
            config.login_failures_per_address,
            Duration::from_secs(u64::from(config.login_window_minutes) * 60),
        );
        Self {
            db,
            config: Arc::new(config),
            limiter,
            businesses: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(300))
                .build(),
        }
    }

    pub async fn business_by_code(&self, code: &str) -> AppResult<Option<Business>> {
        if let Some(b) = self.businesses.get(code) {
            return Ok(Some(b));
        }
        let owned = code.to_owned();
        let found = self
            .db
            .read(move |c| businesses::by_code(c, &owned))
            .await?;
        if let Some(b) = &found {
            self.businesses.insert(b.short_code.clone(), b.clone());
        }
        Ok(found)
    }

    /// Call after changing a business so pages stop showing the old profile.
    pub fn forget_business(&self, code: &str) {
        self.businesses.invalidate(code);
    }
}

/// Serves `app(state)` on `listener` until `shutdown` resolves, then lets requests in flight
/// finish. Returns once the server has stopped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}
