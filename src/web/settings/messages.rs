//! Settings → Messages: the wording of every message Novi sends, with its placeholders, and
//! whether orders taken in a WhatsApp chat start confirmed, and how much of one product a chat
//! order may take before a person must confirm it. Owners only.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::settings_page;
use crate::accounts::businesses;
use crate::conversation::templates::{self, ALL};
use crate::domain::{format_amount, parse_amount, Unit};
use crate::error::{AppError, AppResult};
use crate::web::extract::ShopPage;
use crate::web::layout::csrf_field;
use crate::AppState;

#[derive(Deserialize)]
pub struct Done {
    saved: Option<String>,
}

/// The chat limits as typed ("25 kg", "250"), kept to show again beside an error.
struct Limits {
    weight: String,
    pieces: String,
}

impl Limits {
    fn of(shop: &ShopPage) -> Self {
        let b = &shop.business;
        let grams = u64::try_from(b.chat_max_grams).unwrap_or(0);
        let pieces = u64::try_from(b.chat_max_pieces).unwrap_or(0);
        Limits {
            weight: format_amount(Unit::Kg, grams),
            pieces: pieces.to_string(),
        }
    }

    /// What was posted; a field the form did not send keeps its current value.
    fn posted(shop: &ShopPage, pairs: &[(String, String)]) -> Self {
        let now = Limits::of(shop);
        let get = |key: &str, current: String| {
            let found = pairs.iter().find(|(k, _)| k == key);
            found.map_or(current, |(_, v)| v.clone())
        };
        Limits {
            weight: get("chat_max_weight", now.weight),
            pieces: get("chat_max_pieces", now.pieces),
        }
    }

    /// (grams, pieces), each more than zero, or what is wrong.
    fn parse(&self) -> Result<(i64, i64), String> {
        let one = |unit, text: &str, what: &str| match parse_amount(unit, text) {
            Ok(0) => Err(format!("{what} must be more than zero")),
            Ok(n) => Ok(n),
            Err(e) => Err(format!("{what}: {e}")),
        };
        let grams = one(Unit::Kg, &self.weight, "Largest weight of one product")?;
        let pieces = one(Unit::Pc, &self.pieces, "Largest count of one product")?;
        Ok((grams, pieces))
    }
}

fn limit_fields(l: &Limits) -> Markup {
    html! {
        fieldset {
            legend { "Large chat orders" }
            p.muted { "A chat order for more of one product than this goes to you as “needs a person” instead of taking the stock." }
            label { span { "Largest weight of one product (e.g. 25 kg)" }
                input type="text" name="chat_max_weight" value=(l.weight) required; }
            label { span { "Largest count of one product (pieces)" }
                input type="text" inputmode="numeric" name="chat_max_pieces" value=(l.pieces) required; }
        }
    }
}

fn render(
    shop: &ShopPage,
    bodies: &[(String, String)],
    limits: &Limits,
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
            (limit_fields(limits))
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
    Ok(render(
        &shop,
        &bodies,
        &Limits::of(&shop),
        None,
        d.saved.is_some(),
    ))
}

pub async fn save(
    State(state): State<AppState>,
    shop: ShopPage,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    shop.require_settings()?;
    let auto_confirm = pairs.iter().any(|(k, v)| k == "auto_confirm" && v == "on");
    let limits = Limits::posted(&shop, &pairs);
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
    let parsed = limits.parse();
    let result = state
        .db
        .write(move |tx| {
            let (grams, pieces) = parsed.map_err(AppError::Invalid)?;
            businesses::set_chat_limits(tx, id, grams, pieces)?;
            businesses::set_auto_confirm(tx, id, auto_confirm)?;
            to_save
                .iter()
                .try_for_each(|(key, body)| templates::save(tx, id, key, body))
        })
        .await;
    match result {
        Ok(()) => {
            state.forget_business(&shop.business.short_code);
            let what = format!(
                "messages saved (auto-confirm {})",
                if auto_confirm { "on" } else { "off" }
            );
            crate::web::audit::note(&state, &shop, crate::audit::SETTINGS, what).await?;
            Ok(Redirect::to(&shop.url("/settings/messages?saved=1")).into_response())
        }
        Err(AppError::Invalid(m)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&shop, &posted, &limits, Some(&m), false),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}
