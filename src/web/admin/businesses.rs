//! Console → Businesses: every business with its state; one made with its first owner and a
//! one-time link for them; one edited, deactivated (pages, API, sending and replies stop, data
//! kept, webhooks still stored) and reactivated.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;

use super::{console, require_admin};
use crate::accounts::businesses::{self, Business};
use crate::accounts::{console as ops, parse_name, parse_short_code, parse_username};
use crate::db::blocking;
use crate::error::{AppError, AppResult};
use crate::web::audit::{actor, Address};
use crate::web::csrf::CsrfToken;
use crate::web::extract::CurrentUser;
use crate::web::layout::{csrf_field, error_box, field_with_error};
use crate::web::settings::golive::origin;
use crate::AppState;

const HERE: &str = "/admin/businesses";

#[derive(Deserialize, Default)]
pub struct NewFields {
    name: String,
    short_code: String,
    owner: String,
}

/// What is wrong with each field of the new-business form.
#[derive(Default)]
struct NewErrors {
    name: Option<String>,
    short_code: Option<String>,
    owner: Option<String>,
}

fn new_form(csrf: &str, f: &NewFields, e: &NewErrors) -> Markup {
    html! {
        form.stack method="post" action=(HERE) {
            (csrf_field(csrf))
            (field_with_error("Business name", "name", "text", &f.name, e.name.as_deref()))
            (field_with_error("Short code (used in links, e.g. sweetshop)", "short_code", "text", &f.short_code, e.short_code.as_deref()))
            (field_with_error("Owner's username", "owner", "text", &f.owner, e.owner.as_deref()))
            button type="submit" { "Create business" }
        }
    }
}

fn list(all: &[Business]) -> Markup {
    html! {
        table.stacked.businesses {
            thead { tr { th { "Business" } th { "Short code" } th { "State" } th { "Actions" } } }
            tbody {
                @for b in all {
                    tr {
                        td data-label="Business" { a href={ "/b/" (b.short_code) "/" } { (b.name) } }
                        td data-label="Short code" { code { (b.short_code) } }
                        td data-label="State" {
                            @if b.active() { span.badge { "active" } } @else { span.badge.off { "deactivated" } }
                        }
                        td.actions data-label="Actions" { a href={ (HERE) "/" (b.short_code) } { "Edit" } }
                    }
                }
            }
        }
    }
}

async fn index_page(
    state: &AppState,
    user: &crate::accounts::users::User,
    csrf: &str,
    f: &NewFields,
    e: &NewErrors,
) -> AppResult<Markup> {
    let all = state.db.read(businesses::list).await?;
    let body = html! {
        @if all.is_empty() { p.empty { "No businesses yet." } } @else { (list(&all)) }
        h2 { "New business" }
        p.muted { "Its owner gets a one-time link to choose their password." }
        (new_form(csrf, f, e))
    };
    Ok(console(HERE, "Businesses", user, csrf, body))
}

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> AppResult<Markup> {
    require_admin(&user)?;
    index_page(
        &state,
        &user,
        &csrf.0,
        &NewFields::default(),
        &NewErrors::default(),
    )
    .await
}

