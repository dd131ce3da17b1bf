//! Conversations in the owner UI: every chat with its unread count, one chat's thread with
//! delivery ticks, failures explained with a "Send again" button, and a reply box. Both
//! update live.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::format;
use super::layout::{csrf_field, error_box, page, Nav};
use crate::domain::Phone;
use crate::error::{AppError, AppResult};
use crate::web::extract::ShopPage;
use crate::whatsapp::staff::{queue_text, send_again as queue_again};
use crate::whatsapp::threads::{self, Message};
use crate::AppState;

/// The tick a message shows for its delivery status.
fn tick(m: &Message) -> Markup {
    let (mark, title) = match m.status.as_str() {
        "queued" => ("🕓", "waiting to be sent"),
        "sent" => ("✓", "sent"),
        "delivered" => ("✓✓", "delivered"),
        "read" => ("✓✓", "read"),
        "failed" => ("✗", "not delivered"),
        _ => ("", ""),
    };
    html! { span class={ "tick tick-" (m.status) } title=(title) { (mark) } }
}

/// A chat thread. `as_customer` draws it from the customer's side (the simulator).
pub fn thread(shop: &ShopPage, messages: &[Message], as_customer: bool) -> Markup {
    thread_at(shop, messages, as_customer, None)
}

/// A chat thread; with the conversation's URL, failed messages get a "Send again" button.
/// A divider heads each of the shop's days, as WhatsApp does.
fn thread_at(
    shop: &ShopPage,
    messages: &[Message],
    as_customer: bool,
    chat_url: Option<&str>,
) -> Markup {
    let offset = shop.business.offset();
    let local = |unix: i64| {
        chrono::DateTime::from_timestamp(unix, 0)
            .unwrap_or_default()
            .with_timezone(&offset)
    };
    let today = chrono::Utc::now().with_timezone(&offset).date_naive();
    let mut last_day = None;
    html! {
        @if messages.is_empty() { p.muted { "No messages yet." } }
        @for m in messages {
            @let at = local(m.created_at);
            @if last_day != Some(at.date_naive()) {
                @let _ = last_day.insert(at.date_naive());
                div.day role="separator" { span { (day_label(at.date_naive(), today)) } }
            }
            (bubble(shop, m, as_customer, chat_url, &at.format("%H:%M").to_string()))
        }
    }
}

/// "Today", "Yesterday", or the date, for the divider over a day's messages.
fn day_label(day: chrono::NaiveDate, today: chrono::NaiveDate) -> String {
    match (today - day).num_days() {
        0 => "Today".to_owned(),
        1 => "Yesterday".to_owned(),
        _ => day.format("%a %-d %b %Y").to_string(),
    }
}

/// Who wrote an outgoing message: a person at the shop, or Novi's chat.
fn sender(m: &Message) -> &'static str {
    if m.by_staff {
        "Staff"
    } else {
        "Novi (auto-reply)"
    }
}

fn bubble(
    shop: &ShopPage,
    m: &Message,
    as_customer: bool,
    chat_url: Option<&str>,
    time: &str,
) -> Markup {
    let mine = (m.direction == "out") != as_customer;
    let by = if m.by_staff { " by-staff" } else { " by-novi" };
    html! {
        div class={ "bubble " (if mine { "mine" } else { "theirs" }) @if m.direction == "out" && !as_customer { (by) } } {
            @if m.direction == "out" && !as_customer { div.sender { (sender(m)) } }
            @if m.text.is_empty() { em.muted { "(" (m.kind) " message)" } } @else { (format::whatsapp(&m.text)) }
            div.meta {
                (time)
                @if m.direction == "out" { " " (tick(m)) }
            }
            @if m.status == "failed" {
                div.failure {
                    "Not delivered: " (m.error.as_deref().unwrap_or("unknown reason"))
                    @if let Some(code) = m.error_code { " (code " (code) ")" }
                }
                @if let Some(url) = chat_url.filter(|_| m.direction == "out") {
                    form.inline.send-again method="post" action={ (url) "/messages/" (m.id) "/retry" } {
                        (csrf_field(&shop.csrf))
                        button.secondary type="submit" { "Send again" }
                    }
                }
            }
        }
    }
}

