//! The counter page: kept open on the counter PC, it prints the kitchen ticket of every order
//! as it is confirmed, when automatic KOT is on in Settings. It listens to the live stream
//! (`web::live`) and, on each order event, asks a small JSON endpoint for orders confirmed since
//! the last it saw; while the stream is down it asks every few seconds instead.

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

/// Most tickets handed over in one answer; `more` tells the page to ask again at once.
const PER_POLL: i64 = 20;

/// `GET /b/{code}/print/counter`
pub async fn show(State(state): State<AppState>, shop: ShopPage) -> AppResult<Markup> {
    let id = shop.business.id;
    let (cursor, settings) = state
        .db
        .read(move |c| Ok((queue::cursor(c)?, printing::load(c, id)?)))
        .await?;
    let body = html! {
        section.no-print.counter data-print-queue=(shop.url("/print/queue"))
            data-live-events=(shop.url("/live")) data-after=(cursor) {
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
    Ok(sheet(&shop, "Kitchen tickets", None, settings.paper, body))
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
    /// Tickets were held back (more than `PER_POLL` waited): ask again now, from `after`.
    more: bool,
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
            // One more than handed over, to know whether any were held back.
            let mut found = queue::confirmed_after(c, b.id, q.after, PER_POLL + 1)?;
            let more = found.len() > PER_POLL as usize;
            found.truncate(PER_POLL as usize);
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
                more,
            })
        })
        .await?;
    Ok(Json(answer))
}
