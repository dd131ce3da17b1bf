//! Logging in and out, rate limits (also behind a proxy), CSRF tokens bound to the session,
//! disabled users, roles and tenant isolation, and what pages send (security and cache
//! headers, live updates), all over HTTP against a running server.

use crate::support::{Browser, TestApp, PASSWORD, WAIT};
use novi::accounts::Role;
use novi::accounts::{businesses, users};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_password_logs_in_and_wrong_one_does_not() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    app.user(&shop, "asha", Role::Owner);

    let mut wrong = app.browser();
    let (status, _) = wrong.login("asha", "not-the-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = wrong.get("/b/shop-a/").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "still logged out");

    let mut right = app.browser();
    let (status, location) = right.login("asha", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/"));
    let (status, body) = right.get("/b/shop-a/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Shop shop-a"), "business name shown");
    assert!(body.contains("Log out"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_need_a_login_and_come_back_after_it() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    app.user(&shop, "asha", Role::Owner);
    let mut b = app.browser();
    let res = b
        .client
        .get(app.url("/b/shop-a/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(to, "/login?next=%2Fb%2Fshop-a%2Fsettings");

    b.get(&to).await;
    let (_, _, location) = b
        .post(
            "/login",
            &[
                ("username", "asha"),
                ("password", PASSWORD),
                ("next", "/b/shop-a/settings"),
            ],
        )
        .await;
    assert_eq!(location.as_deref(), Some("/b/shop-a/settings"));

    // A login link cannot send the user to another site afterwards.
    b.get("/login").await;
    let (_, _, location) = b
        .post(
            "/login",
            &[
                ("username", "asha"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(location.as_deref(), Some("/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::start_with(|c| {
        c.login_failures_per_account = 3;
        c.login_failures_per_address = 100;
    })
    .await;
    let shop = app.business("shop-a");
    app.user(&shop, "asha", Role::Owner);
    app.user(&shop, "ravi", Role::Agent);
    let mut b = app.browser();
    for _ in 0..3 {
        assert_eq!(b.login("asha", "guess").await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = b.login("asha", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (_, body) = b.get("/b/shop-a/").await;
    assert!(!body.contains("Dashboard"), "not logged in");

    // Another account from the same address is not locked by asha's failures.
    assert_eq!(b.login("ravi", PASSWORD).await.0, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_from_one_address_are_limited_across_accounts() {
    let app = TestApp::start_with(|c| {
        c.login_failures_per_account = 100;
        c.login_failures_per_address = 4;
    })
    .await;
    let shop = app.business("shop-a");
    app.user(&shop, "asha", Role::Owner);
    let mut b = app.browser();
    for name in ["a1", "a2", "a3", "a4"] {
        assert_eq!(b.login(name, "guess").await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        b.login("asha", PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Posts a login for `username` as forwarded by a proxy with this `X-Forwarded-For`.
async fn login_via_proxy(
    b: &Browser,
    app: &TestApp,
    username: &str,
    forwarded: &str,
) -> StatusCode {
    let token = b.csrf.clone().unwrap();
    let form = [
        ("username", username),
        ("password", "wrong-pass"),
        ("_csrf", &token),
    ];
    let res = b
        .client
        .post(app.url("/login"))
        .header("x-forwarded-for", forwarded);
    res.form(&form).send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_the_limit_counts_the_address_the_proxy_added() {
    let app = TestApp::start_with(|c| c.trust_forwarded_for = true).await;
    let mut b = app.browser();
    b.get("/login").await;
    // One client guessing 40 names, writing a new address of its own in front each time;
    // the proxy appends the address it really came from.
    let mut answers = Vec::new();
    for i in 0..40 {
        let forwarded = format!("10.9.{i}.1, 203.0.113.9");
        answers.push(login_via_proxy(&b, &app, &format!("guess{i}"), &forwarded).await);
    }
    let limited = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        limited.count(),
        20,
        "past 20 failures the address waits: {answers:?}"
    );
    // Another client behind the same proxy is not held back.
    let other = login_via_proxy(&b, &app, "guess0", "203.0.113.10").await;
    assert_eq!(other, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    let mut b = app.owner(&shop, "asha").await;
    b.get("/b/shop-a/settings").await;
    let fields = [
        ("name", "Renamed"),
        ("address", ""),
        ("phone", ""),
        ("currency", "INR"),
        ("delivery_fee", "0"),
    ];

    let (status, body, _) = b.post_raw("/b/shop-a/settings/profile", &fields).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("security token"));
    let mut forged = fields.to_vec();
    forged.push((
        "_csrf",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ));
    let (status, _, _) = b.post_raw("/b/shop-a/settings/profile", &forged).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let name = app
        .db
        .with_conn(|c| businesses::by_code(c, "shop-a"))
        .unwrap()
        .unwrap()
        .name;
    assert_eq!(name, "Shop shop-a", "nothing changed");

    // The same form with the page's token goes through.
    let (status, _, _) = b.post("/b/shop-a/settings/profile", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let name = app
        .db
        .with_conn(|c| businesses::by_code(c, "shop-a"))
        .unwrap()
        .unwrap()
        .name;
    assert_eq!(name, "Renamed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_user_is_logged_out_and_cannot_log_in() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    let asha = app.user(&shop, "asha", Role::Owner);
    let ravi = app.user(&shop, "ravi", Role::Agent);

    let mut ravis = app.logged_in(&ravi).await;
    assert_eq!(ravis.get("/b/shop-a/orders").await.0, StatusCode::OK);

    let mut owner = app.logged_in(&asha).await;
    owner.get("/b/shop-a/settings/users").await;
    let path = format!("/b/shop-a/settings/users/{}/disable", ravi.id);
    let (status, _, _) = owner.post(&path, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    assert_eq!(
        ravis.get("/b/shop-a/orders").await.0,
        StatusCode::SEE_OTHER,
        "session ended"
    );
    let mut again = app.browser();
    let (status, _) = again.login("ravi", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_and_managers_cannot_reach_owner_settings() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    let owner = app.user(&shop, "asha", Role::Owner);
    let staff = [
        app.user(&shop, "ravi", Role::Agent),
        app.user(&shop, "meera", Role::Manager),
    ];
    for user in &staff {
        let name = &user.username;
        let mut b = app.logged_in(user).await;
        let (status, body) = b.get("/b/shop-a/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !body.contains("/b/shop-a/settings\""),
            "no Settings link for {name}"
        );
        assert_eq!(b.get("/b/shop-a/settings").await.0, StatusCode::FORBIDDEN);
        assert_eq!(
            b.get("/b/shop-a/settings/users").await.0,
            StatusCode::FORBIDDEN
        );
        // A post straight to an owner-only action is refused on the server and changes nothing.
        let path = format!("/b/shop-a/settings/users/{}/role", owner.id);
        let (status, _, _) = b.post(&path, &[("role", "agent")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, _) = b
            .post(
                "/b/shop-a/settings/users",
                &[
                    ("new_username", "mallory"),
                    ("role", "owner"),
                    ("new_password", "password123"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let owner_now = app
        .db
        .with_conn(|c| users::by_id(c, owner.id))
        .unwrap()
        .unwrap();
    assert_eq!(owner_now.role, Some(Role::Owner));
    assert!(app
        .db
        .with_conn(|c| users::by_username(c, "mallory"))
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_of_one_shop_gets_404_for_another_shops_pages() {
    let app = TestApp::start().await;
    let a = app.business("shop-a");
    let b = app.business("shop-b");
    let asha = app.user(&a, "asha", Role::Owner);
    let bob = app.user(&b, "bob", Role::Owner);
    let mut browser = app.logged_in(&asha).await;
    for path in [
        "/b/shop-b/",
        "/b/shop-b/orders",
        "/b/shop-b/settings",
        "/b/shop-b/settings/users",
        "/b/no-such-shop/",
    ] {
        let (status, body) = browser.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("Shop shop-b"), "{path} leaks the name");
    }
    // Acting on shop B's user through shop A's pages is 404 too, and changes nothing.
    browser.get("/b/shop-a/settings/users").await;
    let path = format!("/b/shop-a/settings/users/{}/disable", bob.id);
    assert_eq!(browser.post(&path, &[]).await.0, StatusCode::NOT_FOUND);
    let path = format!("/b/shop-b/settings/users/{}/disable", bob.id);
    assert_eq!(browser.post(&path, &[]).await.0, StatusCode::NOT_FOUND);
    let bob_now = app
        .db
        .with_conn(|c| users::by_id(c, bob.id))
        .unwrap()
        .unwrap();
    assert!(!bob_now.disabled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_admin_sees_every_business_and_can_switch() {
    let app = TestApp::start().await;
    app.business("shop-a");
    app.business("shop-b");
    app.platform_admin("root");
    let mut b = app.browser();
    let (_, location) = b.login("root", PASSWORD).await;
    assert_eq!(location.as_deref(), Some("/"));
    let res = b.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/admin");
    let (status, body) = b.get("/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("/b/shop-a/") && body.contains("/b/shop-b/"));
    let (status, body) = b.get("/b/shop-b/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Switch business"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_out_ends_the_session() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    let mut b = app.owner(&shop, "asha").await;
    b.get("/b/shop-a/").await;
    let (status, _, location) = b.post("/logout", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/login"));
    assert_eq!(b.get("/b/shop-a/").await.0, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cookie_is_httponly_lax_and_secure_behind_https() {
    let app = TestApp::start_with(|c| c.behind_https = true).await;
    let shop = app.business("shop-a");
    app.user(&shop, "asha", Role::Owner);
    let mut b = app.browser();
    b.get("/login").await;
    let token = b.csrf.clone().unwrap();
    let res = b
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "asha"),
            ("password", PASSWORD),
            ("_csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-novi_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Max-Age=", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(!cookie.contains("Domain"), "__Host- cookies name no domain");
    // The login page's pre-session cookie is __Host- prefixed too.
    let res = reqwest::get(app.url("/login")).await.unwrap();
    let pre = res.headers()["set-cookie"].to_str().unwrap();
    assert!(
        pre.starts_with("__Host-novi_csrf=") && pre.contains("Secure"),
        "{pre}"
    );
}

/// A client that keeps no cookies: the test says exactly which it sends.
struct Raw {
    app_url: String,
    client: reqwest::Client,
}

impl Raw {
    fn new(app: &TestApp) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            app_url: app.url(""),
            client,
        }
    }

    /// Opens `path` with `cookies`; returns the page's form token and any cookie it set.
    async fn page(&self, path: &str, cookies: &str) -> (String, Option<String>) {
        let res = self.client.get(format!("{}{path}", self.app_url));
        let res = res.header("cookie", cookies).send().await.unwrap();
        let set = res
            .headers()
            .get("set-cookie")
            .map(|v| cookie_value(v.to_str().unwrap()));
        let body = res.text().await.unwrap();
        let at = body.find(r#"name="_csrf" value=""#).expect("a form") + 20;
        (body[at..at + 64].to_owned(), set)
    }

    async fn post(&self, path: &str, cookies: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let req = self.client.post(format!("{}{path}", self.app_url));
        req.header("cookie", cookies)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Logs in as `username`; returns the session cookie's value.
    async fn session(&self, username: &str) -> String {
        let (token, pre) = self.page("/login", "").await;
        let cookies = format!("novi_csrf={}", pre.unwrap());
        let form = [
            ("username", username),
            ("password", PASSWORD),
            ("_csrf", &token),
        ];
        let res = self.post("/login", &cookies, &form).await;
        let status = res.status();
        let set = res
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().unwrap().to_owned());
        if status != StatusCode::SEE_OTHER {
            panic!("{username} logs in: {status} {}", res.text().await.unwrap());
        }
        cookie_value(&set.expect("a session cookie"))
    }
}

/// `v` of a `Set-Cookie: name=v; …` header.
fn cookie_value(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap();
    pair.split_once('=').unwrap().1.to_owned()
}

/// The profile form, renaming the shop, with this token.
fn profile(token: &str) -> [(&str, &str); 6] {
    [
        ("name", "Owned"),
        ("address", ""),
        ("phone", ""),
        ("currency", "INR"),
        ("delivery_fee", "0"),
        ("_csrf", token),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_token_is_good_only_for_its_own_session() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    app.user(&shop, "asha", Role::Owner);
    app.user(&app.business("shop-m"), "mallory", Role::Owner);
    let raw = Raw::new(&app);
    let asha = format!("novi_session={}", raw.session("asha").await);
    let mallory = format!("novi_session={}", raw.session("mallory").await);
    let (mallorys_token, _) = raw.page("/b/shop-m/settings", &mallory).await;
    let (login_token, pre) = raw.page("/login", "").await;
    let path = "/b/shop-a/settings/profile";

    // A cookie planted in Asha's browser, paired with the same value as the token: the old
    // double-submit check took it.
    let planted = "a".repeat(64);
    let cookies = format!("{asha}; novi_csrf={planted}");
    let form = profile(&planted);
    assert_eq!(
        raw.post(path, &cookies, &form).await.status(),
        StatusCode::FORBIDDEN
    );
    // Mallory's own token, or a login page's, is no good with Asha's session either.
    for token in [mallorys_token, login_token] {
        let cookies = format!("{asha}; novi_csrf={}", pre.clone().unwrap());
        let res = raw.post(path, &cookies, &profile(&token)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    let name = |app: &TestApp| {
        app.db
            .with_conn(|c| businesses::by_code(c, "shop-a"))
            .unwrap()
            .unwrap()
            .name
    };
    assert_eq!(name(&app), "Shop shop-a", "nothing changed");

    let (token, _) = raw.page("/b/shop-a/settings", &asha).await;
    let res = raw.post(path, &asha, &profile(&token)).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "her own page's token works"
    );
    assert_eq!(name(&app), "Owned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_token_is_bound_to_its_own_pre_session_cookie() {
    let app = TestApp::start().await;
    app.user(&app.business("shop-a"), "asha", Role::Owner);
    let raw = Raw::new(&app);
    let (_, mine) = raw.page("/login", "").await;
    let (theirs, _) = raw.page("/login", "").await;
    let cookies = format!("novi_csrf={}", mine.unwrap());
    let form = [
        ("username", "asha"),
        ("password", PASSWORD),
        ("_csrf", &theirs),
        ("next", "/b/shop-a/orders"),
    ];
    // Refused, and sent back to a fresh login page that says why and keeps where it was going
    // (a phone restoring an old tab has lost its cookie): no session is made.
    for cookies in [cookies.as_str(), ""] {
        let res = raw.post("/login", cookies, &form).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(res.headers().get("set-cookie").is_none(), "no session");
        let to = res.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(to, "/login?expired=1&next=%2Fb%2Fshop-a%2Forders");
        let page = raw.client.get(format!("{}{to}", raw.app_url)).send().await;
        let page = page.unwrap().text().await.unwrap();
        assert!(
            page.contains("That login page had expired")
                && page.contains(r#"name="next" value="/b/shop-a/orders""#),
            "{page}"
        );
    }
    let audit: i64 = app
        .db
        .with_conn(|c| {
            Ok::<_, novi::error::AppError>(c.query_row(
                "SELECT COUNT(*) FROM audit_log WHERE username = 'asha'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(audit, 0, "no attempt was made");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logged_in_pages_and_exports_are_not_stored() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    let b = app.owner(&shop, "asha").await;
    for path in [
        "/b/shop-a/",
        "/b/shop-a/settings",
        "/b/shop-a/orders/export.csv",
    ] {
        let res = b.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    let api = app.api(&shop);
    let res = api.client.get(app.url("/api/v1/orders"));
    let res = res.bearer_auth(&api.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store", "the API");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_security_headers() {
    let app = TestApp::start().await;
    let res = reqwest::get(app.url("/login")).await.unwrap();
    let h = res.headers();
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    assert!(!h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("unsafe-inline"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_break_cannot_split_a_live_update() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    let b = app.owner(&shop, "asha").await;
    let mut res = b
        .client
        .get(app.url("/b/shop-a/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // The stream is subscribed once its headers are out; a number with line breaks in it
    // (from a webhook, say) is named in one line.
    let bridge = &app.state.bridge;
    bridge.live.send(shop.id, "9198\r\nevent: x\rdata: *");
    let mut stream = String::new();
    while !stream.contains("\n\n") {
        let chunk = tokio::time::timeout(WAIT, res.chunk())
            .await
            .expect("an event");
        stream.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
    }
    let event = stream.trim_start_matches(":\n\n");
    assert_eq!(event, "event: conversation\ndata: 9198event: xdata: *\n\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_user_is_an_agent_unless_chosen_otherwise() {
    let app = TestApp::start().await;
    let shop = app.business("shop-a");
    let mut owner = app.owner(&shop, "asha").await;
    let (_, page) = owner.get("/b/shop-a/settings/users").await;
    let add = &page[page.find("Add a user").expect("the form")..];
    assert!(
        add.contains(r#"<option value="agent" selected>"#)
            && !add.contains(r#"<option value="owner" selected>"#),
        "{add}"
    );
    // A password an attacker would try first, or the username itself, is refused.
    for (password, says) in [
        ("password", "among the first any attacker tries"),
        ("Ravi-Kumar", "cannot be the username"),
    ] {
        let form = [
            ("new_username", "ravi-kumar"),
            ("role", "agent"),
            ("new_password", password),
        ];
        let (status, body, _) = owner.post("/b/shop-a/settings/users", &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert!(body.contains(says), "{password}: {body}");
    }
    let taken = app.db.with_conn(|c| users::by_username(c, "ravi-kumar"));
    assert!(taken.unwrap().is_none(), "no user was made");
}
