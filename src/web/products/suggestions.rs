//! Words customers use for a product, learnt from staff corrections of orders read from
//! messages, on the product's page: "Customers wrote 'kaju barfi' 3 times for this", with one
//! click to make them an alias (the next message reads them as this product) or to dismiss them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::view::View;
use super::{again, parse_id, require_catalog};
use crate::catalog::products::Product;
use crate::catalog::suggestions::{self, Suggestion};
use crate::error::{AppError, AppResult};
use crate::web::extract::ShopPage;
use crate::web::layout::csrf_field;
use crate::AppState;

/// "3 times", "1 time".
fn times(count: i64) -> String {
    if count == 1 {
        "1 time".into()
    } else {
        format!("{count} times")
    }
}

/// The suggestions for one product; nothing when there are none.
pub fn section(
    shop: &ShopPage,
    p: &Product,
    words: &[Suggestion],
    wrong: Option<&(i64, String)>,
) -> Markup {
    if words.is_empty() {
        return html! {};
    }
    let manage = shop.role.can_manage_catalog();
    html! {
        section.card #words {
            h2 { "Words customers use" }
            ul.list {
                @for s in words {
                    li {
                        "Customers wrote '" (s.words) "' " (times(s.count)) " for this"
                        span.muted { " · last " (shop.business.local_time(s.last_seen)) }
                        @if manage {
                            @let action = shop.url(&format!("/products/{}/suggestions/{}", p.id, s.id));
                            form.inline method="post" action=(action) {
                                (csrf_field(&shop.csrf))
                                button.small type="submit" name="action" value="add" { "Add as alias" }
                                " "
                                button.small.secondary type="submit" name="action" value="dismiss" { "Dismiss" }
                            }
                        }
                        @if let Some((_, m)) = wrong.filter(|(id, _)| *id == s.id) {
                            br; small.field-error { (m) }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Decision {
    #[serde(default)]
    action: String,
}

/// Adds the suggestion as an alias (`action=add`) or dismisses it (`action=dismiss`).
pub async fn decide(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id, sid)): Path<(String, String, String)>,
    Form(d): Form<Decision>,
) -> AppResult<Response> {
    require_catalog(&shop)?;
    let (id, sid) = (parse_id(&id)?, parse_id(&sid)?);
    let add = match d.action.as_str() {
        "add" => true,
        "dismiss" => false,
        other => {
            return Err(AppError::Invalid(format!(
                "action must be add or dismiss, not \"{other}\""
            )))
        }
    };
    let business = shop.business.id;
    let result = state
        .db
        .write(move |tx| {
            if add {
                suggestions::accept(tx, business, id, sid).map(|_| ())
            } else {
                suggestions::dismiss(tx, business, id, sid)
            }
        })
        .await;
    match result {
        Ok(()) => {
            let saved = if add { "alias" } else { "dismissed" };
            let to = shop.url(&format!("/products/{id}?saved={saved}"));
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let view = View {
                suggestion_error: Some((sid, e.into_refusal()?)),
                ..View::default()
            };
            again(&state, &shop, id, StatusCode::UNPROCESSABLE_ENTITY, view).await
        }
    }
}
