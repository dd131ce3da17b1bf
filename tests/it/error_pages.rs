//! Every bad address in the owner UI answers with the styled error page (a 404 for a path that
//! is no page, not the framework's plain text), while the API keeps its JSON; the product list
//! shows images; a new product gets a low-stock level by its unit.

use crate::support::{product, TestApp};
use reqwest::StatusCode;

fn styled(page: &str) -> bool {
    page.contains("<!DOCTYPE html>")
        && page.contains("/assets/style.")
        && page.contains("Go to the start page")
}

#[tokio::test]
async fn bad_addresses_get_the_styled_error_page() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    let mut owner = app.owner(&shop, "asha").await;
    for path in [
        "/b/sharma/customers/export.csv",
        "/b/sharma/orders/abc",
        "/b/sharma/nothing-here",
        "/no/such/page",
    ] {
        let (status, page) = owner.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {page}");
        assert!(
            styled(&page) && page.contains("<h1>Not Found</h1>"),
            "{path}: {page}"
        );
        assert!(!page.contains("Cannot parse"), "{path}: no framework text");
    }
    let (status, page, _) = owner.post("/b/sharma/customers", &[]).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(styled(&page), "{page}");
    let (status, body) = app.api(&shop).get("/api/v1/orders/abc").await;
    assert!(status.is_client_error());
    assert!(
        body["error"]["code"].is_string(),
        "the API keeps JSON: {body}"
    );
    app.stop().await;
}

/// A list's page that is not a number is refused in words, on the styled page; a page past the
/// last or below the first still shows a list.
#[tokio::test]
async fn a_page_that_is_not_a_number_is_refused_in_words() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    let mut owner = app.owner(&shop, "asha").await;
    for list in ["/b/sharma/orders", "/b/sharma/customers"] {
        let (status, page) = owner.get(&format!("{list}?page=abc")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{list}: {page}");
        assert!(styled(&page), "{list}: {page}");
        assert!(
            page.contains("is not a page number") && !page.contains("deserialize"),
            "{list}: {page}"
        );
        for fine in ["0", "-4", "99"] {
            let (status, _) = owner.get(&format!("{list}?page={fine}")).await;
            assert_eq!(status, StatusCode::OK, "{list}?page={fine}");
        }
    }
    app.stop().await;
}

/// What the framework refuses before a handler runs (a body too large, a method a route lacks)
/// reaches API clients and WhatsApp's servers as the same JSON error as the rest, and changes
/// nothing.
#[tokio::test]
async fn the_api_and_webhooks_refuse_in_json_before_any_handler() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    let api = app.api(&shop);
    let client = reqwest::Client::new();
    // Over the framework's 2 MiB for a webhook's body, and over the 8 MiB for any request.
    let (large, huge) = (vec![b'a'; 3 << 20], vec![b'a'; 9 << 20]);
    let refusals = [
        client
            .post(app.url("/webhooks/whatsapp/sharma"))
            .header("content-type", "application/json")
            .body(large),
        client
            .post(app.url("/api/v1/orders"))
            .bearer_auth(&api.token)
            .header("content-type", "application/json")
            .body(huge),
        // The same body sent chunked, with no length to refuse it by up front.
        client
            .post(app.url("/api/v1/orders"))
            .bearer_auth(&api.token)
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter([
                Ok::<_, std::io::Error>(vec![b'a'; 9 << 20]),
            ]))),
        client
            .delete(app.url("/api/v1/orders"))
            .bearer_auth(&api.token),
    ];
    for (request, (status, code)) in refusals.into_iter().zip([
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
    ]) {
        let res = request.send().await.unwrap();
        assert_eq!(res.status(), status);
        let body: serde_json::Value = res.json().await.expect("a JSON body");
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(body["error"]["message"].is_string(), "{body}");
    }
    // Under 8 MiB an API body is read whole, and what is wrong with it said as for any body:
    // fields missing or of the wrong type are a 422 naming the field, in the client's terms.
    let mut padded = serde_json::json!({"customer": {"name": "Asha", "phone": "9812345678"},
        "lines": [{"sku": "samosa", "qty": "2"}]});
    padded["notes"] = serde_json::Value::String("x".repeat(3 << 20));
    for (body, says) in [
        (
            padded.to_string(),
            "lines[0].qty: invalid type: string \"2\", expected a whole number",
        ),
        ("{}".to_owned(), "missing field `customer`"),
        ("[]".to_owned(), "the body must be a JSON object"),
        // An array in an object's place is not read as its fields in order.
        (
            r#"[{"name": "Asha", "phone": "9812345678"}, [{"sku": "samosa", "qty": 2}]]"#
                .to_owned(),
            "the body must be a JSON object",
        ),
        // Nor is one inside it: a customer or a line written as a list.
        (
            r#"{"customer": ["Asha", "9812345678"], "lines": [{"sku": "samosa", "qty": 2}]}"#
                .to_owned(),
            "customer[0] must be an object",
        ),
        (
            r#"{"customer": {"name": "Asha", "phone": "9812345678"}, "lines": [["samosa", 2, null, null]]}"#
                .to_owned(),
            "lines[0] must be an object",
        ),
    ] {
        let res = client
            .post(app.url("/api/v1/orders"))
            .bearer_auth(&api.token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            &body[..body.len().min(80)]
        );
        let body: serde_json::Value = res.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{says}: {body}");
        assert!(
            !message.contains("CreateIn") && !message.contains("line 1"),
            "{body}"
        );
    }
    let (_, orders) = api.get("/api/v1/orders").await;
    assert_eq!(
        orders["orders"].as_array().map(Vec::len),
        Some(0),
        "{orders}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_new_product_gets_a_low_stock_level_by_its_unit() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    let mut owner = app.owner(&shop, "asha").await;
    for (sku, unit, want) in [("barfi", "kg", 1000), ("ladoo", "pc", 10)] {
        let form = [
            ("name", sku),
            ("sku", sku),
            ("category", "Sweets"),
            ("unit", unit),
            ("price", "100"),
            ("low_stock", ""),
            ("active", "on"),
        ];
        let (status, page, _) = owner.post("/b/sharma/products", &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(product(&app.db, &shop, sku).low_stock, want, "{sku}");
    }
    app.stop().await;
}

/// A shop's customers meet its errors in its storefront's terms: the way back is the shop, not
/// the staff's start page (which asks them to log in).
#[tokio::test]
async fn a_customers_error_page_leads_back_to_the_shop() {
    let app = TestApp::start().await;
    app.small_shop("sharma");
    let mut customer = app.browser();
    let back = r#"<a class="go" href="/s/sharma">Back to the shop</a>"#;
    let form = [("_cart", "not-this-cart"), ("name", "Asha")];
    let (status, page, _) = customer.post_raw("/s/sharma/checkout", &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains(back) && !page.contains("start page"),
        "{page}"
    );
    let (status, page) = customer.get("/s/sharma/cart/update").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(page.contains(back), "the framework's refusals too: {page}");
    // The address a refused checkout leaves behind, opened again, is the cart.
    let res = customer
        .client
        .get(app.url("/s/sharma/checkout"))
        .send()
        .await
        .unwrap();
    let to = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        (res.status(), to.as_deref()),
        (StatusCode::SEE_OTHER, Some("/s/sharma/cart"))
    );
}
