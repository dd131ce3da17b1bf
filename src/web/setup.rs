//! First run: the one-time setup link printed by `novi serve` on an empty install lets the
//! first owner create their business and account. The link is dead once used.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{bare, csrf_field, error_box, error_page, field};
use crate::accounts::{self, SetupForm};
use crate::accounts::{sessions, setup};
use crate::db::blocking;
use crate::error::{AppError, AppResult};
use crate::web::csrf::CsrfToken;
use crate::AppState;

/// The form as posted. The password field is named `new_password` so browsers offer to
/// generate one rather than fill in a saved one.
#[derive(Deserialize, Default)]
pub struct SetupFields {
    business_name: String,
    short_code: String,
    username: String,
    #[serde(rename = "new_password")]
    password: String,
    password_again: String,
}

fn form(csrf: &str, token: &str, f: &SetupFields, error: Option<&str>) -> Markup {
    bare(
        "Set up your shop",
        html! {
            p { "Create your business and the owner account you will log in with." }
            (error_box(error))
            form method="post" action={ "/setup/" (token) } {
                (csrf_field(csrf))
                (field("Business name", "business_name", "text", &f.business_name, true))
                (field("Short code (used in links, e.g. sweetshop)", "short_code", "text", &f.short_code, true))
                (field("Your username", "username", "text", &f.username, true))
                (field("Password (at least 8 characters)", "new_password", "password", "", true))
                (field("Password again", "password_again", "password", "", true))
                button type="submit" { "Create shop" }
            }
        },
    )
}

pub fn used_link() -> Response {
    let page = error_page(
        "Setup link not valid",
        "This setup link has already been used or is out of date. Log in instead, or restart \
         Novi on an empty data directory for a new link.",
    );
    (StatusCode::NOT_FOUND, page).into_response()
}

pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfToken>,
) -> AppResult<Response> {
    if let Some(username) = super::password_link::username_for(&state, &token).await? {
        return Ok(super::password_link::form(&csrf.0, &token, &username, None).into_response());
    }
    let t = token.clone();
    if !state.db.read(move |c| setup::is_open(c, &t)).await? {
        return Ok(used_link());
    }
    Ok(form(&csrf.0, &token, &SetupFields::default(), None).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfToken>,
    Form(fields): Form<SetupFields>,
) -> AppResult<Response> {
    if fields.password != fields.password_again {
        let page = form(&csrf.0, &token, &fields, Some("The two passwords differ."));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let setup_form = SetupForm {
        business_name: fields.business_name.clone(),
        short_code: fields.short_code.clone(),
        username: fields.username.clone(),
        password: fields.password.clone(),
    };
    let (db, t) = (state.db.clone(), token.clone());
    let created = blocking(move || accounts::complete_setup(&db, &t, &setup_form)).await;
    let user = match created {
        Ok(user) => user,
        Err(AppError::NotFound) => return Ok(used_link()),
        Err(e) => {
            let refused = e.into_refusal()?;
            let page = form(&csrf.0, &token, &fields, Some(&refused));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let ttl = state.config.session_secs();
    let session = state
        .db
        .write(move |tx| sessions::create(tx, user.id, ttl))
        .await?;
    let c = super::login::session_cookie(&state, &session, ttl);
    let home = format!("/b/{}/", accounts::parse_short_code(&fields.short_code)?);
    Ok(([(header::SET_COOKIE, c)], Redirect::to(&home)).into_response())
}
