//! Logging in and out. Failed attempts are counted per account and per client address, and
//! past the limit even the right password is refused until the window has passed.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{bare, csrf_field, error_box, field};
use super::{client_addr, cookie, safe_next};
use crate::accounts::password;
use crate::accounts::{businesses, sessions, users};
use crate::audit;
use crate::db::blocking;
use crate::error::AppResult;
use crate::web::csrf::CsrfToken;
use crate::AppState;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
    /// Set when a login was posted from a page whose form had expired (`csrf`).
    #[serde(default)]
    expired: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

fn form(csrf: &str, username: &str, next: &str, error: Option<&str>) -> Markup {
    bare(
        "Log in",
        html! {
            (error_box(error))
            form method="post" action="/login" {
                (csrf_field(csrf))
                input type="hidden" name="next" value=(next);
                (field("Username", "username", "text", username, true))
                (field("Password", "password", "password", "", true))
                button type="submit" { "Log in" }
            }
        },
    )
}

pub async fn show(Extension(csrf): Extension<CsrfToken>, Query(q): Query<Next>) -> Markup {
    let expired = q
        .expired
        .is_some()
        .then_some("That login page had expired, so nothing was sent. Please log in again.");
    form(&csrf.0, "", &safe_next(q.next.as_deref()), expired)
}

/// What a login attempt came to.
enum Outcome {
    LoggedIn(String),
    WrongPassword,
    Disabled,
    Deactivated,
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let addr = client_addr(&state.config, peer, &headers);
    let next = safe_next(f.next.as_deref());
    let username = f.username.trim().to_owned();
    if state.limiter.is_limited(&username, addr) {
        let msg = format!(
            "Too many failed logins. Wait {} and try again.",
            crate::domain::plural::count(state.limiter.window_minutes(), "minute", "minutes")
        );
        let page = form(&csrf.0, &username, &next, Some(&msg));
        return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
    }
    // Counted before the (slow) password check, so guesses sent all at once are counted too.
    state.limiter.record_failure(&username, addr);
    let ttl = state.config.session_secs();
    let db = state.db.clone();
    let who = audit::Actor::new(username.clone(), addr);
    let outcome = blocking(move || check(&db, &who, &f.password, ttl)).await?;
    let message = match outcome {
        Outcome::LoggedIn(token) => {
            state.limiter.record_success(&username, addr);
            let c = session_cookie(&state, &token, ttl);
            return Ok(([(header::SET_COOKIE, c)], Redirect::to(&next)).into_response());
        }
        Outcome::WrongPassword => "Wrong username or password.",
        Outcome::Disabled => "This account has been disabled. Ask the shop's owner to enable it.",
        Outcome::Deactivated => {
            "This shop has been deactivated, so nobody can log in to it. Its data is kept; \
             ask the platform admin to reactivate it."
        }
    };
    let page = form(&csrf.0, &username, &next, Some(message));
    Ok((StatusCode::UNAUTHORIZED, page).into_response())
}

/// Checks the password (slow, on purpose) and starts a session when it is right. Every
/// attempt goes in the audit log, with the name tried and the address it came from.
fn check(db: &crate::db::Db, who: &audit::Actor, pass: &str, ttl: i64) -> AppResult<Outcome> {
    let Some(creds) = db.with_conn(|c| users::credentials(c, &who.username))? else {
        password::verify_dummy(pass);
        return refused(
            db,
            who,
            None,
            "wrong username or password",
            Outcome::WrongPassword,
        );
    };
    let user = creds.user;
    if !password::verify(pass, &creds.password_hash) {
        let why = "wrong password";
        return refused(db, who, user.business_id, why, Outcome::WrongPassword);
    }
    if user.disabled {
        let why = "account disabled";
        return refused(db, who, user.business_id, why, Outcome::Disabled);
    }
    if let Some(b) = user.business_id {
        if !db.with_conn(|c| businesses::is_active(c, b))? {
            return refused(
                db,
                who,
                Some(b),
                "business deactivated",
                Outcome::Deactivated,
            );
        }
    }
    let token = db.with_tx(|tx| {
        audit::record(tx, who, user.business_id, audit::LOGIN, "")?;
        sessions::create(tx, user.id, ttl)
    })?;
    Ok(Outcome::LoggedIn(token))
}

/// Records a refused login and passes its outcome on.
fn refused(
    db: &crate::db::Db,
    who: &audit::Actor,
    business_id: Option<i64>,
    why: &str,
    outcome: Outcome,
) -> AppResult<Outcome> {
    db.with_tx(|tx| audit::record(tx, who, business_id, audit::LOGIN_FAILED, why))?;
    Ok(outcome)
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let name = cookie::session_name(state.config.behind_https);
    if let Some(token) = cookie::get(&headers, name) {
        state
            .db
            .write(move |tx| sessions::delete(tx, &token))
            .await?;
    }
    let expired = session_cookie(&state, "", 0);
    Ok(([(header::SET_COOKIE, expired)], Redirect::to("/login")).into_response())
}

/// The session cookie's `Set-Cookie` value; a `max_age` of 0 deletes it.
pub fn session_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    cookie::build(
        cookie::session_name(state.config.behind_https),
        value,
        Some(max_age),
        state.config.behind_https,
        "Lax",
    )
}
