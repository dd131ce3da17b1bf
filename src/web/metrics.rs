//! `/metrics` for Prometheus: who may read it (its bearer token, or without one this machine
//! only), the levels read at scrape time, and the latency every request adds by route template.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::Config;
use crate::db::DB_FILE;
use crate::error::AppResult;
use crate::orders::store as order_store;
use crate::telemetry::metrics::{self, Levels, Metrics, CONTENT_TYPE};
use crate::whatsapp::{outbox, store as message_store};
use crate::{secret, AppState};

/// Orders are reported for this window: counting a whole book at every scrape would not be
/// bounded.
const ORDERS_WINDOW_SECS: i64 = 24 * 3600;

pub async fn scrape(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> AppResult<Response> {
    if !allowed(&state.config, peer, &headers) {
        let refused = (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "/metrics needs its bearer token (metrics_token), or a client on this machine\n",
        );
        return Ok(refused.into_response());
    }
    let levels = levels(&state).await?;
    let body = state.bridge.metrics.render(&levels);
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response())
}

/// With a token set, its bearer may read from anywhere and nobody else may. Without one, only
/// a client on this machine that came through no proxy: a proxy on the same machine would
/// otherwise make every client look local.
fn allowed(config: &Config, peer: SocketAddr, headers: &HeaderMap) -> bool {
    if let Some(token) = &config.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        return given.is_some_and(|g| secret::equal(g.trim(), token));
    }
    let proxied = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    !proxied && peer.ip().to_canonical().is_loopback()
}

/// Backlogs and recent orders from their indexes, file sizes, resident memory.
pub async fn levels(state: &AppState) -> AppResult<Levels> {
    let since = crate::db::now() - ORDERS_WINDOW_SECS;
    let (inbound, outbound, orders) = state
        .db
        .read(move |c| {
            Ok((
                message_store::inbound_backlog(c)?,
                outbox::backlog(c)?,
                order_store::channels_since(c, since)?,
            ))
        })
        .await?;
    let size =
        |name: String| std::fs::metadata(state.config.data_dir.join(name)).map_or(0, |m| m.len());
    Ok(Levels {
        inbound_backlog: inbound,
        outbound_backlog: outbound,
        orders_by_channel: orders,
        database_bytes: size(DB_FILE.to_owned()),
        wal_bytes: size(format!("{DB_FILE}-wal")),
        resident_bytes: metrics::resident_bytes(),
    })
}

/// Times each request by its route template (`/b/{code}/orders`); a URL no route matched is
/// `unmatched`, so scanners cannot grow the label set.
pub async fn track(State(metrics): State<Metrics>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let started = Instant::now();
    let response = next.run(req).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    metrics.request(method.as_str(), route, started.elapsed().as_secs_f64());
    if response.status().is_server_error() {
        metrics.server_error();
    }
    response
}
