//! First-run setup, health and readiness, assets, the settings pages and the API's
//! authentication, over HTTP against a running server.

use crate::support::{Browser, TestApp};
use novi::accounts::businesses::Business;
use novi::accounts::users::User;
use novi::accounts::Role;
use novi::accounts::{businesses, setup, tokens, users};
use novi::db::Db;
use reqwest::StatusCode;

fn setup_fields<'a>(code: &'a str, user: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("business_name", "Sharma Sweets"),
        ("short_code", code),
        ("username", user),
        ("new_password", "first-owner-pw"),
        ("password_again", "first-owner-pw"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_setup_link_works_once() {
    let app = TestApp::start().await;
    let token = app.db.with_tx(|tx| setup::issue(tx)).unwrap();
    let link = format!("/setup/{token}");

    let mut b = app.browser();
    let (status, body) = b.get(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Set up your shop"));
    let (status, _, location) = b.post(&link, &setup_fields("sharma", "anil")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/b/sharma/"));
    let (status, body) = b.get("/b/sharma/").await;
    assert_eq!(status, StatusCode::OK, "logged in as the new owner");
    assert!(body.contains("Sharma Sweets"));

    let mut other = app.browser();
    assert_eq!(other.get(&link).await.0, StatusCode::NOT_FOUND);
    other.get("/login").await;
    let (status, _, _) = other.post(&link, &setup_fields("second", "eve")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.db.with_conn(businesses::count).unwrap(), 1);
    assert_eq!(app.db.with_conn(users::count).unwrap(), 1);

    // The owner can log in with what they chose.
    assert_eq!(
        app.browser().login("anil", "first-owner-pw").await.0,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_setup_input_shows_the_problem_and_keeps_the_link() {
    let app = TestApp::start().await;
    let token = app.db.with_tx(|tx| setup::issue(tx)).unwrap();
    let link = format!("/setup/{token}");
    let mut b = app.browser();
    b.get(&link).await;
    let mut fields = setup_fields("Bad Code!", "anil");
    let (status, body, _) = b.post(&link, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("short code"), "says what is wrong");
    assert!(body.contains("Sharma Sweets"), "keeps what was typed");
    fields[1] = ("short_code", "sharma");
    fields[4] = ("password_again", "different");
    let (status, body, _) = b.post(&link, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("passwords differ"));
    assert_eq!(app.db.with_conn(businesses::count).unwrap(), 0);
    assert_eq!(b.get(&link).await.0, StatusCode::OK, "link still usable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_and_ready_reflects_the_database() {
    // A database whose schema is not there yet is not ready.
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_without_migrating(dir.path()).unwrap();
    let app = TestApp::start_on(dir, db.clone(), |_| {}).await;
    let health = reqwest::get(app.url("/health")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let res = reqwest::get(app.url("/ready")).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["database"], "error");

    db.migrate().unwrap();
    let res = reqwest::get(app.url("/ready")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_embedded_and_cached_by_content_hash() {
    let app = TestApp::start().await;
    let (_, page) = app.browser().get("/login").await;
    let start = page.find("/assets/style.css?v=").unwrap();
    let url = &page[start..start + page[start..].find('"').unwrap()];
    let res = reqwest::get(app.url(url)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let stale = reqwest::get(app.url("/assets/style.css?v=old"))
        .await
        .unwrap();
    assert_eq!(stale.headers()["cache-control"], "no-cache");
    assert_eq!(
        reqwest::get(app.url("/assets/nope.css"))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_edits_the_profile_and_bad_values_change_nothing() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    let mut b = app.owner(&shop, "asha").await;
    b.get("/b/shop-a/settings").await;
    let good = [
        ("name", "Asha's Sweets"),
        ("address", "12 MG Road"),
        ("phone", "98123 45678"),
        ("currency", "inr"),
        ("delivery_fee", "40.50"),
    ];
    let (status, _, location) = b.post("/b/shop-a/settings/profile", &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/b/shop-a/settings?saved=1"));
    let (_, page) = b.get("/b/shop-a/settings?saved=1").await;
    assert!(
        page.contains("Saved.") && page.contains("Asha&#39;s Sweets")
            || page.contains("Asha's Sweets")
    );
    let saved = app
        .db
        .with_conn(|c| businesses::by_code(c, "shop-a"))
        .unwrap()
        .unwrap();
    assert_eq!(saved.phone, "919812345678");
    assert_eq!(saved.currency, "INR");
    assert_eq!(saved.delivery_fee_minor, 4050);

    for (field, value, says) in [
        ("delivery_fee", "forty", "delivery fee"),
        ("delivery_fee", "-5", "delivery fee"),
        (
            "delivery_fee",
            "500000000000000",
            "delivery fee: amount &quot;500000000000000&quot; is more than the highest price novi takes (1000000)",
        ),
        ("phone", "12ab", "phone"),
        ("currency", "RUPEES", "currency"),
        // Three letters that name no currency, and one whose money has no paise or cents.
        ("currency", "XYZ", "xyz is not"),
        ("currency", "JPY", "jpy is not"),
        ("name", "  ", "business name"),
    ] {
        let mut bad = good.to_vec();
        bad.retain(|(k, _)| *k != field);
        bad.push((field, value));
        let (status, body, _) = b.post("/b/shop-a/settings/profile", &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}");
        assert!(
            body.to_lowercase().contains(says),
            "{field}={value}: {body}"
        );
        let now = app
            .db
            .with_conn(|c| businesses::by_code(c, "shop-a"))
            .unwrap()
            .unwrap();
        assert_eq!(now, saved, "{field}={value} changed nothing");
    }

    // Every mistake at once, each beside its own field.
    let bad = [
        ("name", "Asha's Sweets"),
        ("address", ""),
        ("phone", "12ab"),
        ("currency", "RUPEES"),
        ("delivery_fee", "forty"),
        ("upi_id", "asha"),
    ];
    let (status, body, _) = b.post("/b/shop-a/settings/profile", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in [
        "phone-error",
        "currency-error",
        "delivery_fee-error",
        "upi_id-error",
    ] {
        assert!(body.contains(&format!("id=\"{id}\"")), "{id}: {body}");
    }
    assert!(!body.contains("id=\"name-error\""), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_manages_users_and_roles() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    let asha = app.user(&shop, "asha", Role::Owner);
    let mut b = app.logged_in(&asha).await;
    b.get("/b/shop-a/settings/users").await;
    let ravi = an_owner_adds_an_agent_once(&app, &shop, &mut b).await;

    let path = format!("/b/shop-a/settings/users/{}/role", ravi.id);
    assert_eq!(
        b.post(&path, &[("role", "manager")]).await.0,
        StatusCode::SEE_OTHER
    );
    let ravi = app
        .db
        .with_conn(|c| users::by_id(c, ravi.id))
        .unwrap()
        .unwrap();
    assert_eq!(ravi.role, Some(Role::Manager));
    let said: String = app
        .db
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT detail FROM audit_log ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(
        said, "ravi is now manager (was agent).",
        "old and new in the audit log"
    );

    // The only owner cannot demote or disable themselves.
    let path = format!("/b/shop-a/settings/users/{}/role", asha.id);
    let (status, body, _) = b.post(&path, &[("role", "agent")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("only active owner"));

    let path = format!("/b/shop-a/settings/users/{}/password", ravi.id);
    assert_eq!(
        b.post(&path, &[("new_password", "brand-new-pw")]).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.browser().login("ravi", "brand-new-pw").await.0,
        StatusCode::SEE_OTHER
    );
}

/// The owner's browser `b` adds ravi as an agent, then is refused ravi again and a short password.
async fn an_owner_adds_an_agent_once(app: &TestApp, shop: &Business, b: &mut Browser) -> User {
    let add = [
        ("new_username", "ravi"),
        ("role", "agent"),
        ("new_password", "ravi-password"),
    ];
    let (status, _, _) = b.post("/b/shop-a/settings/users", &add).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let ravi = app
        .db
        .with_conn(|c| users::by_username(c, "ravi"))
        .unwrap()
        .unwrap();
    assert_eq!(
        (ravi.business_id, ravi.role),
        (Some(shop.id), Some(Role::Agent))
    );
    assert_eq!(
        app.browser().login("ravi", "ravi-password").await.0,
        StatusCode::SEE_OTHER
    );

    let (status, body, _) = b.post("/b/shop-a/settings/users", &add).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("choose a different username"));
    let short = [
        ("new_username", "kiran"),
        ("role", "agent"),
        ("new_password", "short"),
    ];
    let (status, body, _) = b.post("/b/shop-a/settings/users", &short).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("at least 8"));
    ravi
}

/// The refusal shown when adding `username` to shop-a as its owner.
async fn refusal_for(b: &mut Browser, username: &str) -> String {
    let add = [
        ("new_username", username),
        ("role", "agent"),
        ("new_password", "long-enough-1"),
    ];
    let (status, body, _) = b.post("/b/shop-a/settings/users", &add).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{username}");
    let start = body
        .find(r#"<p class="error" role="alert">"#)
        .expect("a refusal");
    let end = start + body[start..].find("</p>").unwrap();
    body[start..end].replace(username, "NAME")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_username_is_refused_alike_wherever_it_is_used() {
    let app = TestApp::start().await;
    let (a, other) = (app.business("shop-a"), app.business("shop-b"));
    app.user(&a, "meera", Role::Agent);
    app.user(&other, "bob", Role::Owner);
    app.platform_admin("root");
    let mut owner = app.owner(&a, "asha").await;
    owner.get("/b/shop-a/settings/users").await;
    let here = refusal_for(&mut owner, "meera").await;
    assert!(here.contains("choose a different username"), "{here}");
    for elsewhere in ["bob", "root"] {
        let said = refusal_for(&mut owner, elsewhere).await;
        assert_eq!(
            said, here,
            "{elsewhere} is refused as a name in this shop is"
        );
    }
    assert!(
        !here.contains("taken") && !here.contains("another"),
        "{here}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_reach_only_their_own_business() {
    let app = TestApp::start().await;
    let a = app.business("shop-a");
    let b = app.business("shop-b");
    let token_a = app
        .db
        .with_tx(|tx| tokens::create(tx, a.id, "pos"))
        .unwrap();
    app.db
        .with_tx(|tx| tokens::create(tx, b.id, "pos"))
        .unwrap();
    let client = reqwest::Client::new();
    let get = |token: &str| {
        client
            .get(app.url("/api/v1/business"))
            .bearer_auth(token)
            .send()
    };

    let res = get(&token_a).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["business"]["short_code"], "shop-a");

    for bad in ["", "novi_nonsense", &token_a[..token_a.len() - 1]] {
        let res = get(bad).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        assert!(body["error"]["message"].as_str().unwrap().contains("token"));
    }
    let res = client
        .get(app.url("/api/v1/business"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    app.db
        .with_tx(|tx| tokens::revoke(tx, a.id, "pos"))
        .unwrap();
    assert_eq!(
        get(&token_a).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    let res = client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_cookie_does_not_open_the_api() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    let b = app.owner(&shop, "asha").await;
    let res = b
        .client
        .get(app.url("/api/v1/business"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}
