//! Settings → WhatsApp: which provider the business uses and its credentials (write-only:
//! shown masked, left blank to keep), the 24-hour template; the linked phone's section
//! (`linked`) and the groups' roles (`groups`) are drawn in the same page.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::groups::Groups;
use super::linked::Pairing;
use super::settings_page;
use crate::error::{AppError, AppResult};
use crate::web::extract::ShopPage;
use crate::web::layout::{csrf_field, field, field_with_error, secret_field};
use crate::whatsapp::address;
use crate::whatsapp::groups;
use crate::whatsapp::linked::state::{self as linked_state, Link, State as LinkState};
use crate::whatsapp::linked::View;
use crate::whatsapp::settings::{self, Provider, WhatsappSettings};
use crate::whatsapp::threads;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct ConfigForm {
    provider: String,
    #[serde(default)]
    phone_number_id: String,
    #[serde(default)]
    verify_token: String,
    #[serde(default)]
    app_secret: String,
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    graph_base: String,
    #[serde(default)]
    gateway_url: String,
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    session: String,
    #[serde(default)]
    hmac_key: String,
    #[serde(default)]
    template_name: String,
    #[serde(default)]
    template_language: String,
    #[serde(default)]
    rate_per_second: String,
}

#[derive(Deserialize)]
pub struct Done {
    saved: Option<String>,
    /// The test message just sent, whose light the page shows.
    test: Option<i64>,
}

fn secret(label: &str, name: &str, current: &str) -> Markup {
    secret_field(label, name, current, None)
}

/// Why a save was refused: a message above the form, or one beside the gateway URL.
pub(super) enum Refusal {
    Form(String),
    GatewayUrl(String),
}

pub(super) fn render(
    shop: &ShopPage,
    page: &Page,
    refusal: Option<&Refusal>,
    saved: bool,
) -> Markup {
    let Page {
        config: c,
        groups,
        link,
        view,
        pairing,
        origin,
        test,
    } = page;
    let (error, gateway_error) = match refusal {
        Some(Refusal::Form(m)) => (Some(m.as_str()), None),
        Some(Refusal::GatewayUrl(m)) => (Some(m.as_str()), Some(m.as_str())),
        None => (None, None),
    };
    let body = html! {
        (super::golive::section(shop, c.provider, origin, test.as_ref()))
        (super::linked::section(shop, c.provider, (link, view), pairing))
        (connection_form(shop, c, gateway_error))
        (super::groups::section(shop, groups))
    };
    settings_page(
        shop,
        "/settings/whatsapp",
        "WhatsApp",
        saved.then_some("Saved."),
        error,
        body,
    )
}

/// What the page shows.
pub(super) struct Page {
    config: WhatsappSettings,
    groups: Groups,
    link: Link,
    view: View,
    /// The pairing-code form, as typed when it was refused.
    pub(super) pairing: Pairing,
    /// Where people reach this server, for the full webhook URLs.
    origin: String,
    /// The test message, when one was just sent.
    pub(super) test: Option<threads::Message>,
}

/// The page again with what was refused, and `status`.
pub(super) fn refused(
    shop: &ShopPage,
    page: &Page,
    status: StatusCode,
    refusal: Refusal,
) -> Response {
    (status, render(shop, page, Some(&refusal), false)).into_response()
}

