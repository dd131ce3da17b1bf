//! Settings → WhatsApp → "Go live": the ways to connect, each in plain steps; the webhook URL to
//! paste, in full, with a copy button; a test message to the owner's own number with a light
//! that shows how it went; and the shop's `wa.me` link with its QR code, to share.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::whatsapp::{load, refused, Refusal};
use crate::domain::Phone;
use crate::error::{AppError, AppResult};
use crate::web::extract::ShopPage;
use crate::web::layout::csrf_field;
use crate::web::qr;
use crate::whatsapp::settings::Provider;
use crate::whatsapp::staff::queue_text;
use crate::whatsapp::threads::{self, Message};
use crate::AppState;

/// Where people reach this server: `public_url` when set, else the address the browser used.
pub fn origin(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.config.behind_https {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// One way to connect: its provider, name, and steps in plain words.
struct Way {
    provider: Provider,
    name: &'static str,
    steps: &'static [&'static str],
}

const WAYS: [Way; 4] = [
    Way {
        provider: Provider::Linked,
        name: "The shop's own WhatsApp, linked by QR code (easiest)",
        steps: &[
            "Below, set \"Connect through\" to \"This shop's WhatsApp app, linked by QR code\" and press Save.",
            "Press \"Link this shop's WhatsApp\": a square black-and-white code appears on this page.",
            "On the shop's phone open WhatsApp, tap ⋮ (Android) or Settings (iPhone), then Linked devices → Link a device.",
            "Hold the phone up to the code. In a few seconds this page says the phone is linked.",
            "Send yourself a test message below. Keep the phone charged and online now and then.",
        ],
    },
    Way {
        provider: Provider::Cloud,
        name: "WhatsApp Cloud API (Meta's official way)",
        steps: &[
            "At developers.facebook.com create an app of type Business and add the WhatsApp product.",
            "In WhatsApp → API Setup note the \"Phone number ID\"; in Business settings → System users make a permanent access token.",
            "In App settings → Basic press Show next to \"App secret\" and copy it.",
            "Below, set \"Connect through\" to the Cloud API, paste the three, choose any word as verify token, and Save.",
            "In WhatsApp → Configuration → Webhook paste the webhook URL below as \"Callback URL\" and the same verify token; press \"Verify and save\", then subscribe to \"messages\".",
            "Send yourself a test message below.",
        ],
    },
    Way {
        provider: Provider::Gateway,
        name: "A WhatsApp Web gateway (WAHA or alike)",
        steps: &[
            "Start the gateway and scan its QR code with the shop's phone, as its own guide says.",
            "Below, set \"Connect through\" to the gateway, enter its URL, API key and session, and Save.",
            "In the gateway set the webhook to the URL below, for the events \"message\" and \"message.ack\".",
            "Send yourself a test message below.",
        ],
    },
    Way {
        provider: Provider::Simulator,
        name: "The simulator (try Novi with no WhatsApp account)",
        steps: &[
            "Nothing to set up: open Conversations → \"Open the WhatsApp simulator\" and write as a customer.",
            "Nobody real gets these messages. Choose another way when you are ready to go live.",
        ],
    },
];

/// The webhook path a provider posts to, if it has one.
fn webhook_path(provider: Provider, code: &str) -> Option<String> {
    match provider {
        Provider::Cloud => Some(format!("/webhooks/whatsapp/{code}")),
        Provider::Gateway => Some(format!("/webhooks/gateway/{code}")),
        _ => None,
    }
}

/// A URL in a read-only field (select it to copy it by hand) with a Copy button for script.
fn copyable(id: &str, label: &str, url: &str) -> Markup {
    html! {
        div.copy {
            label for=(id) { (label) }
            div.copy-row {
                input id=(id) type="text" readonly value=(url);
                button.secondary type="button" data-copy=(id) aria-label={ "Copy " (label) } { "Copy" }
            }
        }
    }
}

/// The go-live guide: one part per way, the current one open.
pub fn section(shop: &ShopPage, current: Provider, origin: &str, test: Option<&Message>) -> Markup {
    let code = shop.business.short_code.as_str();
    html! {
        section.golive aria-labelledby="golive" {
            h2 #golive { "Go live on WhatsApp" }
            p { "Choose how customers' messages reach Novi. Now: " strong { (name_of(current)) } "." }
            @for (i, way) in WAYS.iter().enumerate() {
                details.way open[way.provider == current] {
                    summary { (way.name) }
                    ol { @for step in way.steps { li { (step) } } }
                    @if let Some(path) = webhook_path(way.provider, code) {
                        (copyable(&format!("webhook-{i}"), "Webhook URL", &format!("{origin}{path}")))
                    }
                }
            }
            (test_form(shop, test))
            (share(shop))
        }
    }
}

fn name_of(p: Provider) -> &'static str {
    WAYS.iter().find(|w| w.provider == p).map_or("", |w| w.name)
}

