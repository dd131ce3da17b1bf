//! Settings → Payments: the shop's Razorpay keys (write-only: shown masked, a blank field keeps
//! the saved one) and the webhook address to give Razorpay, with the steps in plain words.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::golive::origin;
use super::{settings_page, Saved};
use crate::error::AppResult;
use crate::razorpay::{settings, RazorpaySettings};
use crate::web::extract::ShopPage;
use crate::web::layout::{csrf_field, field_with_error, secret_field};
use crate::AppState;

/// The events Razorpay should send: what Novi acts on.
pub const EVENTS: [&str; 7] = [
    "payment.captured",
    "payment.failed",
    "order.paid",
    "payment_link.paid",
    "payment_link.expired",
    "refund.processed",
    "refund.failed",
];

#[derive(Deserialize, Default)]
pub struct KeysForm {
    key_id: String,
    #[serde(default)]
    key_secret: String,
    #[serde(default)]
    webhook_secret: String,
    #[serde(default)]
    action: String,
}

/// What is wrong with each field, if anything.
#[derive(Default)]
struct Wrong {
    key_id: Option<String>,
    key_secret: Option<String>,
    webhook_secret: Option<String>,
}

fn render(
    shop: &ShopPage,
    hook: &str,
    saved: &RazorpaySettings,
    key_id: &str,
    wrong: &Wrong,
    done: bool,
) -> Markup {
    let body = html! {
        h2 { "Razorpay" }
        p { "Take payment online: on the storefront, and by a payment link in the chat. Without keys, customers pay by cash or UPI only." }
        ol.steps {
            li { "In the Razorpay Dashboard, open " strong { "Account & Settings → API Keys" } " and generate a key. Copy the Key Id and Key Secret below." }
            li { "Open " strong { "Webhooks → Add New Webhook" } ". Paste this address, type a secret of your own (the same one below), and tick these events: " (EVENTS.join(", ")) "." }
        }
        label { span { "Webhook address" } input #razorpay-hook type="text" readonly value=(hook); }
        button.secondary type="button" data-copy="razorpay-hook" { "Copy address" }
        form.stack method="post" action=(shop.url("/settings/payments")) {
            (csrf_field(&shop.csrf))
            (field_with_error("Key Id (rzp_live_… or rzp_test_…)", "key_id", "text", key_id, wrong.key_id.as_deref()))
            (secret_field("Key Secret", "key_secret", &saved.key_secret, wrong.key_secret.as_deref()))
            (secret_field("Webhook secret", "webhook_secret", &saved.webhook_secret, wrong.webhook_secret.as_deref()))
            p.muted { "Leave a secret blank to keep the one saved." }
            div.actions {
                button type="submit" name="action" value="save" { "Save" }
                @if saved.ready() { button.danger type="submit" name="action" value="remove" { "Stop taking Razorpay" } }
            }
        }
    };
    settings_page(
        shop,
        "/settings/payments",
        "Payments",
        done.then_some("Saved."),
        None,
        body,
    )
}

async fn saved(state: &AppState, shop: &ShopPage) -> AppResult<RazorpaySettings> {
    let id = shop.business.id;
    let s = state.db.read(move |c| settings::load(c, id)).await?;
    Ok(s.unwrap_or_default())
}

pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    headers: HeaderMap,
    Query(q): Query<Saved>,
) -> AppResult<Markup> {
    shop.require_settings()?;
    let s = saved(&state, &shop).await?;
    let hook = format!(
        "{}/webhooks/razorpay/{}",
        origin(&state, &headers),
        shop.business.short_code
    );
    Ok(render(
        &shop,
        &hook,
        &s,
        &s.key_id,
        &Wrong::default(),
        q.saved.is_some(),
    ))
}

/// The key id's shape: Razorpay's are `rzp_live_` or `rzp_test_` and letters and digits.
fn check(f: &KeysForm, saved: &RazorpaySettings) -> Wrong {
    let id = f.key_id.trim();
    let shaped = (id.starts_with("rzp_live_") || id.starts_with("rzp_test_"))
        && id.len() <= 40
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    Wrong {
        key_id: (!shaped)
            .then(|| "a Key Id starts rzp_live_ or rzp_test_, as the Dashboard shows it".into()),
        key_secret: (f.key_secret.trim().is_empty() && saved.key_secret.is_empty())
            .then(|| "paste the Key Secret shown with the Key Id".into()),
        // Without it every Razorpay webhook is refused, and no payment is ever recorded.
        webhook_secret: (f.webhook_secret.trim().is_empty() && saved.webhook_secret.is_empty())
            .then(|| {
                "type the secret you gave the webhook in the Razorpay Dashboard (step 2)".into()
            }),
    }
}

pub async fn save(
    State(state): State<AppState>,
    shop: ShopPage,
    headers: HeaderMap,
    Form(f): Form<KeysForm>,
) -> AppResult<Response> {
    shop.require_settings()?;
    let id = shop.business.id;
    if f.action == "remove" {
        state.db.write(move |tx| settings::remove(tx, id)).await?;
        let what = "Razorpay keys removed".to_owned();
        crate::web::audit::note(&state, &shop, crate::audit::SETTINGS, what).await?;
        return Ok(Redirect::to(&shop.url("/settings/payments?saved=1")).into_response());
    }
    let current = saved(&state, &shop).await?;
    let wrong = check(&f, &current);
    if wrong.key_id.is_some() || wrong.key_secret.is_some() || wrong.webhook_secret.is_some() {
        let hook = format!(
            "{}/webhooks/razorpay/{}",
            origin(&state, &headers),
            shop.business.short_code
        );
        let page = render(&shop, &hook, &current, &f.key_id, &wrong, false);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let keys = RazorpaySettings {
        key_id: f.key_id.trim().to_owned(),
        key_secret: f.key_secret.trim().to_owned(),
        webhook_secret: f.webhook_secret.trim().to_owned(),
    };
    state
        .db
        .write(move |tx| settings::save(tx, id, &keys))
        .await?;
    let what = "Razorpay keys saved (secrets never shown)".to_owned();
    crate::web::audit::note(&state, &shop, crate::audit::SETTINGS, what).await?;
    Ok(Redirect::to(&shop.url("/settings/payments?saved=1")).into_response())
}
