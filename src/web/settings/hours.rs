//! Settings → Profile → Opening hours: when the shop is open, as the storefront shows it
//! ("Open now") and customers read it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::settings_page;
use crate::accounts::businesses;
use crate::domain::Hours;
use crate::error::AppResult;
use crate::web::extract::ShopPage;
use crate::web::layout::{csrf_field, field_with_error};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct HoursForm {
    #[serde(default)]
    hours: String,
}

fn render(shop: &ShopPage, hours: &str, error: Option<&str>, saved: bool) -> Markup {
    let body = html! {
        form.stack method="post" action=(shop.url("/settings/hours")) {
            (csrf_field(&shop.csrf))
            (field_with_error("Opening hours", "hours", "text", hours, error))
            p.muted {
                "Days and times, like " code { "Mon-Sat 09:00-21:00, Sun 10:00-14:00" } ", or "
                code { "09:00-21:00" } " for every day. " code { "Tue closed" } " closes a day. "
                "Leave it empty to show no hours."
            }
            button type="submit" { "Save" }
        }
    };
    settings_page(
        shop,
        "/settings",
        "Opening hours",
        saved.then_some("Saved."),
        None,
        body,
    )
}

/// `GET /b/{code}/settings/hours`.
pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    axum::extract::Query(q): axum::extract::Query<super::Saved>,
) -> AppResult<Markup> {
    shop.require_settings()?;
    let id = shop.business.id;
    let hours = state.db.read(move |c| businesses::hours(c, id)).await?;
    Ok(render(&shop, &hours, None, q.saved.is_some()))
}

/// `POST /b/{code}/settings/hours`: saved when readable, else the form again with why.
pub async fn save(
    State(state): State<AppState>,
    shop: ShopPage,
    Form(f): Form<HoursForm>,
) -> AppResult<Response> {
    shop.require_settings()?;
    if let Err(e) = Hours::parse(&f.hours) {
        let page = render(&shop, &f.hours, Some(&e), false);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let id = shop.business.id;
    let text = f.hours.clone();
    let who = crate::audit::Actor::new(shop.user.username.clone(), &shop.address);
    state
        .db
        .write(move |tx| {
            let before = businesses::hours(tx, id)?;
            businesses::set_hours(tx, id, &text)?;
            let what = crate::audit::changes(&[("opening hours", &before, &text)]);
            if !what.is_empty() {
                crate::audit::record(tx, &who, Some(id), crate::audit::SETTINGS, &what)?;
            }
            Ok::<_, crate::error::AppError>(())
        })
        .await?;
    Ok(Redirect::to(&shop.url("/settings/hours?saved=1")).into_response())
}