fn list_table(shop: &ShopPage, list: &[threads::Thread]) -> Markup {
    html! {
        @if list.is_empty() {
            div.empty { p { "No conversations yet. Messages from customers appear here as they arrive." } }
        } @else {
            table.conversations {
                thead { tr { th { "Customer" } th { "Last message" } th { "When" } th.num { "Unread" } } }
                tbody {
                    @for c in list {
                        tr class={ @if c.unread > 0 { "unread" } } {
                            td.who { a.row-link href=(shop.url(&format!("/conversations/{}", c.phone))) {
                                @if c.name.is_empty() { span.tel { (format::phone(&c.phone)) } } @else { (c.name) br; span.muted.tel { (format::phone(&c.phone)) } }
                            } }
                            // Two lines at most: a reply can be a whole order summary, and
                            // the chat is one tap away.
                            td.last { span.snippet {
                                @if let Some(why) = &c.attention { span.flag title=(why) { "needs a person" } " " }
                                @if c.last_direction == "out" { span.muted { "You: " } } (c.last_text)
                            } }
                            td.when { (shop.business.local_time(c.last_at)) }
                            td.num { @if c.unread > 0 { span.badge { (c.unread) } } }
                        }
                    }
                }
            }
        }
    }
}

async fn list(state: &AppState, shop: &ShopPage) -> AppResult<Vec<threads::Thread>> {
    let id = shop.business.id;
    state.db.read(move |c| threads::list(c, id, 200)).await
}

pub async fn index(State(state): State<AppState>, shop: ShopPage) -> AppResult<Markup> {
    let all = list(&state, &shop).await?;
    Ok(page(
        &shop,
        Nav::Conversations,
        "Conversations",
        html! {
            p.actions { a.button.secondary href=(shop.url("/simulator")) { "Open the WhatsApp simulator" } }
            div data-live-src=(shop.url("/conversations/list")) { (list_table(&shop, &all)) }
        },
    ))
}

/// The list alone, for live refresh.
pub async fn list_fragment(State(state): State<AppState>, shop: ShopPage) -> AppResult<Markup> {
    Ok(list_table(&shop, &list(&state, &shop).await?))
}

/// A conversation's number from the path: its key as the list links it, any spelling of a
/// number it holds, or (for a chat not started yet) any spelling of a number; else 404.
async fn phone_of(state: &AppState, shop: &ShopPage, raw: &str) -> AppResult<Phone> {
    let (id, country, path) = (
        shop.business.id,
        shop.business.country_code.clone(),
        raw.to_owned(),
    );
    let key = state
        .db
        .read(move |c| threads::conversation_key(c, id, &path, &country))
        .await?;
    let phone = match key {
        Some(k) => Phone::from_digits(&k),
        None => Phone::parse_lookup(raw, &shop.business.country_code),
    };
    phone.map_err(|_| AppError::NotFound)
}

async fn messages(
    state: &AppState,
    shop: &ShopPage,
    phone: &Phone,
    mark_seen: bool,
) -> AppResult<Vec<Message>> {
    let (id, p) = (shop.business.id, phone.to_string());
    if mark_seen {
        let p2 = p.clone();
        state
            .db
            .write(move |tx| threads::mark_seen(tx, id, &p2))
            .await?;
    }
    state
        .db
        .read(move |c| threads::messages(c, id, &p, 200))
        .await
}

/// The customer on file for the chat, if any: their name, id and latest orders (newest first).
struct OnFile {
    name: String,
    id: i64,
    orders: Vec<crate::orders::Order>,
}

/// How many of the customer's latest orders the chat links to.
const LATEST: i64 = 3;

async fn on_file(state: &AppState, shop: &ShopPage, phone: &Phone) -> AppResult<Option<OnFile>> {
    let (bid, p) = (shop.business.id, phone.clone());
    state
        .db
        .read(move |c| {
            let Some(customer) = crate::customers::by_phone(c, bid, &p)? else {
                return Ok(None);
            };
            let filter = crate::orders::store::Filter {
                customer_id: Some(customer.id),
                ..Default::default()
            };
            let (orders, _) = crate::orders::store::list(c, bid, &filter, 1, LATEST)?;
            Ok(Some(OnFile {
                name: customer.name,
                id: customer.id,
                orders,
            }))
        })
        .await
}

