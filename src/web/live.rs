//! Live updates for pages: a Server-Sent Events stream that names each conversation and order
//! as it changes; `assets/app.js` refreshes the parts of the page that show it.
//!
//! - `event: conversation`, `data: <number>`: that conversation changed (`*`: any may have).
//! - `event: order`, `data: new <n>` or `changed <n>`: order n was taken or changed
//! - `event: resync`: the page fell behind; everything may have changed.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use crate::web::extract::ShopPage;
use crate::whatsapp::Live;
use crate::AppState;

pub async fn events(
    State(state): State<AppState>,
    shop: ShopPage,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let business_id = shop.business.id;
    let rx = state.bridge.live.subscribe();
    let stopping = state.stopping.subscribe();
    let stream = stream::unfold((rx, stopping), move |(mut rx, mut stopping)| async move {
        loop {
            if *stopping.borrow() {
                return None;
            }
            let next = tokio::select! {
                r = rx.recv() => r,
                _ = stopping.changed() => return None,
            };
            match next {
                Ok(e) if e.business_id == business_id => {
                    return Some((Ok(event(&e.what)), (rx, stopping)));
                }
                Ok(_) => continue,
                // Fell behind: tell the page to refresh everything.
                Err(RecvError::Lagged(_)) => {
                    let all = Event::default().event("resync").data("*");
                    return Some((Ok(all), (rx, stopping)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

fn event(what: &Live) -> Event {
    match what {
        Live::Conversation(phone) => Event::default().event("conversation").data(one_line(phone)),
        Live::Order { number, new } => {
            let how = if *new { "new" } else { "changed" };
            Event::default()
                .event("order")
                .data(format!("{how} {number}"))
        }
    }
}

/// The number as one `data:` line. A line break in it (a number is whatever a webhook said)
/// would split the event's data over several lines, and the page would read another number.
fn one_line(phone: &str) -> String {
    phone.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_breaks_never_reach_the_stream() {
        assert_eq!(
            super::one_line("9198\r\nevent: x\rdata: *"),
            "9198event: xdata: *"
        );
        assert_eq!(super::one_line("919812345678"), "919812345678");
    }
}
