//! The counter page: kept open on the counter PC, it prints the kitchen ticket of every order
//! as it is confirmed, when automatic KOT is on in Settings. It asks a small JSON endpoint every
//! few seconds for orders confirmed since the last it saw.
// TODO: listen for `order` events on the live stream (`web::live`) once it carries them, and
// keep the poll only as the fallback.

use axum::extract::{Query, State};
use axum::Json;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};

use super::{kot_body, sheet};
use crate::error::AppResult;
use crate::orders::{queue, store};
use crate::printing;
use crate::web::extract::ShopPage;
use crate::AppState;

/// Most tickets handed over in one answer; the rest come with the next poll.
const PER_POLL: i64 = 20;

/// `GET /b/{code}/print/counter`
pub async fn show(State(state): State<AppState>, shop: ShopPage) -> AppResult<Markup> {
    let id = shop.business.id;
    let (cursor, settings) = state
        .db
        .read(move |c| Ok((queue::cursor(c)?, printing::load(c, id)?)))
        .await?;
    let body = html! {
        section.no-print.counter data-print-queue=(shop.url("/print/queue")) data-after=(cursor) {
            h1 { "Kitchen tickets" }
            @if settings.auto_kot {
                p { "Keep this page open: each order's kitchen ticket prints here as soon as it is confirmed." }
            } @else {
                p.warn { "Automatic kitchen tickets are off. Turn them on in Settings → Printing." }
            }
            p { "Printed: " output #printed aria-live="polite" { "none yet" } }
        }
        div #print-area {}
    };
    Ok(sheet(&shop, "Kitchen tickets", settings.paper, body))
}

#[derive(Deserialize)]
pub struct After {
    #[serde(default)]
    after: i64,
}

#[derive(Serialize)]
pub struct Ticket {
    number: i64,
    /// The ticket's markup, as on its print page.
    html: String,
}

#[derive(Serialize)]
pub struct Queue {
    /// The cursor to ask with next time.
    after: i64,
    auto_kot: bool,
    tickets: Vec<Ticket>,
}

/// `GET /b/{code}/print/queue?after=N`: kitchen tickets of orders confirmed since event `N`.
pub async fn queue(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(q): Query<After>,
) -> AppResult<Json<Queue>> {
    let b = shop.business.clone();
    let answer = state
        .db
        .read(move |c| {
            let auto_kot = printing::load(c, b.id)?.auto_kot;
            let found = queue::confirmed_after(c, b.id, q.after, PER_POLL)?;
            let after = found.last().map_or(q.after, |(id, _)| *id);
            let mut tickets = Vec::new();
            for (_, number) in found.into_iter().filter(|_| auto_kot) {
                if let Some(o) = store::by_number(c, b.id, number)? {
                    let html = kot_body(&b, &o).into_string();
                    tickets.push(Ticket { number, html });
                }
            }
            Ok(Queue {
                after,
                auto_kot,
                tickets,
            })
        })
        .await?;
    Ok(Json(answer))
}
