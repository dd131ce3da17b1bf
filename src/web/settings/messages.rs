//! Settings → Messages: the wording of every message Novi sends, with its placeholders, and
//! whether orders taken in a WhatsApp chat start confirmed. Owners only.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::settings_page;
use crate::accounts::businesses;
use crate::conversation::templates::{self, ALL};
use crate::error::{AppError, AppResult};
use crate::web::extract::ShopPage;
use crate::web::layout::csrf_field;
use crate::AppState;

#[derive(Deserialize)]
pub struct Done {
    saved: Option<String>,
}

fn render(
    shop: &ShopPage,
    bodies: &[(String, String)],
    error: Option<&str>,
    saved: bool,
) -> Markup {
    let body = html! {
        form.stack.wide method="post" action=(shop.url("/settings/messages")) {
            (csrf_field(&shop.csrf))
            label.check {
                input type="checkbox" name="auto_confirm" value="on" checked[shop.business.auto_confirm];
                span { "Confirm orders taken in WhatsApp chats at once (skip the Pending step)" }
            }
            p.muted { "Words in braces are filled in when a message is sent. Clear a message to go back to Novi's wording." }
            @for (t, (key, body)) in ALL.iter().zip(bodies) {
                label {
                    span { (t.purpose) }
                    textarea name={ "t_" (key) } rows="3" { (body) }
                    @if !t.placeholders.is_empty() {
                        small.muted { "Can use: " @for (i, p) in t.placeholders.iter().enumerate() { @if i > 0 { ", " } code { "{" (p) "}" } } }
                    }
                }
            }
            button type="submit" { "Save" }
        }
    };
    settings_page(
        shop,
        "/settings/messages",
        "Messages",
        saved.then_some("Saved."),
        error,
        body,
    )
}

async fn current(state: &AppState, shop: &ShopPage) -> AppResult<Vec<(String, String)>> {
    let id = shop.business.id;
    state
        .db
        .read(move |c| {
            ALL.iter()
                .map(|t| Ok((t.key.to_owned(), templates::body(c, id, t.key)?)))
                .collect()
        })
        .await
}

pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(d): Query<Done>,
) -> AppResult<Markup> {
    shop.require_settings()?;
    let bodies = current(&state, &shop).await?;
    Ok(render(&shop, &bodies, None, d.saved.is_some()))
}

pub async fn save(
    State(state): State<AppState>,
    shop: ShopPage,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    shop.require_settings()?;
    let auto_confirm = pairs.iter().any(|(k, v)| k == "auto_confirm" && v == "on");
    let posted: Vec<(String, String)> = ALL
        .iter()
        .map(|t| {
            let body = pairs
                .iter()
                .find(|(k, _)| k == &format!("t_{}", t.key))
                .map(|(_, v)| v.clone());
            (t.key.to_owned(), body.unwrap_or_default())
        })
        .collect();
    let id = shop.business.id;
    let to_save = posted.clone();
    let result = state
        .db
        .write(move |tx| {
            businesses::set_auto_confirm(tx, id, auto_confirm)?;
            to_save
                .iter()
                .try_for_each(|(key, body)| templates::save(tx, id, key, body))
        })
        .await;
    match result {
        Ok(()) => {
            state.forget_business(&shop.business.short_code);
            Ok(Redirect::to(&shop.url("/settings/messages?saved=1")).into_response())
        }
        Err(AppError::Invalid(m)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&shop, &posted, Some(&m), false),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}
