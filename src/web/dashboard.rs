//! The start page (to the right business, or the platform admin's list) and each business's
//! dashboard: its profile and today's figures.

use axum::response::Redirect;
use maud::{html, Markup};

use super::layout::{page, Nav};
use rusqlite::Connection;

use crate::accounts::businesses::{self, Business};
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::orders::export::day_range;
use crate::orders::store;
use crate::web::extract::{CurrentUser, ShopPage};
use crate::web::format::duration;
use crate::whatsapp::metrics::{day_figures, DayFigures};
use crate::AppState;

/// `/`: a platform admin goes to the business list, everyone else to their own business.
pub async fn home(
    axum::extract::State(state): axum::extract::State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<Redirect> {
    if user.platform_admin {
        return Ok(Redirect::to("/admin"));
    }
    let id = user.business_id.ok_or(AppError::NotFound)?;
    let business = state
        .db
        .read(move |c| businesses::by_id(c, id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/b/{}/", business.short_code)))
}

/// Today's figures on the shop's clock.
struct Today {
    orders: i64,
    takings_minor: i64,
    whatsapp: DayFigures,
}

fn today(conn: &Connection, b: &Business) -> AppResult<Today> {
    let day = chrono::Utc::now()
        .with_timezone(&b.offset())
        .format("%Y-%m-%d")
        .to_string();
    let (from, to) = day_range(b, Some(&day), Some(&day))?;
    let (from, to) = (from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX));
    let (orders, takings_minor) = store::taken_between(conn, b.id, from, to)?;
    let whatsapp = day_figures(conn, b.id, &day)?;
    Ok(Today {
        orders,
        takings_minor,
        whatsapp,
    })
}

pub async fn show(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
    shop: ShopPage,
) -> AppResult<Markup> {
    let origin = crate::web::settings::golive::origin(&state, &headers);
    let business = shop.business.clone();
    let today = state.db.read(move |c| today(c, &business)).await?;
    let low_stock = super::low_stock::block(&state, &shop).await?;
    let b = &shop.business;
    Ok(page(
        &shop,
        Nav::Dashboard,
        "Dashboard",
        html! {
            (low_stock)
            section.cards {
                div.card {
                    h2 { "Your shop" }
                    dl {
                        dt { "Name" } dd { (b.name) }
                        dt { "Short code" } dd { code { (b.short_code) } }
                        dt { "Currency" } dd { (b.currency) }
                    }
                    @if shop.role.can_manage_settings() {
                        p { a href=(shop.url("/settings")) { "Edit the shop's profile" } }
                    }
                }
                div.card {
                    h2 { "Today" }
                    dl {
                        dt { "Orders" } dd { (today.orders) }
                        dt { "Takings" } dd { (Money::from_minor(today.takings_minor).format(&b.currency)) }
                        dt { "WhatsApp messages in / out" } dd { (today.whatsapp.messages_in) " / " (today.whatsapp.messages_out) }
                        dt { "Average reply time" } dd { (today.whatsapp.avg_reply_ms.map(duration).unwrap_or_else(|| "—".into())) }
                    }
                    p { a href=(shop.url("/orders")) { "See orders" } " · " a href=(shop.url("/conversations")) { "Conversations" } }
                }
                (crate::web::store::promo::block(&shop, &origin))
            }
        },
    ))
}
