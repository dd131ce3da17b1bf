//! The audit log in the browser: an owner's page of their business's entries (linked from
//! More), the platform admin's page of everyone's; and `Who`, the acting user and the address
//! they came from, for handlers that record an entry.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use maud::{html, Markup};
use serde::Deserialize;

use super::client_addr;
use super::extract::ShopPage;
use super::layout::{page, Nav};
use crate::accounts::{users::User, Role};
use crate::audit::{self, Actor, Entry};
use crate::error::{AppError, AppResult};
use crate::AppState;

/// Entries on one page.
const PER_PAGE: i64 = 50;

/// The client's address as the login limiter sees it (`X-Forwarded-For` only when trusted).
pub struct Address(pub String);

impl FromRequestParts<AppState> for Address {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| client_addr(&state.config, c.0, &parts.headers).to_string())
            .unwrap_or_default();
        Ok(Address(addr))
    }
}

/// Who acts: the logged-in user, from that address.
pub fn actor(user: &User, addr: &Address) -> Actor {
    Actor::new(user.username.clone(), &addr.0)
}

/// Records an entry for something done in `shop`'s pages, by its user from their address.
pub async fn note(
    state: &AppState,
    shop: &ShopPage,
    action: &'static str,
    detail: String,
) -> AppResult<()> {
    let who = Actor::new(shop.user.username.clone(), &shop.address);
    let id = shop.business.id;
    state
        .db
        .write(move |tx| audit::record(tx, &who, Some(id), action, &detail))
        .await
}

#[derive(Deserialize, Default)]
pub struct Paging {
    pub before: Option<i64>,
}

/// The entries as a list that reads as cards on a phone; `codes` names each entry's business.
pub fn entries(
    rows: &[Entry],
    code: impl Fn(Option<i64>) -> String,
    next: Option<String>,
) -> Markup {
    html! {
        @if rows.is_empty() { p.empty { "Nothing recorded yet." } }
        @else {
            table.stacked.audit {
                thead { tr { th { "When (UTC)" } th { "Who" } th { "From" } th { "Business" } th { "What" } th { "Detail" } } }
                tbody {
                    @for e in rows {
                        tr {
                            td data-label="When (UTC)" { (utc(e.at)) }
                            td data-label="Who" { (e.username) }
                            td data-label="From" { (e.address) }
                            td data-label="Business" { (code(e.business_id)) }
                            td data-label="What" { (e.action) }
                            td data-label="Detail" { (e.detail) }
                        }
                    }
                }
            }
        }
        @if let Some(href) = next { p.pager { a href=(href) { "Older entries" } } }
    }
}

/// A stored time as UTC, as the console shows every time (businesses keep different clocks).
pub fn utc(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%d %b %Y, %H:%M").to_string())
        .unwrap_or_default()
}

/// The link to the page after `rows`, when it was full.
pub fn next_link(base: &str, rows: &[Entry]) -> Option<String> {
    let last = rows.last().filter(|_| rows.len() as i64 == PER_PAGE)?;
    Some(format!("{base}?before={}", last.id))
}

pub async fn read(
    state: &AppState,
    business_id: Option<i64>,
    before: Option<i64>,
) -> AppResult<Vec<Entry>> {
    state
        .db
        .read(move |c| audit::list(c, business_id, before, PER_PAGE))
        .await
}

/// `/b/{code}/audit`: the business's entries, for its owners (and platform admins).
pub async fn owner_page(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(q): Query<Paging>,
) -> AppResult<Markup> {
    if shop.role != Role::Owner {
        return Err(AppError::Forbidden);
    }
    let rows = read(&state, Some(shop.business.id), q.before).await?;
    let code = shop.business.short_code.clone();
    let next = next_link(&shop.url("/audit"), &rows);
    let body = html! {
        p.muted { "Logins, settings, WhatsApp, staff and exports in this shop, newest first. Secrets are never shown." }
        (entries(&rows, |_| code.clone(), next))
    };
    Ok(page(&shop, Nav::More, "Audit log", body))
}