fn test_form(shop: &ShopPage, test: Option<&Message>) -> Markup {
    html! {
        form.stack.test-message method="post" action=(shop.url("/settings/whatsapp/test")) {
            (csrf_field(&shop.csrf))
            label { span { "Send a test message to my number" }
                input type="tel" name="to" value=(shop.business.phone) required autocomplete="tel"; }
            button type="submit" { "Send a test message" }
        }
        @if let Some(m) = test {
            div data-poll=(shop.url(&format!("/settings/whatsapp/test/{}", m.id))) { (light(m)) }
        }
    }
}

/// The connection light for the test message: how far it got, in words beside the colour.
fn light(m: &Message) -> Markup {
    let (class, words) = match m.status.as_str() {
        "queued" => ("light wait", "Sending the test message…".to_owned()),
        "sent" => (
            "light ok",
            "Connected: WhatsApp took the test message.".to_owned(),
        ),
        "delivered" | "read" => (
            "light ok",
            "Connected: the test message reached the phone.".to_owned(),
        ),
        _ => (
            "light bad",
            format!(
                "Not connected: {}.",
                m.error
                    .as_deref()
                    .unwrap_or("the test message was not sent")
            ),
        ),
    };
    let last = matches!(m.status.as_str(), "delivered" | "read" | "failed");
    html! {
        p class=(class) role="status" aria-live="polite" data-final[last] { span.dot aria-hidden="true" {} (words) }
    }
}

/// The shop's `wa.me` link and its QR code, for a poster, a receipt or a website.
fn share(shop: &ShopPage) -> Markup {
    let number = Phone::parse(&shop.business.phone, &shop.business.country_code).ok();
    html! {
        h3 { "Your shop's WhatsApp link" }
        @match number {
            Some(n) => {
                @let link = format!("https://wa.me/{}", n.as_str());
                p { "Customers who open this link or scan the code start a chat with " (n.readable()) "." }
                (copyable("wa-link", "WhatsApp link", &link))
                @if let Some(svg) = qr::svg(&link) { div.qr role="img" aria-label={ "QR code for " (link) } { (PreEscaped(svg)) } }
            }
            None => p.muted { "Add the shop's WhatsApp number in Settings → Profile to get a link and a QR code to share." },
        }
    }
}

#[derive(Deserialize)]
pub struct TestForm {
    to: String,
}

/// Sends the test message, then back to the page, which shows its light.
pub async fn send_test(
    State(state): State<AppState>,
    shop: ShopPage,
    headers: HeaderMap,
    Form(f): Form<TestForm>,
) -> AppResult<Response> {
    shop.require_settings()?;
    let to = match Phone::parse(&f.to, &shop.business.country_code) {
        Ok(to) => to,
        Err(e) => {
            let page = load(&state, &shop, &headers).await?;
            let why = Refusal::Form(format!("Send a test message to my number: {e}"));
            return Ok(refused(&shop, &page, StatusCode::UNPROCESSABLE_ENTITY, why));
        }
    };
    let text = format!(
        "Test message from Novi for {}: WhatsApp is connected.",
        shop.business.name
    );
    let id = queue_text(&state.db, &state.bridge, shop.business.id, &to, &text).await?;
    let url = shop.url(&format!("/settings/whatsapp?test={id}#golive"));
    Ok(Redirect::to(&url).into_response())
}

/// The test message's light, polled by the page until it is final.
pub async fn test_light(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Markup> {
    shop.require_settings()?;
    let m = test_message(&state, &shop, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(light(&m))
}

/// One of this business's messages, by id.
pub async fn test_message(
    state: &AppState,
    shop: &ShopPage,
    id: i64,
) -> AppResult<Option<Message>> {
    let business = shop.business.id;
    state.db.read(move |c| threads::one(c, business, id)).await
}
