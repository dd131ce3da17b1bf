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
use crate::web::layout::{csrf_field, field_with_error};
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
        let grams = Self::one(Unit::Kg, &self.weight, "Largest weight of one product")?;
        let pieces = Self::one(Unit::Pc, &self.pieces, "Largest count of one product")?;
        Ok((grams, pieces))
    }

    fn one(unit: Unit, text: &str, what: &str) -> Result<i64, String> {
        match parse_amount(unit, text) {
            Ok(0) => Err(format!("{what} must be more than zero")),
            Ok(n) => Ok(n),
            Err(e) => Err(format!("{what}: {e}")),
        }
    }
}

fn limit_fields(l: &Limits, wrong: &Wrong) -> Markup {
    html! {
        fieldset {
            legend { "Large chat orders" }
            p.muted { "A chat order for more of one product than this goes to you as “needs a person” instead of taking the stock." }
            (field_with_error("Largest weight of one product (e.g. 25 kg)", "chat_max_weight", "text", &l.weight, wrong.get("chat_max_weight").map(String::as_str)))
            (field_with_error("Largest count of one product (pieces)", "chat_max_pieces", "text", &l.pieces, wrong.get("chat_max_pieces").map(String::as_str)))
        }
    }
}

/// What is wrong, by field name (`chat_max_weight`, `chat_max_pieces`, `t_KEY`).
type Wrong = std::collections::BTreeMap<String, String>;

/// Every mistake in the posted form at once: the limits, and each message's wording.
fn problems(limits: &Limits, posted: &[(String, String)]) -> Wrong {
    let mut wrong = Wrong::new();
    if let Err(e) = Limits::one(Unit::Kg, &limits.weight, "Largest weight of one product") {
        wrong.insert("chat_max_weight".into(), e);
    }
    if let Err(e) = Limits::one(Unit::Pc, &limits.pieces, "Largest count of one product") {
        wrong.insert("chat_max_pieces".into(), e);
    }
    for (t, (key, body)) in ALL.iter().zip(posted) {
        if let Some(why) = templates::problem(t, body) {
            wrong.insert(format!("t_{key}"), format!("This message {why}."));
        }
    }
    wrong
}

fn render(
    shop: &ShopPage,
    bodies: &[(String, String)],
    limits: &Limits,
    wrong: &Wrong,
    saved: bool,
) -> Markup {
    let summary = match wrong.get("form") {
        Some(m) => Some(m.clone()),
        None => (!wrong.is_empty()).then(|| {
            let n = crate::domain::plural::count(wrong.len(), "thing needs", "things need");
            format!("Nothing was saved: {n} a look below, each said beside it.")
        }),
    };
    let body = html! {
        form.stack.wide method="post" action=(shop.url("/settings/messages")) {
            (csrf_field(&shop.csrf))
            label.check {
                input type="checkbox" name="auto_confirm" value="on" checked[shop.business.auto_confirm];
                span { "Confirm orders taken in WhatsApp chats at once (skip the Pending step)" }
            }
            (limit_fields(limits, wrong))
            p.muted { "Words in braces are filled in when a message is sent. Clear a message to go back to Novi's wording." }
            @for (t, (key, body)) in ALL.iter().zip(bodies) {
                @let name = format!("t_{key}");
                @let error = wrong.get(&name);
                label {
                    span { (t.purpose) }
                    textarea name=(name) rows="3" aria-invalid=[error.map(|_| "true")]
                        aria-describedby=[error.map(|_| format!("{name}-error"))] { (body) }
                    @if let Some(m) = error { small.field-error id={ (name) "-error" } { (m) } }
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
        summary.as_deref(),
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
        &Wrong::new(),
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
    let wrong = problems(&limits, &posted);
    if !wrong.is_empty() {
        let page = render(&shop, &posted, &limits, &wrong, false);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
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
        Err(AppError::Invalid(m)) => {
            let wrong = Wrong::from([("form".to_owned(), m)]);
            let page = render(&shop, &posted, &limits, &wrong, false);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}
