//! Plain HTTP beside `--https`: every request is sent to the same path on HTTPS, so old links
//! and typed addresses still arrive; nothing else is served without TLS.

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// Serves redirects to `https_base` on `listener` until `stopping` turns true.
pub async fn serve(
    listener: tokio::net::TcpListener,
    https_base: String,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let app = router(https_base);
    let stop = async move {
        let _ = stopping.wait_for(|s| *s).await;
    };
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
    {
        tracing::error!(error = %e, "the HTTP redirect server stopped");
    }
}

/// Every path redirects to `https_base` and the same path and query. The host comes from
/// the settings, not the request's `Host`, so the redirect can never point elsewhere.
pub fn router(https_base: String) -> Router {
    Router::new().fallback(move |uri: Uri| async move { to_https(&https_base, &uri) })
}

fn to_https(base: &str, uri: &Uri) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let location = format!("{base}{path}");
    // 308 keeps the method and body: a form or webhook posted to http:// is posted again.
    (
        StatusCode::PERMANENT_REDIRECT,
        [(axum::http::header::LOCATION, location)],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_path_and_query_and_ignores_the_host_asked_for() {
        let uri: Uri = "http://evil.example/b/shop/orders?page=2".parse().unwrap();
        let res = to_https("https://shop.example.com", &uri);
        assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(
            res.headers()["location"],
            "https://shop.example.com/b/shop/orders?page=2"
        );
    }
}
