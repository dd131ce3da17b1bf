//! Settings: the business profile (name, address, phone, currency, delivery fee). Owners only.

pub mod golive;
pub mod groups;
pub mod hours;
pub mod linked;
pub mod messages;
pub mod payments;
pub mod printing;
pub mod users;
pub mod whatsapp;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use crate::accounts::businesses::{self, Profile};
use crate::domain::{Money, Phone};
use crate::error::{AppError, AppResult};
use crate::payments::upi;
use crate::web::extract::ShopPage;
use crate::web::layout::{csrf_field, error_box, field_with_error, notice, page, Nav, MONEY};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct ProfileForm {
    name: String,
    address: String,
    phone: String,
    currency: String,
    delivery_fee: String,
    /// The shop's own UPI id (`name@bank`) customers pay to; blank for none.
    #[serde(default)]
    upi_id: String,
}

#[derive(Deserialize)]
pub struct Saved {
    pub(super) saved: Option<String>,
}

/// What is wrong with the form, field by field: each message is shown beside its field.
type Wrong = std::collections::BTreeMap<&'static str, String>;

fn render(shop: &ShopPage, f: &ProfileForm, wrong: &Wrong, saved: bool) -> Markup {
    let error = (!wrong.is_empty()).then_some("Please correct the fields marked below.");
    let field = |label: &str, name: &'static str, kind: &str, value: &str| {
        field_with_error(
            label,
            name,
            kind,
            value,
            wrong.get(name).map(String::as_str),
        )
    };
    let body = html! {
        form.stack method="post" action=(shop.url("/settings/profile")) {
            (csrf_field(&shop.csrf))
            (field("Business name", "name", "text", &f.name))
            (field("Address", "address", "text", &f.address))
            (field("Phone (WhatsApp number, with country code)", "phone", "tel", &f.phone))
            (field("Currency (ISO code, e.g. INR)", "currency", "text", &f.currency))
            (field("Delivery fee", "delivery_fee", MONEY, &f.delivery_fee))
            (field("UPI id for payments (name@bank; blank for none)", "upi_id", "text", &f.upi_id))
            small.muted { "Customers get a UPI link for the exact amount with each order, and the order page shows it as a QR code." }
            button type="submit" { "Save" }
        }
        p { a href=(shop.url("/settings/hours")) { "Opening hours" } " — shown on the shop's public page." }
    };
    settings_page(
        shop,
        "/settings",
        "Settings",
        saved.then_some("Saved."),
        error,
        body,
    )
}

pub async fn show(shop: ShopPage, Query(q): Query<Saved>) -> AppResult<Markup> {
    shop.require_settings()?;
    let b = &shop.business;
    let f = ProfileForm {
        name: b.name.clone(),
        address: b.address.clone(),
        phone: b.phone.clone(),
        currency: b.currency.clone(),
        delivery_fee: Money::from_minor(b.delivery_fee_minor).to_major_string(),
        upi_id: b.upi_id.clone(),
    };
    Ok(render(&shop, &f, &Wrong::default(), q.saved.is_some()))
}

/// Turns the posted form into a profile, or says what is wrong with each field at once.
fn parse(f: &ProfileForm) -> Result<Profile, Wrong> {
    let mut wrong = Wrong::new();
    let name = crate::accounts::parse_name(&f.name, "business name").map_err(|e| e.to_string());
    let name = noted(&mut wrong, "name", name);
    let phone = match f.phone.trim() {
        "" => Ok(String::new()),
        p => Phone::parse(p, "91")
            .map(|p| p.to_string())
            .map_err(|e| e.to_string()),
    };
    let phone = noted(&mut wrong, "phone", phone);
    let currency = crate::domain::money::parse_currency(&f.currency);
    let currency = noted(&mut wrong, "currency", currency);
    let fee = Money::parse_major(f.delivery_fee.trim()).map_err(|e| format!("delivery fee: {e}"));
    let fee = noted(&mut wrong, "delivery_fee", fee);
    match (name, phone, currency, fee) {
        (Some(name), Some(phone), Some(currency), Some(fee)) => Ok(Profile {
            name,
            address: f.address.trim().to_owned(),
            phone,
            currency,
            delivery_fee_minor: fee.minor(),
        }),
        _ => Err(wrong),
    }
}

/// The value of `r`, or `None` with its error noted beside `field`.
fn noted<T>(wrong: &mut Wrong, field: &'static str, r: Result<T, String>) -> Option<T> {
    r.map_err(|e| wrong.insert(field, e)).ok()
}

pub async fn update(
    State(state): State<AppState>,
    shop: ShopPage,
    Form(f): Form<ProfileForm>,
) -> AppResult<Response> {
    shop.require_settings()?;
    let (profile, upi_id) = match (parse(&f), upi::parse_upi_id(&f.upi_id)) {
        (Ok(p), Ok(u)) => (p, u),
        (p, u) => {
            let mut wrong = p.err().unwrap_or_default();
            if let Err(e) = u {
                wrong.insert("upi_id", e);
            }
            let body = render(&shop, &f, &wrong, false);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    let id = shop.business.id;
    let b = &shop.business;
    let (fee_was, fee) = (
        b.delivery_fee_minor.to_string(),
        profile.delivery_fee_minor.to_string(),
    );
    let what = crate::audit::changes(&[
        ("name", &b.name, &profile.name),
        ("address", &b.address, &profile.address),
        ("phone", &b.phone, &profile.phone),
        ("currency", &b.currency, &profile.currency),
        ("delivery fee (paise)", &fee_was, &fee),
    ]);
    state
        .db
        .write(move |tx| {
            businesses::update_profile(tx, id, &profile)?;
            businesses::set_upi_id(tx, id, &upi_id)
        })
        .await?;
    if !what.is_empty() {
        crate::web::audit::note(&state, &shop, crate::audit::SETTINGS, what).await?;
    }
    state.forget_business(&shop.business.short_code);
    Ok(Redirect::to(&shop.url("/settings?saved=1")).into_response())
}

/// Only a user of this business may be changed from its pages.
pub fn same_business(shop: &ShopPage, user: &crate::accounts::users::User) -> AppResult<()> {
    if user.business_id == Some(shop.business.id) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// One settings page: the tabs with `tab` current, what was just done, what went wrong, then
/// the page's own `body`.
fn settings_page(
    shop: &ShopPage,
    tab: &str,
    title: &str,
    done: Option<&str>,
    error: Option<&str>,
    body: Markup,
) -> Markup {
    let content = html! {
        (settings_tabs(shop, tab))
        (notice(done))
        (error_box(error))
        (body)
    };
    page(shop, Nav::Settings, title, content)
}

/// The tabs across the settings pages, `current` being the path of the page shown.
fn settings_tabs(shop: &ShopPage, current: &str) -> Markup {
    const TABS: [(&str, &str); 6] = [
        ("/settings", "Profile"),
        ("/settings/users", "Users"),
        ("/settings/whatsapp", "WhatsApp"),
        ("/settings/messages", "Messages"),
        ("/settings/payments", "Payments"),
        ("/settings/printing", "Printing"),
    ];
    html! {
        nav.tabs {
            @for (path, label) in TABS {
                a href=(shop.url(path)) aria-current=[(path == current).then_some("page")] { (label) }
            }
        }
    }
}
