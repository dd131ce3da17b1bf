//! The route table: every URL Novi answers, and the layers around them.

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::middleware;
use axum::Router;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::web::orders::{self, form as order_form};
use crate::web::payments as web_payments;
use crate::web::products::{self, adjust, image as product_image, suggestions, transfer};
use crate::web::route::{get, get_post, post};
use crate::web::settings::{
    self, golive, groups as groups_settings, linked, messages as messages_settings,
    printing as printing_settings, users, whatsapp as whatsapp_settings,
};
use crate::web::webhooks;
use crate::web::{
    admin, assets, conversations, customers, dashboard, health, live, login, more, print, setup,
    simulator, store,
};
use crate::{api, web, AppState};

/// Largest request body accepted anywhere (image uploads are the largest thing posted).
const MAX_BODY_BYTES: usize = 8 << 20;

/// No inline script or style, no framing, no third parties: the UI needs only its own files.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The platform console's sections (`web::admin`).
fn console_routes() -> Router<AppState> {
    use admin::{businesses as biz, orders as all_orders, users as people};
    Router::new()
        .route("/admin/businesses", get_post(biz::index, biz::create))
        .route("/admin/businesses/{code}", get_post(biz::edit, biz::save))
        .route("/admin/businesses/{code}/deactivate", post(biz::deactivate))
        .route("/admin/businesses/{code}/reactivate", post(biz::reactivate))
        .route("/admin/users", get(people::index))
        .route("/admin/users/{id}/disable", post(people::disable))
        .route("/admin/users/{id}/enable", post(people::enable))
        .route("/admin/users/{id}/reset", post(people::reset))
        .route("/admin/orders", get(all_orders::index))
        .route("/admin/audit", get(admin::audit))
}