fn connection_form(shop: &ShopPage, c: &WhatsappSettings, gateway_error: Option<&str>) -> Markup {
    let base = shop.business.short_code.as_str();
    html! {
        form.stack method="post" action=(shop.url("/settings/whatsapp")) {
            (csrf_field(&shop.csrf))
            label { span { "Connect through" }
                select name="provider" {
                    option value="simulator" selected[c.provider == Provider::Simulator] { "Simulator (no account needed)" }
                    option value="cloud" selected[c.provider == Provider::Cloud] { "Cloud API (Meta)" }
                    option value="gateway" selected[c.provider == Provider::Gateway] { "Web gateway (WAHA)" }
                    option value="linked" selected[c.provider == Provider::Linked] { "Linked phone (QR code)" }
                }
            }
            fieldset {
                legend { "Cloud API — webhook: " code { "/webhooks/whatsapp/" (base) } }
                (field("Phone number id", "phone_number_id", "text", c.phone_number_id.as_deref().unwrap_or_default(), false))
                (secret("Verify token", "verify_token", &c.verify_token))
                (secret("App secret", "app_secret", &c.app_secret))
                (secret("Access token", "access_token", &c.access_token))
                (field("Graph API base URL", "graph_base", "url", &c.graph_base, false))
            }
            fieldset {
                legend { "Gateway — webhook: " code { "/webhooks/gateway/" (base) } }
                (field_with_error("Gateway URL", "gateway_url", "url", &c.gateway_url, gateway_error))
                (secret("API key", "api_key", &c.api_key))
                (field("Session", "session", "text", &c.session, false))
                (secret("Webhook HMAC key (optional)", "hmac_key", &c.hmac_key))
            }
            fieldset {
                legend { "Sending" }
                (field("Template for closed 24-hour windows (optional)", "template_name", "text", &c.template_name, false))
                (field("Template language", "template_language", "text", &c.template_language, false))
                (field("Messages a second", "rate_per_second", "number", &c.rate_per_second.to_string(), true))
            }
            p.muted { "Leave a secret blank to keep the one saved. Saving ends a pause caused by an expired token." }
            button type="submit" { "Save" }
        }
    }
}

pub(super) async fn load(
    state: &AppState,
    shop: &ShopPage,
    headers: &HeaderMap,
) -> AppResult<Page> {
    let id = shop.business.id;
    let (config, mapped, unmapped, link) = state
        .db
        .read(move |c| {
            Ok((
                settings::load(c, id)?,
                groups::list(c, id)?,
                groups::unmapped(c, id)?,
                linked_state::load(c, id)?,
            ))
        })
        .await?;
    let view = state.bridge.linked.view(id);
    // The phone's own groups, to pick from, while it is linked and connected.
    let phone = if config.provider == Provider::Linked && link.state == LinkState::Connected {
        Some(state.bridge.linked.groups(id).await)
    } else {
        None
    };
    Ok(Page {
        config,
        groups: Groups {
            mapped,
            unmapped,
            phone,
        },
        link,
        view,
        pairing: Pairing::default(),
        origin: super::golive::origin(state, headers),
        test: None,
    })
}

pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    headers: HeaderMap,
    Query(d): Query<Done>,
) -> AppResult<Markup> {
    shop.require_settings()?;
    let mut page = load(&state, &shop, &headers).await?;
    if let Some(id) = d.test {
        page.test = super::golive::test_message(&state, &shop, id).await?;
    }
    Ok(render(&shop, &page, None, d.saved.is_some()))
}

/// The form applied over the saved configuration; blank secrets keep the saved ones.
/// Where the Graph API lives. Only a platform admin (or the shell) may point a business
/// elsewhere: on a shared server an owner could otherwise make it call internal addresses.
const META_GRAPH: &str = "https://graph.facebook.com/";

fn apply(
    f: ConfigForm,
    saved: &WhatsappSettings,
    platform_admin: bool,
) -> (Result<WhatsappSettings, String>, WhatsappSettings) {
    let mut typed = saved.clone();
    let checked = read_form(f, saved, platform_admin, &mut typed);
    (checked, typed)
}

