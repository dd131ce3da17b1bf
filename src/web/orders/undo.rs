//! "Undo" on the order page: a status change can be taken back for a minute (the
//! `undo_seconds` setting), and the customer's message about it waits out that minute.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::{load, order_page};
use crate::conversation::notify;
use crate::error::AppResult;
use crate::orders::{undo, Fulfilment, Order, OrderError, Status};
use crate::web::extract::ShopPage;
use crate::web::layout::csrf_field;
use crate::AppState;

/// A status change the page offers to undo.
#[derive(Debug, Clone, Copy)]
pub struct Offer {
    pub event_id: i64,
    pub from: Status,
    pub to: Status,
    /// How the order reaches the customer, which names its last steps.
    pub how: Fulfilment,
    pub seconds_left: i64,
}

/// The offer for `order` at `now`, if its last change can still be undone.
pub fn offer(order: &Order, now: i64, window_secs: u32) -> Option<Offer> {
    let window = i64::from(window_secs);
    let e = undo::undoable(order, now, window)?;
    Some(Offer {
        event_id: e.id,
        from: e.from_status?,
        to: e.to_status?,
        how: order.fulfilment,
        seconds_left: e.created_at + window - now,
    })
}

/// The "Marked … · Undo" box. The script hides it when the time is up; a click after that
/// gets a clear "too late" from the server.
pub fn offer_box(shop: &ShopPage, base: &str, o: &Offer) -> Markup {
    html! {
        form.undo method="post" action={ (base) "/undo" } data-expires-in=(o.seconds_left) {
            (csrf_field(&shop.csrf))
            input type="hidden" name="event" value=(o.event_id);
            span { (o.from.label_for(o.how)) " → " (o.to.label_for(o.how)) ". " }
            button.secondary type="submit" { "Undo" }
        }
    }
}

#[derive(Deserialize)]
pub struct UndoForm {
    event: i64,
}

pub async fn submit(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, number)): Path<(String, i64)>,
    Form(f): Form<UndoForm>,
) -> AppResult<Response> {
    let (business, actor) = (shop.business.clone(), shop.user.username.clone());
    let window = i64::from(state.config.undo_seconds);
    let result = state
        .db
        .write(move |tx| notify::undo_status(tx, &business, number, f.event, window, &actor))
        .await;
    match result {
        Ok(o) => {
            state.bridge.live.order(shop.business.id, o.number, false);
            let to = shop.url(&format!("/orders/{}?done=undone", o.number));
            Ok(Redirect::to(&to).into_response())
        }
        Err(e @ (OrderError::UndoRefused(_) | OrderError::ShortOfStock(_))) => {
            let why = match e {
                OrderError::ShortOfStock(s) => format!("Can't undo the cancellation: {s}"),
                other => other.to_string(),
            };
            let shown = load(&state, &shop, number).await?;
            let page = order_page(&shop, &shown, None, Some(&why));
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
