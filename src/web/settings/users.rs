//! Settings → Users: the business's staff, their roles, and who may log in. Owners only.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::same_business;
use super::settings_page;
use crate::accounts;
use crate::accounts::users::{self, Membership, User};
use crate::accounts::Role;
use crate::db::blocking;
use crate::error::{AppError, AppResult};
use crate::web::extract::ShopPage;
use crate::web::layout::{csrf_field, field};
use crate::AppState;

#[derive(Deserialize)]
pub struct Notice {
    done: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(rename = "new_username")]
    username: String,
    role: String,
    new_password: String,
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    new_password: String,
}

fn role_select(name: &str, current: Option<Role>) -> Markup {
    html! {
        select name=(name) aria-label="Role" {
            @for r in Role::ALL {
                option value=(r.as_str()) selected[current == Some(r)] { (r) }
            }
        }
    }
}

fn user_row(shop: &ShopPage, u: &User) -> Markup {
    let base = shop.url(&format!("/settings/users/{}", u.id));
    html! {
        tr {
            td { strong { (u.username) } }
            td data-label="Role" {
                form.inline method="post" action={ (base) "/role" } {
                    (csrf_field(&shop.csrf))
                    (role_select("role", u.role))
                    button.small type="submit" { "Change" }
                }
            }
            td { @if u.disabled { span.badge.off { "disabled" } } @else { span.badge { "active" } } }
            td.actions {
                form.inline method="post" action={ (base) (if u.disabled { "/enable" } else { "/disable" }) } {
                    (csrf_field(&shop.csrf))
                    button.small type="submit" { (if u.disabled { "Enable" } else { "Disable" }) }
                }
                form.inline method="post" action={ (base) "/password" } {
                    (csrf_field(&shop.csrf))
                    input type="password" name="new_password" placeholder="New password" autocomplete="new-password" required aria-label={ "New password for " (u.username) };
                    button.small type="submit" { "Set password" }
                }
            }
        }
    }
}

fn render(
    shop: &ShopPage,
    list: &[User],
    f: &AddForm,
    error: Option<&str>,
    done: Option<&str>,
) -> Markup {
    let body = html! {
        table.users.stacked {
            thead { tr { th { "Username" } th { "Role" } th { "Status" } th { "" } } }
            tbody { @for u in list { (user_row(shop, u)) } }
        }
        h2 { "Add a user" }
        p.muted { "Owners manage everything; managers the catalog, orders and staff work; agents orders and conversations." }
        form.stack method="post" action=(shop.url("/settings/users")) {
            (csrf_field(&shop.csrf))
            (field("Username", "new_username", "text", &f.username, true))
            // A new user is an agent unless chosen otherwise: the least a person can do is the
            // safe default when the field is not looked at.
            label { span { "Role" } (role_select("role", Some(f.role.parse().unwrap_or(Role::Agent)))) }
            (field("Password (at least 8 characters)", "new_password", "password", "", true))
            button type="submit" { "Add user" }
        }
    };
    settings_page(shop, "/settings/users", "Users", done, error, body)
}

async fn list(state: &AppState, shop: &ShopPage) -> AppResult<Vec<User>> {
    let id = shop.business.id;
    state.db.read(move |c| users::list(c, Some(id))).await
}

pub async fn index(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(q): Query<Notice>,
) -> AppResult<Markup> {
    shop.require_settings()?;
    let all = list(&state, &shop).await?;
    Ok(render(
        &shop,
        &all,
        &AddForm::default(),
        None,
        q.done.as_deref(),
    ))
}

/// Re-renders the page with what went wrong, or goes back to it with a notice.
async fn finish(
    state: &AppState,
    shop: &ShopPage,
    f: &AddForm,
    result: AppResult<String>,
) -> AppResult<Response> {
    match result {
        Ok(done) => {
            crate::web::audit::note(state, shop, crate::audit::USER, done.clone()).await?;
            let q = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
            Ok(Redirect::to(&shop.url(&format!("/settings/users?{q}"))).into_response())
        }
        Err(e) => {
            let refused = e.into_refusal()?;
            let all = list(state, shop).await?;
            let body = render(shop, &all, f, Some(&refused), None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

pub async fn add(
    State(state): State<AppState>,
    shop: ShopPage,
    Form(f): Form<AddForm>,
) -> AppResult<Response> {
    shop.require_settings()?;
    let result = match f.role.parse::<Role>() {
        Err(m) => Err(AppError::Invalid(m)),
        Ok(role) => {
            let (db, name, pass) = (state.db.clone(), f.username.clone(), f.new_password.clone());
            let m = Membership::Staff {
                business_id: shop.business.id,
                role,
            };
            blocking(move || accounts::create_user(&db, &name, &pass, m))
                .await
                .map(|u| format!("Added {}.", u.username))
        }
    };
    finish(&state, &shop, &f, result).await
}

/// Loads a user of this business by id, or 404.
async fn member(state: &AppState, shop: &ShopPage, id: i64) -> AppResult<User> {
    let user = state
        .db
        .read(move |c| users::by_id(c, id))
        .await?
        .ok_or(AppError::NotFound)?;
    same_business(shop, &user)?;
    Ok(user)
}

pub async fn set_role(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, i64)>,
    Form(f): Form<RoleForm>,
) -> AppResult<Response> {
    shop.require_settings()?;
    let before = member(&state, &shop, id).await?;
    let result = match f.role.parse::<Role>() {
        Err(m) => Err(AppError::Invalid(m)),
        Ok(role) => {
            let db = state.db.clone();
            // Old and new, as every other settings entry in the audit log says them.
            let was = before.role.map_or("no role".to_owned(), |r| r.to_string());
            blocking(move || accounts::set_role(&db, id, role))
                .await
                .map(|u| format!("{} is now {role} (was {was}).", u.username))
        }
    };
    finish(&state, &shop, &AddForm::default(), result).await
}

pub async fn disable(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    toggle(state, shop, id, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    toggle(state, shop, id, false).await
}

async fn toggle(state: AppState, shop: ShopPage, id: i64, disabled: bool) -> AppResult<Response> {
    shop.require_settings()?;
    member(&state, &shop, id).await?;
    let db = state.db.clone();
    let result = blocking(move || accounts::set_disabled(&db, id, disabled))
        .await
        .map(|u| {
            format!(
                "{} is now {}.",
                u.username,
                if disabled { "disabled" } else { "enabled" }
            )
        });
    finish(&state, &shop, &AddForm::default(), result).await
}

pub async fn set_password(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, i64)>,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    shop.require_settings()?;
    let user = member(&state, &shop, id).await?;
    let db = state.db.clone();
    let result = blocking(move || accounts::change_password(&db, id, &f.new_password))
        .await
        .map(|()| format!("Password changed for {}.", user.username));
    finish(&state, &shop, &AddForm::default(), result).await
}
