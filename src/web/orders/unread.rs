//! The lines of a customer's messages Novi could not read for sure, on the order's page, each
//! with a "This is …" form: staff pick the product and amount, the line is added to the order
//! and the customer's words are learnt for that product (an alias suggestion).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::form::{catalog, item_select, one_line};
use super::{load, order_page, Shown};
use crate::error::AppResult;
use crate::orders::{service, Unread};
use crate::web::extract::ShopPage;
use crate::web::layout::csrf_field;
use crate::AppState;

/// The unread lines and their forms; nothing when the message was read whole.
pub fn section(shop: &ShopPage, s: &Shown) -> Markup {
    if s.unread.is_empty() {
        return html! {};
    }
    html! {
        section #unread {
            h2 { "Lines not read for sure" }
            p.muted { "The customer wrote these, and Novi could not tell which product they meant. "
                "Say what each one is to add it to the order; Novi then suggests the words as an alias." }
            table.lines {
                thead { tr { th { "Customer wrote" } th { "Why" } th { "What it is" } } }
                tbody { @for u in &s.unread { (row(shop, s, u)) } }
            }
        }
    }
}

fn row(shop: &ShopPage, s: &Shown, u: &Unread) -> Markup {
    let action = shop.url(&format!("/orders/{}/unread/{}", s.order.number, u.id));
    let wrong = s
        .wrong
        .as_ref()
        .filter(|(id, _)| *id == u.id)
        .map(|(_, m)| m);
    html! {
        tr.invalid[wrong.is_some()] {
            td { (u.line.text) }
            td { (u.line.why()) }
            td {
                @if let Some((sku, by)) = &u.answered {
                    "Added as " code { (sku) } " by " (by)
                } @else if s.order.status.can_edit_lines() {
                    form.inline method="post" action=(action) {
                        (csrf_field(&shop.csrf))
                        label { span { "This is" } (item_select("item", "", &s.catalog)) }
                        input type="number" min="1" name="count" aria-label="count" placeholder="packs";
                        input type="text" name="amount" aria-label="amount" placeholder="or 750 g, 1.5 kg, 12";
                        button type="submit" { "Add line" }
                    }
                    @if let Some(m) = wrong { small.field-error { (m) } }
                } @else {
                    span.muted { "The order's lines can no longer change." }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    item: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    amount: String,
}

/// "This is …": adds the line for an unread line, or shows the page again with why not.
pub async fn answer(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, number, id)): Path<(String, i64, i64)>,
    Form(f): Form<AnswerForm>,
) -> AppResult<Response> {
    let products = catalog(&state, &shop).await?;
    let result = match one_line(&f.item, &f.count, &f.amount, &products) {
        Err(m) => Err(Ok(m)),
        Ok(req) => {
            let (business, actor) = (shop.business.clone(), shop.user.username.clone());
            let added = state
                .db
                .write(move |tx| {
                    let order = service::answer_unread(tx, &business, number, id, req, &actor)?;
                    // The added line raises the total: a paid order may be partly paid again.
                    crate::payments::settle(tx, &order)?;
                    Ok::<_, crate::orders::OrderError>(order)
                })
                .await;
            added.map_err(|e| e.into_refusal()).map(|_| ())
        }
    };
    match result {
        Ok(()) => {
            state.bridge.live.order(shop.business.id, number, false);
            Ok(Redirect::to(&shop.url(&format!("/orders/{number}?done=1"))).into_response())
        }
        Err(message) => {
            let message = message?;
            let mut shown = load(&state, &shop, number).await?;
            shown.wrong = Some((id, message));
            let page = order_page(
                &shop,
                &shown,
                None,
                Some("Please correct the line marked below."),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
