//! The start page, each business's dashboard, and the sections later releases fill.

use axum::response::Redirect;
use maud::{html, Markup};

use super::layout::{page, Nav};
use crate::conversation::timing::human;
use crate::domain::Money;
use crate::web::extract::{CurrentUser, ShopPage};
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
        .read(move |c| crate::accounts::businesses::by_id(c, id))
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    Ok(Redirect::to(&format!("/b/{}/", business.short_code)))
}

/// Today's figures on the shop's clock.
struct Today {
    orders: i64,
    takings_minor: i64,
    messages_in: i64,
    messages_out: i64,
    avg_reply_ms: Option<i64>,
}

fn today(
    conn: &rusqlite::Connection,
    b: &crate::accounts::businesses::Business,
) -> crate::error::AppResult<Today> {
    let day = chrono::Utc::now()
        .with_timezone(&b.offset())
        .format("%Y-%m-%d")
        .to_string();
    let (from, to) = crate::orders::export::day_range(b, Some(&day), Some(&day))?;
    let (orders, takings_minor) = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(total_minor), 0) FROM orders
         WHERE business_id = ?1 AND status != 'cancelled' AND created_at >= ?2 AND created_at < ?3",
        rusqlite::params![b.id, from, to],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (messages_in, messages_out, reply_total, replies): (i64, i64, i64, i64) = conn
        .query_row(
            "SELECT messages_in, messages_out, reply_ms_total, replies FROM bot_metrics WHERE business_id = ?1 AND day = ?2",
            rusqlite::params![b.id, day],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap_or((0, 0, 0, 0));
    let avg_reply_ms = (replies > 0).then(|| reply_total / replies);
    Ok(Today {
        orders,
        takings_minor,
        messages_in,
        messages_out,
        avg_reply_ms,
    })
}

pub async fn show(
    axum::extract::State(state): axum::extract::State<AppState>,
    shop: ShopPage,
) -> crate::error::AppResult<Markup> {
    let business = shop.business.clone();
    let today = state.db.read(move |c| today(c, &business)).await?;
    let b = &shop.business;
    Ok(page(
        &shop,
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
                    @if shop.role.can_manage_settings() {
                        p { a href=(shop.url("/settings")) { "Edit the shop's profile" } }
                    }
                }
                div.card {
                    h2 { "Today" }
                    dl {
                        dt { "Orders" } dd { (today.orders) }
                        dt { "Takings" } dd { (Money::from_minor(today.takings_minor).format(&b.currency)) }
                        dt { "WhatsApp messages in / out" } dd { (today.messages_in) " / " (today.messages_out) }
                        dt { "Average reply time" } dd { (today.avg_reply_ms.map(human).unwrap_or_else(|| "—".into())) }
                    }
                    p { a href=(shop.url("/orders")) { "See orders" } " · " a href=(shop.url("/conversations")) { "Conversations" } }
                }
            }
        },
    ))
}
