//! Settings → WhatsApp → "Link this shop's WhatsApp": the QR code (replaced as WhatsApp rotates
//! it, without a reload), the steps on the phone, a pairing code as the alternative, and once
//! linked the number, its WhatsApp name, since when it is connected, and Unlink.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::whatsapp;
use crate::domain::Phone;
use crate::error::AppResult;
use crate::web::extract::ShopPage;
use crate::web::layout::csrf_field;
use crate::web::qr;
use crate::whatsapp::linked::state::{self as link_store, Link, State as LinkState};
use crate::whatsapp::linked::{View, BUILT_IN};
use crate::whatsapp::settings::{self, Provider};
use crate::AppState;

fn when(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// What the link section says about a connection that is not up.
fn standing(link: &Link) -> String {
    match link.state {
        LinkState::Connected => "Connected.".into(),
        LinkState::Connecting => match link.next_retry_at {
            Some(at) => format!("Connecting… next try at {}.", when(at)),
            None => "Connecting…".into(),
        },
        LinkState::LoggedOut => "WhatsApp was unlinked from the phone — link again.".into(),
        LinkState::NotLinked => "Not linked.".into(),
    }
}

/// The part of the page that changes while linking: the QR code, or the pairing code.
pub fn qr_fragment(view: &View, link: &Link) -> Markup {
    html! {
        @if link.state == LinkState::Connected {
            p data-done="1" { "Linked." }
        } @else if let Some(code) = &view.pair_code {
            p { "On the phone, tap " strong { "Link with phone number instead" } " and type:" }
            p.pair-code { code { (code) } }
        } @else if let Some(svg) = view.qr.as_deref().and_then(qr::svg) {
            div.qr role="img" aria-label="QR code to link WhatsApp" { (PreEscaped(svg)) }
        } @else if !view.linking {
            p data-done="1" { "The code expired before it was scanned." }
        } @else {
            p { "Waiting for WhatsApp to send a code…" }
        }
    }
}

fn steps() -> Markup {
    html! {
        ol.steps {
            li { "Open WhatsApp on the shop's phone." }
            li { "Tap " strong { "⋮" } " (or " strong { "Settings" } " on iPhone), then " strong { "Linked devices" } "." }
            li { "Tap " strong { "Link a device" } " and point the phone at this code." }
        }
    }
}

/// The pairing-code form as typed, and why no code came (shown beside the field).
#[derive(Debug, Default)]
pub struct Pairing {
    pub phone: String,
    pub error: Option<String>,
}

fn pair_form(shop: &ShopPage, pairing: &Pairing) -> Markup {
    let error = pairing.error.as_deref();
    html! {
        form.inline method="post" action=(shop.url("/settings/whatsapp/link/phone")) {
            (csrf_field(&shop.csrf))
            label { span { "Or link with the phone number instead" }
                input type="tel" name="phone" value=(pairing.phone) placeholder="98123 45678" required
                      aria-invalid=[error.map(|_| "true")]
                      aria-describedby=[error.map(|_| "phone-error")];
                @if let Some(m) = error { small.field-error id="phone-error" role="alert" { (m) } }
            }
            button.small type="submit" { "Get a pairing code" }
        }
    }
}

/// The section on Settings → WhatsApp.
pub fn section(
    shop: &ShopPage,
    provider: Provider,
    (link, view): (&Link, &View),
    pairing: &Pairing,
) -> Markup {
    html! {
        h2 { "This shop's WhatsApp" }
        @if !BUILT_IN {
            p.muted { "This build of Novi cannot link a phone." }
        } @else if provider == Provider::Linked && link.state == LinkState::Connected {
            dl.linked {
                dt { "Number" } dd { "+" (link.phone) }
                dt { "WhatsApp name" } dd { (link.push_name) }
                dt { "Connected since" } dd { (link.connected_since.map(when).unwrap_or_default()) }
            }
            form method="post" action=(shop.url("/settings/whatsapp/unlink")) data-confirm="Unlink this shop's WhatsApp? Novi stops answering until it is linked again." {
                (csrf_field(&shop.csrf))
                button type="submit" { "Unlink" }
            }
        } @else if view.linking || pairing.error.is_some() {
            (steps())
            div #linked-qr data-poll=(shop.url("/settings/whatsapp/link/qr")) { (qr_fragment(view, link)) }
            (pair_form(shop, pairing))
        } @else {
            @if provider == Provider::Linked { p { (standing(link)) } }
            p.muted { "Novi works as a linked device of the WhatsApp Business app on the shop's phone, as WhatsApp Web does. Linking is unofficial: WhatsApp may log out or ban a number that sends in bulk. The Cloud API is the official way." }
            form.link-form method="post" action=(shop.url("/settings/whatsapp/link")) {
                (csrf_field(&shop.csrf))
                button type="submit" { "Link this shop's WhatsApp" }
            }
        }
    }
}

async fn link_of(state: &AppState, business_id: i64) -> AppResult<Link> {
    state
        .db
        .read(move |c| link_store::load(c, business_id))
        .await
}

/// Starts linking: the business moves to the linked provider and QR codes start coming.
pub async fn start(State(state): State<AppState>, shop: ShopPage) -> AppResult<Redirect> {
    shop.require_settings()?;
    let id = shop.business.id;
    state
        .db
        .write(move |tx| {
            let mut c = settings::load(tx, id)?;
            if c.provider != Provider::Linked {
                c.provider = Provider::Linked;
                // About one message a second: unofficial clients that send faster get banned.
                c.rate_per_second = 1;
            }
            settings::save(tx, id, &c)
        })
        .await?;
    state.bridge.forget_settings(id);
    state.bridge.linked.start(id, true);
    let what = "started linking the shop's own WhatsApp".to_owned();
    crate::web::audit::note(&state, &shop, crate::audit::WHATSAPP, what).await?;
    Ok(Redirect::to(&shop.url("/settings/whatsapp")))
}

/// The QR code (or pairing code) as it is now, for the page to poll.
pub async fn qr(State(state): State<AppState>, shop: ShopPage) -> AppResult<Markup> {
    shop.require_settings()?;
    let link = link_of(&state, shop.business.id).await?;
    Ok(qr_fragment(
        &state.bridge.linked.view(shop.business.id),
        &link,
    ))
}

#[derive(Deserialize)]
pub struct PhoneForm {
    phone: String,
}

/// Asks for a pairing code for the shop's number; the page then shows it. A number that won't
/// do, or WhatsApp giving no code, shows the page again with why beside the number as typed.
pub async fn pair_phone(
    State(state): State<AppState>,
    shop: ShopPage,
    headers: axum::http::HeaderMap,
    Form(f): Form<PhoneForm>,
) -> AppResult<Response> {
    shop.require_settings()?;
    let why = match Phone::parse(&f.phone, "91") {
        Err(e) => format!("That phone number won't do: {e}."),
        Ok(p) => {
            let digits: String = p.to_string().chars().filter(char::is_ascii_digit).collect();
            match state
                .bridge
                .linked
                .pair_phone(shop.business.id, digits)
                .await
            {
                Ok(_) => return Ok(Redirect::to(&shop.url("/settings/whatsapp")).into_response()),
                Err(why) => format!("WhatsApp gave no pairing code: {why}."),
            }
        }
    };
    let mut page = whatsapp::load(&state, &shop, &headers).await?;
    page.pairing = Pairing {
        phone: f.phone,
        error: Some(why),
    };
    let body = whatsapp::render(&shop, &page, None, false);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

/// Unlinks: the device is removed from the phone and the session forgotten.
pub async fn unlink(State(state): State<AppState>, shop: ShopPage) -> AppResult<Redirect> {
    shop.require_settings()?;
    state.bridge.linked.unlink(shop.business.id).await;
    let what = "unlinked the shop's own WhatsApp".to_owned();
    crate::web::audit::note(&state, &shop, crate::audit::WHATSAPP, what).await?;
    Ok(Redirect::to(&shop.url("/settings/whatsapp?saved=1")))
}
