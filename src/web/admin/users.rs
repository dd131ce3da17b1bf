//! Console → Users: people across every business, found by username or business code;
//! disabled, enabled, or given a password reset (a one-time link, shown once).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;

use super::{console, require_admin};
use crate::accounts::console as ops;
use crate::accounts::users::{self, Listed, User};
use crate::db::blocking;
use crate::error::{AppError, AppResult};
use crate::web::audit::{actor, Address};
use crate::web::csrf::CsrfToken;
use crate::web::extract::CurrentUser;
use crate::web::layout::{csrf_field, error_box};
use crate::web::settings::golive::origin;
use crate::AppState;

const HERE: &str = "/admin/users";
/// The most users one search shows; a narrower search finds the rest.
const SHOWN: i64 = 200;

#[derive(Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    q: String,
    /// A refusal to show above the list (a redirect after a refused change).
    error: Option<String>,
}

fn row(csrf: &str, l: &Listed) -> Markup {
    let u = &l.user;
    let url = format!("{HERE}/{}", u.id);
    html! {
        tr {
            td data-label="User" { strong { (u.username) } }
            td data-label="Business" { (l.business_code.as_deref().unwrap_or("—")) }
            td data-label="Role" { (u.role.map_or("platform admin", |r| r.as_str())) }
            td data-label="State" {
                @if u.disabled { span.badge.off { "disabled" } } @else { span.badge { "active" } }
            }
            td.actions data-label="Actions" {
                form.inline method="post" action={ (url) (if u.disabled { "/enable" } else { "/disable" }) } {
                    (csrf_field(csrf))
                    button.small.secondary type="submit" aria-label={ (if u.disabled { "Enable " } else { "Disable " }) (u.username) } {
                        (if u.disabled { "Enable" } else { "Disable" })
                    }
                }
                form.inline method="post" action={ (url) "/reset" } {
                    (csrf_field(csrf))
                    button.small.secondary type="submit" aria-label={ "Reset the password of " (u.username) } { "Reset password" }
                }
            }
        }
    }
}

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    Query(s): Query<Search>,
) -> AppResult<Markup> {
    require_admin(&user)?;
    let q = s.q.clone();
    let found = state.db.read(move |c| users::search(c, &q, SHOWN)).await?;
    let body = html! {
        form.filters method="get" action=(HERE) role="search" {
            label.grow { span { "Username or business code" } input type="search" name="q" value=(s.q); }
            button type="submit" { "Search" }
        }
        (error_box(s.error.as_deref()))
        @if found.is_empty() { p.empty { "No one matches." } }
        @else {
            table.stacked.users {
                thead { tr { th { "User" } th { "Business" } th { "Role" } th { "State" } th { "Actions" } } }
                tbody { @for l in &found { (row(&csrf.0, l)) } }
            }
            @if found.len() as i64 == SHOWN { p.muted { "The first " (SHOWN) " shown; search to narrow." } }
        }
    };
    Ok(console(HERE, "Users", &user, &csrf.0, body))
}

async fn set_disabled(
    state: AppState,
    user: User,
    addr: Address,
    id: i64,
    disabled: bool,
) -> AppResult<Response> {
    require_admin(&user)?;
    let (db, who) = (state.db.clone(), actor(&user, &addr));
    let done = blocking(move || ops::set_user_disabled(&db, &who, id, disabled)).await;
    match done.map_err(AppError::into_refusal) {
        Ok(u) => Ok(Redirect::to(&format!("{HERE}?q={}", encode(&u.username))).into_response()),
        Err(Ok(m)) => Ok(Redirect::to(&format!("{HERE}?error={}", encode(&m))).into_response()),
        Err(Err(e)) => Err(e),
    }
}

fn encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|p| p.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

pub async fn disable(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    addr: Address,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    set_disabled(state, user, addr, id, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    addr: Address,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    set_disabled(state, user, addr, id, false).await
}

/// Resets the password: the old one stops working, and the link is shown this once.
pub async fn reset(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    addr: Address,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    require_admin(&user)?;
    let (db, who) = (state.db.clone(), actor(&user, &addr));
    let (target, token) = blocking(move || ops::reset_password(&db, &who, id)).await?;
    let link = format!("{}/setup/{token}", origin(&state, &headers));
    let body = html! {
        p.notice role="status" { "The password of " strong { (target.username) } " was reset; their sessions have ended." }
        p { "Send them this one-time link to choose a new password. It works once, for 7 days, and is not shown again:" }
        p { code #setup-link { (link) } }
        p { a href=(HERE) { "Back to users" } }
    };
    Ok((
        StatusCode::OK,
        console(HERE, "Password reset", &user, &csrf.0, body),
    )
        .into_response())
}
