//! The WhatsApp simulator: chat as a customer from the browser. What is typed goes through the
//! same inbound path as a real webhook; replies appear as they are sent. It is how Novi can be
//! tried with no WhatsApp account.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::json;

use super::conversations::thread;
use super::layout::{csrf_field, field, field_with_error, page, Nav};
use crate::db::now;
use crate::domain::Phone;
use crate::error::{AppError, AppResult};
use crate::secret;
use crate::web::extract::ShopPage;
use crate::whatsapp::inbound::{InMessage, Inbound};
use crate::whatsapp::settings::Provider;
use crate::whatsapp::staff::MAX_TEXT;
use crate::whatsapp::threads;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct Who {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
pub struct Say {
    phone: String,
    #[serde(default)]
    name: String,
    text: String,
}

/// What is wrong with what the owner typed, shown beside the field it is about.
#[derive(Default)]
struct Wrong<'a> {
    phone: Option<String>,
    /// The message as typed, kept in its box, and what is wrong with it.
    text: Option<(&'a str, String)>,
}

fn render(
    shop: &ShopPage,
    who: &Who,
    phone: Option<&Phone>,
    msgs: &[threads::Message],
    wrong: &Wrong,
) -> Markup {
    page(
        shop,
        Nav::Conversations,
        "WhatsApp simulator",
        html! {
            p.muted { "Chat with your shop as a customer would. Messages go through the same path as real WhatsApp messages." }
            form.filters method="get" action=(shop.url("/simulator")) {
                (field_with_error("Customer's number", "phone", "tel", &who.phone, wrong.phone.as_deref()))
                (field("Customer's name", "name", "text", &who.name, false))
                button type="submit" { "Chat as this customer" }
            }
            @if let Some(phone) = phone {
                div.phone-frame {
                    div.thread tabindex="0" role="region" aria-label="Messages" data-live-src=(shop.url(&format!("/simulator/thread?phone={phone}"))) data-live-phone=(phone.as_str()) {
                        (thread(shop, msgs, true))
                    }
                    (reply_form(shop, phone, who, wrong.text.as_ref()))
                }
            }
        },
    )
}

/// The customer's message box; a message refused comes back in it with what is wrong below.
fn reply_form(shop: &ShopPage, phone: &Phone, who: &Who, wrong: Option<&(&str, String)>) -> Markup {
    html! {
        form.reply data-send-inline method="post" action=(shop.url("/simulator")) {
            (csrf_field(&shop.csrf))
            input type="hidden" name="phone" value=(phone.as_str());
            input type="hidden" name="name" value=(who.name);
            textarea name="text" rows="2" required maxlength=(MAX_TEXT) placeholder="Type a message"
                aria-label="message" aria-invalid=[wrong.map(|_| "true")]
                aria-describedby=[wrong.map(|_| "text-error")] { (wrong.map_or("", |w| w.0)) }
            button type="submit" { "Send" }
            @if let Some((_, m)) = wrong { small.field-error id="text-error" { (m) } }
        }
    }
}

/// The simulator's page answered 422, with what is wrong beside its field.
async fn refused(
    state: &AppState,
    shop: &ShopPage,
    who: &Who,
    phone: Option<&Phone>,
    wrong: Wrong<'_>,
) -> AppResult<Response> {
    let msgs = match phone {
        Some(p) => messages(state, shop, p).await?,
        None => Vec::new(),
    };
    let page = render(shop, who, phone, &msgs, &wrong);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn messages(
    state: &AppState,
    shop: &ShopPage,
    phone: &Phone,
) -> AppResult<Vec<threads::Message>> {
    let (id, p) = (shop.business.id, phone.to_string());
    state
        .db
        .read(move |c| threads::messages(c, id, &p, 200))
        .await
}

/// The simulator speaks for a customer's number, and the replies follow the business's
/// transport: once a real WhatsApp account is connected, that would write to real customers.
async fn only_simulated(state: &AppState, shop: &ShopPage) -> AppResult<()> {
    let provider = state
        .bridge
        .settings(&state.db, shop.business.id)
        .await?
        .provider;
    if provider == Provider::Simulator {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "This shop is connected to WhatsApp, so the simulator is off: it would write to real customers. \
             Switch Settings → WhatsApp back to the simulator to use it."
                .into(),
        ))
    }
}

pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(who): Query<Who>,
) -> AppResult<Response> {
    only_simulated(&state, &shop).await?;
    if who.phone.trim().is_empty() {
        return Ok(render(&shop, &who, None, &[], &Wrong::default()).into_response());
    }
    match Phone::parse(&who.phone, &shop.business.country_code) {
        Ok(phone) => {
            let msgs = messages(&state, &shop, &phone).await?;
            Ok(render(&shop, &who, Some(&phone), &msgs, &Wrong::default()).into_response())
        }
        Err(e) => {
            let wrong = Wrong {
                phone: Some(e.to_string()),
                ..Wrong::default()
            };
            refused(&state, &shop, &who, None, wrong).await
        }
    }
}

pub async fn thread_fragment(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(who): Query<Who>,
) -> AppResult<Markup> {
    only_simulated(&state, &shop).await?;
    let phone =
        Phone::parse(&who.phone, &shop.business.country_code).map_err(|_| AppError::NotFound)?;
    Ok(thread(&shop, &messages(&state, &shop, &phone).await?, true))
}

/// The header the simulator's script sends with a message: it wants the thread back, not a
/// redirect to a whole page (without script the form posts and the page reloads).
const FRAGMENT: &str = "x-novi-fragment";

/// A message typed as the customer: stored exactly as a webhook's would be.
pub async fn say(
    State(state): State<AppState>,
    shop: ShopPage,
    headers: HeaderMap,
    Form(f): Form<Say>,
) -> AppResult<Response> {
    only_simulated(&state, &shop).await?;
    let who = Who {
        phone: f.phone.clone(),
        name: f.name.clone(),
    };
    let phone = match Phone::parse(&f.phone, &shop.business.country_code) {
        Ok(phone) => phone,
        Err(e) => {
            let wrong = Wrong {
                phone: Some(e.to_string()),
                ..Wrong::default()
            };
            return refused(&state, &shop, &who, None, wrong).await;
        }
    };
    let text = f.text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        let wrong = Wrong {
            text: Some((
                &f.text,
                format!("a message must be 1 to {MAX_TEXT} characters"),
            )),
            ..Wrong::default()
        };
        return refused(&state, &shop, &who, Some(&phone), wrong).await;
    }
    let message = InMessage {
        phone: phone.to_string(),
        name: f.name.trim().to_owned(),
        provider_id: format!("sim.in.{}", &secret::new_token()[..24]),
        kind: "text".into(),
        text: text.to_owned(),
        data: json!({}),
        timestamp: now(),
        group_id: None,
    };
    let raw =
        json!({"simulator": {"from": message.phone, "name": message.name, "text": message.text}})
            .to_string();
    let inbound = Inbound {
        business_id: shop.business.id,
        provider: "simulator",
        raw,
        messages: vec![message],
        statuses: Vec::new(),
        from_phone: Vec::new(),
    };
    state.bridge.ingest.store(inbound).await?;
    if headers.contains_key(FRAGMENT) {
        let msgs = messages(&state, &shop, &phone).await?;
        return Ok(thread(&shop, &msgs, true).into_response());
    }
    let q = serde_urlencoded::to_string([("phone", f.phone.as_str()), ("name", f.name.as_str())])
        .unwrap_or_default();
    Ok(Redirect::to(&shop.url(&format!("/simulator?{q}"))).into_response())
}
