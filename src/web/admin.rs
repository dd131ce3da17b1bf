//! The platform admin's view: every business, and a way into each.

use axum::extract::State;
use axum::Extension;
use maud::{html, Markup};

use super::layout::{bare, csrf_field};
use crate::accounts::businesses;
use crate::error::{AppError, AppResult};
use crate::web::csrf::CsrfToken;
use crate::web::extract::CurrentUser;
use crate::AppState;

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> AppResult<Markup> {
    if !user.platform_admin {
        return Err(AppError::NotFound);
    }
    let all = state.db.read(businesses::list).await?;
    Ok(bare(
        "All businesses",
        html! {
            @if all.is_empty() {
                p { "No businesses yet. Add one with " code { "novi business add" } "." }
            }
            ul.list {
                @for b in &all {
                    li { a href={ "/b/" (b.short_code) "/" } { (b.name) } " " code { (b.short_code) } }
                }
            }
            p { "Logged in as " (user.username) " (platform admin)." }
            form method="post" action="/logout" {
                (csrf_field(&csrf.0))
                button.link type="submit" { "Log out" }
            }
        },
    ))
}
