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
use crate::whatsapp::settings::WhatsappSettings;
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

/// What changed in WhatsApp settings, in words: plain fields with their values, secrets only
/// by name.
pub fn whatsapp_changes(old: &WhatsappSettings, new: &WhatsappSettings) -> String {
    let rate = (
        old.rate_per_second.to_string(),
        new.rate_per_second.to_string(),
    );
    let id = |c: &WhatsappSettings| c.phone_number_id.clone().unwrap_or_default();
    let (old_id, new_id) = (id(old), id(new));
    let mut parts = vec![audit::changes(&[
        ("provider", old.provider.as_str(), new.provider.as_str()),
        ("phone number id", &old_id, &new_id),
        ("graph base", &old.graph_base, &new.graph_base),
        ("gateway url", &old.gateway_url, &new.gateway_url),
        ("session", &old.session, &new.session),
        ("template", &old.template_name, &new.template_name),
        (
            "template language",
            &old.template_language,
            &new.template_language,
        ),
        ("messages a second", &rate.0, &rate.1),
    ])];
    let secrets = [
        ("verify token", &old.verify_token, &new.verify_token),
        ("app secret", &old.app_secret, &new.app_secret),
        ("access token", &old.access_token, &new.access_token),
        ("api key", &old.api_key, &new.api_key),
        ("hmac key", &old.hmac_key, &new.hmac_key),
    ];
    for (name, a, b) in secrets {
        if a != b {
            parts.push(format!("{name}: {}", audit::SECRET_CHANGED));
        }
    }
    parts.retain(|p| !p.is_empty());
    if parts.is_empty() {
        "saved, nothing changed".to_owned()
    } else {
        parts.join("; ")
    }
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
