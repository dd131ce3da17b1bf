//! A one-time link for one person to choose a password: the first owner of a business made in
//! the platform console, or anyone whose password the platform admin reset. The link is
//! `/setup/{token}` like the install's first-run link; the form posts to `/setup/{token}/password`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;

use super::audit::Address;
use super::layout::{bare, csrf_field, error_box, field};
use crate::accounts::console::choose_password;
use crate::accounts::users;
use crate::db::blocking;
use crate::error::AppResult;
use crate::web::csrf::CsrfToken;
use crate::AppState;

#[derive(Deserialize)]
pub struct PasswordFields {
    #[serde(rename = "new_password")]
    password: String,
    password_again: String,
}

/// The form for `username`.
pub fn form(csrf: &str, token: &str, username: &str, error: Option<&str>) -> Markup {
    bare(
        "Choose your password",
        html! {
            p { "Choose the password you will log in with as " strong { (username) } "." }
            (error_box(error))
            form method="post" action={ "/setup/" (token) "/password" } {
                (csrf_field(csrf))
                input type="hidden" name="username" value=(username) autocomplete="username";
                (field("Password (at least 8 characters)", "new_password", "password", "", true))
                (field("Password again", "password_again", "password", "", true))
                button type="submit" { "Save password" }
            }
        },
    )
}

/// The username a user's open link is for, if it is one.
pub async fn username_for(state: &AppState, token: &str) -> AppResult<Option<String>> {
    let t = token.to_owned();
    state
        .db
        .read(move |c| {
            let Some(crate::accounts::setup::Link::User(id)) =
                crate::accounts::setup::open_link(c, &t)?
            else {
                return Ok(None);
            };
            Ok(users::by_id(c, id)?.map(|u| u.username))
        })
        .await
}

pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfToken>,
    addr: Address,
    Form(f): Form<PasswordFields>,
) -> AppResult<Response> {
    let Some(username) = username_for(&state, &token).await? else {
        return Ok(super::setup::used_link());
    };
    if f.password != f.password_again {
        let page = form(
            &csrf.0,
            &token,
            &username,
            Some("The two passwords differ."),
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let (db, t) = (state.db.clone(), token.clone());
    let chosen = blocking(move || choose_password(&db, &addr.0, &t, &f.password)).await;
    match chosen {
        Ok(Some(_)) => Ok(Redirect::to("/login").into_response()),
        Ok(None) => Ok(super::setup::used_link()),
        Err(e) => {
            let refused = e.into_refusal()?;
            let page = form(&csrf.0, &token, &username, Some(&refused));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