/// Under the chat's title: the number, the customer's page and their latest orders, a tap away.
fn who(shop: &ShopPage, phone: &Phone, known: Option<&OnFile>) -> Markup {
    html! {
        p.muted.chat-number {
            (phone.readable())
            @if let Some(k) = known {
                " · " a href=(shop.url(&format!("/customers/{}", k.id))) { "Customer page" }
                @for o in &k.orders {
                    " · " a href=(shop.url(&format!("/orders/{}", o.number))) {
                        "#" (o.number) " " (o.status.label_for(o.fulfilment))
                    }
                }
            }
        }
    }
}

async fn show_page(
    state: &AppState,
    shop: &ShopPage,
    phone: &Phone,
    msgs: &[Message],
    error: Option<&str>,
) -> AppResult<Markup> {
    let base = shop.url(&format!("/conversations/{phone}"));
    let known = on_file(state, shop, phone).await?;
    let title = match known.as_ref().filter(|k| !k.name.is_empty()) {
        Some(k) => k.name.clone(),
        None => phone.readable(),
    };
    Ok(page(
        shop,
        Nav::Conversations,
        &format!("Chat with {title}"),
        html! {
            (who(shop, phone, known.as_ref()))
            (error_box(error))
            // Focusable, so a keyboard can scroll a long conversation.
            div.thread tabindex="0" role="region" aria-label="Messages" data-live-src={ (base) "/thread" } data-live-phone=(phone.as_str()) { (thread_at(shop, msgs, false, Some(&base))) }
            form.reply method="post" action={ (base) "/reply" } {
                (csrf_field(&shop.csrf))
                textarea name="text" rows="2" required placeholder="Write a reply" aria-label="reply" {}
                button type="submit" { "Send" }
            }
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, raw)): Path<(String, String)>,
) -> AppResult<Markup> {
    let phone = phone_of(&state, &shop, &raw).await?;
    let msgs = messages(&state, &shop, &phone, true).await?;
    show_page(&state, &shop, &phone, &msgs, None).await
}

/// The thread alone, for live refresh; looking at it counts as reading it.
pub async fn thread_fragment(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, raw)): Path<(String, String)>,
) -> AppResult<Markup> {
    let phone = phone_of(&state, &shop, &raw).await?;
    let base = shop.url(&format!("/conversations/{phone}"));
    let msgs = messages(&state, &shop, &phone, true).await?;
    Ok(thread_at(&shop, &msgs, false, Some(&base)))
}

#[derive(Deserialize)]
pub struct ReplyForm {
    text: String,
}

pub async fn reply(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, raw)): Path<(String, String)>,
    Form(f): Form<ReplyForm>,
) -> AppResult<Response> {
    let phone = phone_of(&state, &shop, &raw).await?;
    match queue_text(&state.db, &state.bridge, shop.business.id, &phone, &f.text).await {
        Ok(_) => Ok(Redirect::to(&shop.url(&format!("/conversations/{phone}"))).into_response()),
        Err(AppError::Invalid(m)) => {
            let msgs = messages(&state, &shop, &phone, false).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                show_page(&state, &shop, &phone, &msgs, Some(&m)).await?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

/// "Send again" on a failed message: queued once, then back to the chat; a message that has
/// not failed (sent meanwhile, or already queued by a second click) is refused with why.
pub async fn send_again(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, raw, id)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let phone = phone_of(&state, &shop, &raw).await?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    match queue_again(
        &state.db,
        &state.bridge,
        shop.business.id,
        phone.as_str(),
        id,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&shop.url(&format!("/conversations/{phone}"))).into_response()),
        Err(AppError::Conflict(m)) => {
            let msgs = messages(&state, &shop, &phone, false).await?;
            let page = show_page(&state, &shop, &phone, &msgs, Some(&m)).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e),
    }
}