/// Reads the form into `c` field by field (so a refused form can be shown as typed), then
/// checks the whole.
fn read_form(
    f: ConfigForm,
    saved: &WhatsappSettings,
    platform_admin: bool,
    c: &mut WhatsappSettings,
) -> Result<WhatsappSettings, String> {
    let keep = |new: String, old: &str| {
        if new.trim().is_empty() {
            old.to_owned()
        } else {
            new.trim().to_owned()
        }
    };
    c.provider = match f.provider.as_str() {
        "cloud" => Provider::Cloud,
        "gateway" => Provider::Gateway,
        "simulator" => Provider::Simulator,
        "linked" => Provider::Linked,
        other => return Err(format!("unknown provider \"{other}\"")),
    };
    c.phone_number_id = Some(f.phone_number_id.trim().to_owned()).filter(|s| !s.is_empty());
    c.verify_token = keep(f.verify_token, &saved.verify_token);
    c.app_secret = keep(f.app_secret, &saved.app_secret);
    c.access_token = keep(f.access_token, &saved.access_token);
    c.graph_base = keep(f.graph_base, &saved.graph_base);
    c.gateway_url = f.gateway_url.trim().to_owned();
    c.template_name = f.template_name.trim().to_owned();
    c.template_language = keep(f.template_language, "en");
    if c.graph_base != saved.graph_base && !c.graph_base.starts_with(META_GRAPH) && !platform_admin
    {
        return Err(format!(
            "the Graph API address must start with {META_GRAPH}"
        ));
    }
    // An unchanged URL keeps who set it, so an owner editing other fields does not cut off a
    // gateway the platform admin put on the server's own network.
    c.gateway_url_by_admin =
        platform_admin || (c.gateway_url == saved.gateway_url && saved.gateway_url_by_admin);
    c.api_key = keep(f.api_key, &saved.api_key);
    c.session = keep(f.session, &saved.session);
    c.hmac_key = keep(f.hmac_key, &saved.hmac_key);
    c.rate_per_second = f
        .rate_per_second
        .trim()
        .parse()
        .map_err(|_| "messages a second must be a whole number".to_owned())?;
    settings::validate(c)?;
    Ok(c.clone())
}

pub async fn save(
    State(state): State<AppState>,
    shop: ShopPage,
    headers: HeaderMap,
    Form(f): Form<ConfigForm>,
) -> AppResult<Response> {
    shop.require_settings()?;
    let mut page = load(&state, &shop, &headers).await?;
    let before = page.config.clone();
    // A refused form is drawn again as it was typed, not as saved.
    let (config, typed) = apply(f, &page.config, shop.user.platform_admin);
    page.config = typed;
    let config = match config {
        Ok(c) => c,
        Err(m) => {
            let form = Refusal::Form(m);
            return Ok(refused(
                &shop,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
            ));
        }
    };
    if let Err(m) = owner_may_reach(&config).await {
        let beside = Refusal::GatewayUrl(m);
        return Ok(refused(
            &shop,
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            beside,
        ));
    }
    let id = shop.business.id;
    let linked = config.provider == Provider::Linked;
    let what = settings::changes(&before, &config);
    match state
        .db
        .write(move |tx| settings::save(tx, id, &config))
        .await
    {
        Ok(()) => {}
        Err(AppError::Conflict(m)) => {
            return Ok(refused(
                &shop,
                &page,
                StatusCode::CONFLICT,
                Refusal::Form(m),
            ))
        }
        Err(e) => return Err(e),
    }
    crate::web::audit::note(&state, &shop, crate::audit::WHATSAPP, what).await?;
    state.bridge.forget_settings(id);
    state.bridge.wake_sender();
    if linked {
        state.bridge.linked.start(id, false);
    }
    Ok(Redirect::to(&shop.url("/settings/whatsapp?saved=1")).into_response())
}

/// A gateway URL not set by a platform admin must reach public addresses only, checked after
/// DNS resolution (and again at every send).
async fn owner_may_reach(c: &WhatsappSettings) -> Result<(), String> {
    if c.gateway_url_by_admin || c.gateway_url.is_empty() {
        return Ok(());
    }
    address::check_public(&c.gateway_url)
        .await
        .map_err(|why| format!("The gateway URL {why}."))
}
