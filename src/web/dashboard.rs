//! The start page (to the right business, or the platform admin's list) and each business's
//! dashboard: a period's figures against the period before, charts, the newest orders, the
//! conversations waiting for a person, and the blocks other parts of Novi add.

mod cards;
pub mod graphs;
mod lists;
pub mod picker;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};

use super::layout::{page, sound_switch, Nav};

use crate::accounts::businesses;
use crate::error::{AppError, AppResult};
use crate::orders::figures::{recent, Recent};
use crate::reports::{figures, Figures, Period};
use crate::web::extract::{CurrentUser, ShopPage};
use crate::whatsapp::attention::{waiting, Waiting};
use crate::AppState;
use picker::{picker, PeriodQuery};

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

/// How many of the newest orders the dashboard lists.
const RECENT: i64 = 8;

/// What the dashboard shows for a period.
struct Shown {
    now: Figures,
    before: Figures,
    recent: Vec<Recent>,
    waiting: Vec<Waiting>,
}

async fn load(state: &AppState, shop: &ShopPage, p: Period) -> AppResult<Shown> {
    let (b, cache) = (shop.business.clone(), state.figures.clone());
    let (b2, cache2) = (b.clone(), cache.clone());
    // The period before is summed on a reading thread of its own, beside this one: the first
    // view of a long period reads both periods' days from the book, a second or more each.
    let before = state
        .db
        .read(move |c| figures(c, &b2, &p.previous(), Some(&cache2)));
    let now = state.db.read(move |c| {
        let now = figures(c, &b, &p, Some(&cache))?;
        Ok((now, recent(c, b.id, RECENT)?, waiting(c, b.id, 8)?))
    });
    let (before, (now, recent, waiting)) = tokio::try_join!(before, now)?;
    Ok(Shown {
        now,
        before,
        recent,
        waiting,
    })
}

/// Cards other parts of Novi add to the dashboard (payments to refund, low stock, the
/// storefront's link and QR code, the shop), shown under the figures in this order.
async fn blocks(state: &AppState, shop: &ShopPage, headers: &HeaderMap) -> AppResult<Vec<Markup>> {
    let origin = crate::web::settings::golive::origin(state, headers);
    let (low_stock, to_refund) = tokio::try_join!(
        super::low_stock::block(state, shop),
        super::payments::razorpay::dashboard_block(state, shop)
    )?;
    Ok(vec![
        to_refund,
        low_stock,
        crate::web::store::promo::block(shop, &origin),
        profile(shop),
    ])
}

fn profile(shop: &ShopPage) -> Markup {
    let b = &shop.business;
    html! {
        div.card {
            h2 { "Your shop" }
            dl {
                dt { "Name" } dd { (b.name) }
                dt { "Short code" } dd { code { (b.short_code) } }
                dt { "Currency" } dd { (b.currency) }
            }
            @if shop.role.can_manage_settings() {
                p { a.go href=(shop.url("/settings")) { "Edit the shop's profile" } }
            }
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    shop: ShopPage,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let p = match q.period(&shop.business) {
        Ok(p) => p,
        Err(e) => {
            let body = picker(&shop, "/", &q, None, Some(&e));
            let page = page(&shop, Nav::Dashboard, "Dashboard", body);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    // The reads go to the reading threads together: one after another, each waited its turn
    // in their queue, three waits for one page when many people are reading.
    let (shown, extra) = tokio::try_join!(load(&state, &shop, p), blocks(&state, &shop, &headers))?;
    let now = crate::db::now();
    let reports = format!("{}?{}", shop.url("/reports"), q.query_string());
    let body = html! {
        (picker(&shop, "/", &q, Some(&p), None))
        section aria-labelledby="figures-h" {
            h2 #figures-h { "Figures" }
            (cards::cards(&shop, &shown.now, &shown.before))
            p {
                a href=(reports) { "Sales reports and bot history" } " · "
                a href=(shop.url("/drawer")) { "Today's drawer" } " " (sound_switch())
            }
        }
        section.cards {
            div data-live-src=(shop.url("/recent")) data-live-kind="order" { (lists::recent(&shop, &shown.recent)) }
            (lists::waiting(&shop, &shown.waiting, now))
            @for block in &extra { (block) }
        }
        (graphs::graphs(&shop, &shown.now))
    };
    Ok(page(&shop, Nav::Dashboard, "Dashboard", body).into_response())
}

/// The recent orders card alone, which the dashboard fetches again when an order is taken or
/// changes.
pub async fn recent_fragment(State(state): State<AppState>, shop: ShopPage) -> AppResult<Markup> {
    let id = shop.business.id;
    let orders = state.db.read(move |c| recent(c, id, RECENT)).await?;
    Ok(lists::recent(&shop, &orders))
}
