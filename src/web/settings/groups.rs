//! Settings → WhatsApp → Groups: the groups mapped to a role (sales, delivery, admin), the
//! linked phone's own groups listed to pick a role for, and a form to map one by its chat id
//! (a gateway's, or a linked phone's when it cannot be listed).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::whatsapp::{load, refused, Refusal};
use crate::error::{AppError, AppResult};
use crate::web::extract::ShopPage;
use crate::web::layout::csrf_field;
use crate::whatsapp::groups::{self, Group, ROLES};
use crate::whatsapp::linked::PhoneGroup;
use crate::AppState;

/// What the section shows: the mapped groups, the chat ids seen but not mapped, and the
/// linked phone's groups (`None` unless the business is linked and connected).
pub struct Groups {
    pub mapped: Vec<Group>,
    pub unmapped: Vec<String>,
    pub phone: Option<Result<Vec<PhoneGroup>, String>>,
}

pub fn section(shop: &ShopPage, g: &Groups) -> Markup {
    html! {
        h2 { "Groups" }
        p.muted { "Through a gateway or a linked phone, Novi sees WhatsApp groups. Staff post orders in a sales group; the delivery group is told when orders go out." }
        (mapped(shop, &g.mapped))
        @match &g.phone {
            Some(Ok(list)) => (on_the_phone(shop, list, &g.mapped)),
            Some(Err(why)) => {
                p.muted { "Could not list the groups on the shop's phone (" (why) "); type a group's chat id instead." }
                (by_chat_id(shop, &g.unmapped))
            }
            None => (by_chat_id(shop, &g.unmapped)),
        }
    }
}

fn mapped(shop: &ShopPage, mapped: &[Group]) -> Markup {
    html! {
        table {
            thead { tr { th { "Group" } th { "Chat id" } th { "Role" } th {} } }
            tbody {
                @for g in mapped {
                    tr {
                        td { (g.name) } td { code { (g.chat_id) } } td { (g.role) }
                        td { form.inline method="post" action=(shop.url("/settings/whatsapp/groups/remove")) {
                            (csrf_field(&shop.csrf)) input type="hidden" name="chat_id" value=(g.chat_id);
                            button.small type="submit" { "Remove" }
                        } }
                    }
                }
            }
        }
    }
}

/// The linked phone's groups, each with a role to pick (its current one selected).
fn on_the_phone(shop: &ShopPage, list: &[PhoneGroup], mapped: &[Group]) -> Markup {
    html! {
        h3 { "Groups on the shop's phone" }
        @if list.is_empty() {
            p.muted { "The shop's phone is in no group yet." }
        }
        @for pg in list {
            @let role = mapped.iter().find(|g| g.chat_id == pg.chat_id).map(|g| g.role.as_str());
            form.inline.phone-group method="post" action=(shop.url("/settings/whatsapp/groups")) {
                (csrf_field(&shop.csrf))
                input type="hidden" name="chat_id" value=(pg.chat_id);
                input type="hidden" name="name" value=(pg.name);
                span { (pg.name) }
                select name="role" aria-label={ "role of " (pg.name) } {
                    @for r in ROLES { option value=(r) selected[role == Some(r)] { (r) } }
                }
                button.small type="submit" { @if role.is_some() { "Change" } @else { "Map group" } }
            }
        }
    }
}

/// A group mapped by typing its chat id (those seen in messages offered).
fn by_chat_id(shop: &ShopPage, unmapped: &[String]) -> Markup {
    html! {
        form.inline method="post" action=(shop.url("/settings/whatsapp/groups")) {
            (csrf_field(&shop.csrf))
            input type="text" name="chat_id" list="seen-groups" placeholder="1203…@g.us" required aria-label="chat id";
            datalist id="seen-groups" { @for id in unmapped { option value=(id) {} } }
            input type="text" name="name" placeholder="Name" aria-label="group name";
            select name="role" aria-label="role" { @for r in ROLES { option value=(r) { (r) } } }
            button.small type="submit" { "Map group" }
        }
    }
}

#[derive(Deserialize)]
pub struct GroupForm {
    chat_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

pub async fn map_group(
    State(state): State<AppState>,
    shop: ShopPage,
    headers: axum::http::HeaderMap,
    Form(f): Form<GroupForm>,
) -> AppResult<Response> {
    shop.require_settings()?;
    let id = shop.business.id;
    let what = format!("group {} ({}) mapped as {}", f.name, f.chat_id, f.role);
    let g = Group {
        chat_id: f.chat_id,
        name: f.name,
        role: f.role,
    };
    match state.db.write(move |tx| groups::map(tx, id, &g)).await {
        Ok(()) => {
            crate::web::audit::note(&state, &shop, crate::audit::WHATSAPP, what).await?;
            Ok(Redirect::to(&shop.url("/settings/whatsapp?saved=1")).into_response())
        }
        Err(AppError::Invalid(m)) => {
            let page = load(&state, &shop, &headers).await?;
            let form = Refusal::Form(m);
            Ok(refused(
                &shop,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
            ))
        }
        Err(e) => Err(e),
    }
}

pub async fn unmap_group(
    State(state): State<AppState>,
    shop: ShopPage,
    Form(f): Form<GroupForm>,
) -> AppResult<Redirect> {
    shop.require_settings()?;
    let id = shop.business.id;
    let what = format!("group {} unmapped", f.chat_id);
    state
        .db
        .write(move |tx| groups::unmap(tx, id, &f.chat_id))
        .await?;
    crate::web::audit::note(&state, &shop, crate::audit::WHATSAPP, what).await?;
    Ok(Redirect::to(&shop.url("/settings/whatsapp?saved=1")))
}