/// Each field checked on its own, so every mistake shows beside its field at once.
fn check_new(f: &NewFields) -> NewErrors {
    NewErrors {
        name: parse_name(&f.name, "business name")
            .err()
            .map(|e| e.to_string()),
        short_code: parse_short_code(&f.short_code).err().map(|e| e.to_string()),
        owner: parse_username(&f.owner).err().map(|e| e.to_string()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    addr: Address,
    headers: HeaderMap,
    Form(f): Form<NewFields>,
) -> AppResult<Response> {
    require_admin(&user)?;
    let mut errors = check_new(&f);
    if errors.name.is_none() && errors.short_code.is_none() && errors.owner.is_none() {
        let (db, who) = (state.db.clone(), actor(&user, &addr));
        let (name, code, owner) = (f.name.clone(), f.short_code.clone(), f.owner.clone());
        let made =
            blocking(move || ops::create_business_with_owner(&db, &who, &name, &code, &owner))
                .await;
        match made.map_err(AppError::into_refusal) {
            Ok(c) => {
                let link = format!("{}/setup/{}", origin(&state, &headers), c.token);
                return Ok(
                    created_page(&user, &csrf.0, &c.business, &c.owner.username, &link)
                        .into_response(),
                );
            }
            Err(Ok(m)) if m.contains("short code") => errors.short_code = Some(m),
            Err(Ok(m)) => errors.owner = Some(m),
            Err(Err(e)) => return Err(e),
        }
    }
    let page = index_page(&state, &user, &csrf.0, &f, &errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The one time the owner's link is shown: it is stored only as a hash.
fn created_page(
    user: &crate::accounts::users::User,
    csrf: &str,
    b: &Business,
    owner: &str,
    link: &str,
) -> Markup {
    let body = html! {
        p.notice role="status" { "Created " (b.name) " (" code { (b.short_code) } ") with owner " strong { (owner) } "." }
        p { "Send this one-time link to " (owner) " to choose a password. It works once, for 7 days, and is not shown again:" }
        p { code #setup-link { (link) } }
        p { a href=(HERE) { "Back to businesses" } }
    };
    console(HERE, "Business created", user, csrf, body)
}

#[derive(Deserialize, Default)]
pub struct EditFields {
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
}

fn edit_page(
    user: &crate::accounts::users::User,
    csrf: &str,
    b: &Business,
    f: &EditFields,
    error: Option<&str>,
) -> Markup {
    let url = format!("{HERE}/{}", b.short_code);
    let body = html! {
        @if !b.active() {
            p.banner role="status" {
                "Deactivated: its pages, API, WhatsApp replies and sending are stopped; webhooks are still stored. Its data is kept."
            }
        }
        (error_box(error))
        form.stack method="post" action=(url) {
            (csrf_field(csrf))
            (field_with_error("Business name", "name", "text", &f.name, None))
            (field_with_error("Address", "address", "text", &f.address, None))
            (field_with_error("Phone", "phone", "text", &f.phone, None))
            button type="submit" { "Save" }
        }
        h2 { "Deactivate or reactivate" }
        @if b.active() {
            p { "Deactivating stops the shop's pages, API, logins and WhatsApp sending at once, with a clear message. Nothing is deleted." }
            form method="post" action={ (url) "/deactivate" } {
                (csrf_field(csrf))
                button.danger type="submit" { "Deactivate " (b.name) }
            }
        } @else {
            form method="post" action={ (url) "/reactivate" } {
                (csrf_field(csrf))
                button type="submit" { "Reactivate " (b.name) }
            }
        }
    };
    console(HERE, &format!("Edit {}", b.name), user, csrf, body)
}

async fn find(state: &AppState, code: &str) -> AppResult<Business> {
    let code = code.to_owned();
    state
        .db
        .read(move |c| businesses::by_code(c, &code))
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn edit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    Path(code): Path<String>,
) -> AppResult<Markup> {
    require_admin(&user)?;
    let b = find(&state, &code).await?;
    let f = EditFields {
        name: b.name.clone(),
        address: b.address.clone(),
        phone: b.phone.clone(),
    };
    Ok(edit_page(&user, &csrf.0, &b, &f, None))
}

pub async fn save(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    addr: Address,
    Path(code): Path<String>,
    Form(f): Form<EditFields>,
) -> AppResult<Response> {
    require_admin(&user)?;
    let b = find(&state, &code).await?;
    let (db, who, id) = (state.db.clone(), actor(&user, &addr), b.id);
    let (name, address, phone) = (f.name.clone(), f.address.clone(), f.phone.clone());
    let saved =
        blocking(move || ops::edit_business(&db, &who, id, (&name, &address, &phone))).await;
    match saved.map_err(AppError::into_refusal) {
        Ok(_) => {
            state.forget_business(&b.short_code);
            Ok(Redirect::to(&format!("{HERE}/{}", b.short_code)).into_response())
        }
        Err(Ok(m)) => {
            let page = edit_page(&user, &csrf.0, &b, &f, Some(&m));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(Err(e)) => Err(e),
    }
}

async fn set_active(
    state: AppState,
    user: crate::accounts::users::User,
    addr: Address,
    code: String,
    active: bool,
) -> AppResult<Redirect> {
    require_admin(&user)?;
    let b = find(&state, &code).await?;
    let (db, who, id) = (state.db.clone(), actor(&user, &addr), b.id);
    blocking(move || ops::set_business_active(&db, &who, id, active)).await?;
    // Pages read businesses through a cache: drop it so the change holds at once.
    state.forget_business(&b.short_code);
    // A linked phone is paused or resumed now, not at the next periodic check.
    if let Err(e) = state.bridge.linked.reconcile().await {
        tracing::error!(error = %e.detail(), "pausing or resuming the linked phone failed");
    }
    if active {
        // Replies that waited while the shop was deactivated go now.
        state.bridge.wake_sender();
    }
    Ok(Redirect::to(&format!("{HERE}/{}", b.short_code)))
}

pub async fn deactivate(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    addr: Address,
    Path(code): Path<String>,
) -> AppResult<Redirect> {
    set_active(state, user, addr, code, false).await
}

pub async fn reactivate(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    addr: Address,
    Path(code): Path<String>,
) -> AppResult<Redirect> {
    set_active(state, user, addr, code, true).await
}