pub fn app(state: AppState) -> Router {
    let business = Router::new()
        .route("/b/{code}/", get(dashboard::show))
        .route("/b/{code}/recent", get(dashboard::recent_fragment))
        .route("/b/{code}/orders", get(orders::index))
        .route("/b/{code}/orders/export.csv", get(orders::export_csv))
        .route("/b/{code}/orders/list", get(orders::list_fragment))
        .route(
            "/b/{code}/orders/new",
            get_post(order_form::new, order_form::create),
        )
        .route("/b/{code}/orders/{number}", get(orders::show))
        .route(
            "/b/{code}/orders/{number}/status",
            post(orders::update_status),
        )
        .route("/b/{code}/orders/{number}/undo", post(orders::undo::submit))
        .route(
            "/b/{code}/orders/{number}/edit",
            get_post(order_form::edit, order_form::update),
        )
        .route(
            "/b/{code}/orders/{number}/unread/{id}",
            post(orders::unread::answer),
        )
        .route(
            "/b/{code}/orders/{number}/payments",
            post(web_payments::record),
        )
        .route(
            "/b/{code}/orders/{number}/refunds",
            post(web_payments::refund),
        )
        .route(
            "/b/{code}/orders/{number}/razorpay-refund",
            post(web_payments::razorpay::refund),
        )
        .route(
            "/b/{code}/razorpay/flags/{id}/dealt-with",
            post(web_payments::razorpay::deal_with),
        )
        .route("/b/{code}/drawer", get(web_payments::drawer::show))
        .route("/b/{code}/orders/{number}/kot", get(print::kot))
        .route("/b/{code}/orders/{number}/bill", get(print::bill))
        .route(
            "/b/{code}/orders/{number}/print/{kind}",
            post(print::to_printer),
        )
        .route("/b/{code}/print/counter", get(print::counter::show))
        .route("/b/{code}/print/queue", get(print::counter::queue))
        .route(
            "/b/{code}/settings/printing",
            get_post(printing_settings::show, printing_settings::update),
        )
        .route(
            "/b/{code}/settings/printing/test",
            post(printing_settings::test_print),
        )
        .route("/b/{code}/more", get(more::show))
        .route("/b/{code}/reports", get(web::reports::show))
        .route("/b/{code}/reports/sales.csv", get(web::reports::sales_csv))
        .route("/b/{code}/audit", get(web::audit::owner_page))
        .route("/b/{code}/customers", get(customers::index))
        .route("/b/{code}/customers/lookup", get(customers::lookup))
        .route(
            "/b/{code}/customers/{id}",
            get_post(customers::show, customers::update),
        )
        .route(
            "/b/{code}/customers/{id}/notes",
            post(customers::save_notes),
        )
        .route(
            "/b/{code}/products",
            get_post(products::index, products::create),
        )
        .route("/b/{code}/products/new", get(products::new))
        .route(
            "/b/{code}/products/import",
            get_post(transfer::new, transfer::preview),
        )
        .route("/b/{code}/products/import/apply", post(transfer::apply))
        .route("/b/{code}/products/export.csv", get(transfer::export))
        .route(
            "/b/{code}/products/{id}",
            get_post(products::show, products::update),
        )
        .route("/b/{code}/products/{id}/stock", post(adjust::save))
        .route(
            "/b/{code}/products/{id}/suggestions/{sid}",
            post(suggestions::decide),
        )
        .route(
            "/b/{code}/products/{id}/image",
            get_post(product_image::serve, product_image::upload)
                // The upload's own check (2 MiB) gives the clear message; the app-wide limit caps the body.
                .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/b/{code}/live", get(live::events))
        .route("/b/{code}/conversations", get(conversations::index))
        .route(
            "/b/{code}/conversations/list",
            get(conversations::list_fragment),
        )
        .route("/b/{code}/conversations/{phone}", get(conversations::show))
        .route(
            "/b/{code}/conversations/{phone}/thread",
            get(conversations::thread_fragment),
        )
        .route(
            "/b/{code}/conversations/{phone}/reply",
            post(conversations::reply),
        )
        .route(
            "/b/{code}/conversations/{phone}/messages/{id}/retry",
            post(conversations::send_again),
        )
        .route(
            "/b/{code}/simulator",
            get_post(simulator::show, simulator::say),
        )
        .route(
            "/b/{code}/simulator/thread",
            get(simulator::thread_fragment),
        )
        .route("/b/{code}/settings", get(settings::show))
        .route("/b/{code}/settings/profile", post(settings::update))
        .route(
            "/b/{code}/settings/hours",
            get_post(settings::hours::show, settings::hours::save),
        )
        .route(
            "/b/{code}/settings/messages",
            get_post(messages_settings::show, messages_settings::save),
        )
        .route(
            "/b/{code}/settings/whatsapp",
            get_post(whatsapp_settings::show, whatsapp_settings::save),
        )
        .route("/b/{code}/settings/whatsapp/test", post(golive::send_test))
        .route(
            "/b/{code}/settings/payments",
            get_post(
                crate::web::settings::payments::show,
                crate::web::settings::payments::save,
            ),
        )
        .route(
            "/b/{code}/settings/whatsapp/test/{id}",
            get(golive::test_light),
        )
        .route("/b/{code}/settings/whatsapp/link", post(linked::start))
        .route("/b/{code}/settings/whatsapp/link/qr", get(linked::qr))
        .route(
            "/b/{code}/settings/whatsapp/link/phone",
            post(linked::pair_phone),
        )
        .route("/b/{code}/settings/whatsapp/unlink", post(linked::unlink))
        .route(
            "/b/{code}/settings/whatsapp/groups",
            post(groups_settings::map_group),
        )
        .route(
            "/b/{code}/settings/whatsapp/groups/remove",
            post(groups_settings::unmap_group),
        )
        .route(
            "/b/{code}/settings/users",
            get_post(users::index, users::add),
        )
        .route("/b/{code}/settings/users/{id}/role", post(users::set_role))
        .route(
            "/b/{code}/settings/users/{id}/disable",
            post(users::disable),
        )
        .route("/b/{code}/settings/users/{id}/enable", post(users::enable))
        .route(
            "/b/{code}/settings/users/{id}/password",
            post(users::set_password),
        );

    let api = Router::new()
        .route("/api/v1/business", get(api::business))
        .route(
            "/api/v1/orders",
            get_post(api::orders::index, api::orders::create),
        )
        .route("/api/v1/orders/{number}", get(api::orders::show))
        .route(
            "/api/v1/orders/{number}/status",
            post(api::orders::update_status),
        )
        .route(
            "/api/v1/orders/{number}/payments",
            post(api::payments::create),
        )
        .route("/api/v1/conversations", get(api::conversations::index))
        .route(
            "/api/v1/conversations/{phone}/messages",
            get_post(api::conversations::messages, api::conversations::send),
        )
        .route(
            "/api/v1/conversations/{phone}/messages/{id}/retry",
            post(api::conversations::retry),
        )
        .route("/api/v1/customers", get(api::customers::index))
        .route("/api/v1/customers/{phone}", get(api::customers::show))
        .route("/api/v1/products", get(api::products::index))
        .route("/api/{*rest}", get_post(api::not_found, api::not_found))
        // The JSON extractor's own limit (2 MiB by default) raised to the app's, so an API body
        // up to it is read, and one past it gets the one answer, 413. Webhooks keep 2 MiB.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));

    let mut top = Router::new()
        .route("/", get(dashboard::home))
        .route("/login", get_post(login::show, login::submit))
        .route("/logout", post(login::logout))
        .route("/setup/{token}", get_post(setup::show, setup::submit))
        .route("/setup/{token}/password", post(web::password_link::submit))
        .route("/admin", get(admin::index))
        .route("/admin/backup", post(admin::download_backup))
        .merge(console_routes())
        .route(
            "/webhooks/whatsapp/{code}",
            get_post(webhooks::cloud_verify, webhooks::cloud),
        )
        .route("/webhooks/gateway/{code}", post(webhooks::gateway))
        .route(
            "/webhooks/razorpay/{code}",
            post(crate::web::razorpay_hook::receive),
        )
        .route("/s/{code}", get(store::show))
        .route("/s/{code}/c/{slug}", get(store::category::show))
        .route(
            "/s/{code}/cart",
            get_post(store::checkout::show, store::add),
        )
        .route("/s/{code}/cart/update", post(store::checkout::update))
        .route(
            "/s/{code}/checkout",
            get_post(store::checkout::to_cart, store::place::place),
        )
        .route("/s/{code}/images/{id}", get(store::image))
        .route(
            "/s/{code}/pay/{token}",
            get_post(store::pay_online::show, store::pay_online::done),
        )
        .route(
            "/s/{code}/pay/{token}/start",
            post(store::pay_online::start),
        )
        .route("/s/{code}/paid", get(store::paid::show))
        .route("/t/{token}", get(store::track::show))
        .route(
            "/track/{code}",
            get_post(store::track::form, store::track::find),
        )
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/assets/{*path}", get(assets::serve))
        .merge(business)
        .merge(api);
    if state.config.metrics {
        top = top.route("/metrics", get(web::metrics::scrape));
    }
    // One stack, outermost first, laid over each route once: axum boxes every `layer` call
    // separately and clones each box for every request, so nine calls cost every request
    // nine clones and nine boxed futures where one stack costs one of each.
    let stack = ServiceBuilder::new()
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(log_response),
        )
        // Pages, exports and API answers hold a shop's data: no browser or proxy keeps a copy.
        // Assets and images say how long they may be kept themselves.
        .layer(header_layer(header::CACHE_CONTROL, "no-store"))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::REFERRER_POLICY, "same-origin"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, CSP))
        // Outside the body limit, so its refusal is restyled too.
        .layer(middleware::from_fn(web::error::styled))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // The layers within take axum's own body type; the limit still counts what is read.
        .map_request(|req: Request<_>| req.map(axum::body::Body::new))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::csrf::protect,
        ));
    let app = top
        .fallback(not_found)
        .layer(stack)
        .with_state(state.clone());
    with_latency(app, &state)
}

/// Every request timed by route template for `/metrics`, outermost so the whole stack is in the
/// time; nothing is measured while metrics are off.
fn with_latency(app: Router, state: &AppState) -> Router {
    if !state.config.metrics {
        return app;
    }
    let metrics = state.bridge.metrics.clone();
    app.layer(middleware::from_fn_with_state(metrics, web::metrics::track))
}

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound
}

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// The request's span. The route *template* is logged, not the path, so secrets in paths
/// (setup links) never reach the log; query strings (webhook verify tokens) are never logged.
fn request_span(req: &Request<axum::body::Body>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(unmatched)", |m| m.as_str());
    tracing::info_span!("request", method = %req.method(), route = %route)
}

fn log_response(res: &axum::response::Response, latency: Duration, _: &tracing::Span) {
    let (status, latency_ms) = (res.status().as_u16(), latency.as_secs_f64() * 1000.0);
    // Only a stored webhook's 200 carries the mark.
    if res
        .extensions()
        .get::<crate::telemetry::Routine>()
        .is_some()
    {
        tracing::debug!(status, latency_ms, "served");
    } else {
        tracing::info!(status, latency_ms, "served");
    }
}
