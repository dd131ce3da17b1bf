//! The start page, each business's dashboard, and the sections later releases fill.

use axum::response::Redirect;
use maud::{html, Markup};

use super::layout::{page, Nav};
use crate::auth::{Ctx, CurrentUser};
use crate::AppState;

/// `/`: a platform admin goes to the business list, everyone else to their own business.
pub async fn home(
    axum::extract::State(state): axum::extract::State<AppState>,
    CurrentUser(user): CurrentUser,
) -> crate::error::AppResult<Redirect> {
    if user.platform_admin {
        return Ok(Redirect::to("/admin"));
    }
    let id = user.business_id.ok_or(crate::error::AppError::NotFound)?;
    let business = state
        .db
        .read(move |c| crate::db::businesses::by_id(c, id))
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    Ok(Redirect::to(&format!("/b/{}/", business.short_code)))
}

pub async fn show(ctx: Ctx) -> Markup {
    let b = &ctx.business;
    page(
        &ctx,
        Nav::Dashboard,
        "Dashboard",
        html! {
            section.cards {
                div.card {
                    h2 { "Your shop" }
                    dl {
                        dt { "Name" } dd { (b.name) }
                        dt { "Short code" } dd { code { (b.short_code) } }
                        dt { "Currency" } dd { (b.currency) }
                    }
                    @if ctx.role.can_manage_settings() {
                        p { a href=(ctx.url("/settings")) { "Edit the shop's profile" } }
                    }
                }
                div.card {
                    h2 { "Today" }
                    p.muted { "Orders, messages and takings for today will show here once order taking is switched on." }
                }
            }
        },
    )
}
