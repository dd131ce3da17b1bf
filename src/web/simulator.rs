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
use super::layout::{csrf_field, error_box, field, page, Nav};
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

fn render(
    shop: &ShopPage,
    who: &Who,
    phone: Option<&Phone>,
    msgs: &[threads::Message],
    error: Option<&str>,
) -> Markup {
    page(
        shop,
        Nav::Conversations,
        "WhatsApp simulator",
        html! {
            p.muted { "Chat with your shop as a customer would. Messages go through the same path as real WhatsApp messages." }
            form.filters method="get" action=(shop.url("/simulator")) {
                (field("Customer's number", "phone", "tel", &who.phone, true))
                (field("Customer's name", "name", "text", &who.name, false))
                button type="submit" { "Chat as this customer" }
            }
            (error_box(error))
            @if let Some(phone) = phone {
                div.phone-frame {
                    div.thread tabindex="0" role="region" aria-label="Messages" data-live-src=(shop.url(&format!("/simulator/thread?phone={phone}"))) data-live-phone=(phone.as_str()) {
                        (thread(shop, msgs, true))
                    }
                    form.reply data-send-inline method="post" action=(shop.url("/simulator")) {
                        (csrf_field(&shop.csrf))
                        input type="hidden" name="phone" value=(phone.as_str());
                        input type="hidden" name="name" value=(who.name);
                        textarea name="text" rows="2" required placeholder="Type a message" aria-label="message" {}
                        button type="submit" { "Send" }
                    }
                }
            }
        },
    )
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
        return Ok(render(&shop, &who, None, &[], None).into_response());
    }
    match Phone::parse(&who.phone, &shop.business.country_code) {
        Ok(phone) => {
            let msgs = messages(&state, &shop, &phone).await?;
            Ok(render(&shop, &who, Some(&phone), &msgs, None).into_response())
        }
        Err(e) => {
            let page = render(
                &shop,
                &who,
                None,
                &[],
                Some(&format!("customer's number: {e}")),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
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
    let phone = Phone::parse(&f.phone, &shop.business.country_code)
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let text = f.text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(AppError::Invalid(format!(
            "a message must be 1 to {MAX_TEXT} characters"
        )));
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
