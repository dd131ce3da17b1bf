//! Every owner page in headless Chromium at a phone's size (360×740) and a laptop's (1366×900):
//! nothing is wider than the window, so nothing scrolls sideways (no table inside it either),
//! no link or button is too narrow for its words, and a link standing alone is thumb-sized; the bottom tab bar shows on
//! the phone and the top bar's links on the laptop; a keyboard's Tab shows a focus ring; and
//! axe-core (WCAG 2.1 A and AA rules, contrast among them) finds nothing serious or critical.
//!
//! `NOVI_SCREENSHOTS=dir cargo test --test it phone -- --nocapture` also saves each page at
//! phone size as `dir/<name>.png` (how docs/screenshots/ is made).

use std::time::{Duration, Instant};

use crate::support::chrome::{set_viewport, Chrome, PATIENCE};
use crate::support::{product, TestApp, PASSWORD};
use fantoccini::{Client, Locator};
use novi::accounts::Role;
use novi::whatsapp::threads;
use reqwest::StatusCode;
use serde_json::{json, Value};

const PHONE: (u32, u32) = (360, 740);
const LAPTOP: (u32, u32) = (1366, 900);

/// Every page an owner (and a platform admin) opens, by a short name for its screenshot.
fn owner_pages(product_id: i64) -> Vec<(&'static str, String)> {
    let p = |path: &str| format!("/b/sharma{path}");
    vec![
        ("dashboard", p("/")),
        ("dashboard-30-days", p("/?period=30d")),
        ("reports", p("/reports?period=30d&by=product")),
        ("reports-by-day", p("/reports?period=30d")),
        ("reports-by-category", p("/reports?period=30d&by=category")),
        ("orders", p("/orders")),
        ("new-order", p("/orders/new")),
        ("order", p("/orders/1")),
        ("edit-order", p("/orders/1/edit")),
        ("products", p("/products")),
        ("product", p(&format!("/products/{product_id}"))),
        ("new-product", p("/products/new")),
        ("import-products", p("/products/import")),
        ("customers", p("/customers")),
        ("customer", p("/customers/1")),
        ("conversations", p("/conversations")),
        ("conversation", p("/conversations/919812345678")),
        ("simulator", p("/simulator?phone=9812345678&name=Meera")),
        ("more", p("/more")),
        ("drawer", p("/drawer")),
        ("settings", p("/settings")),
        ("settings-hours", p("/settings/hours")),
        ("settings-messages", p("/settings/messages")),
        ("settings-whatsapp", p("/settings/whatsapp")),
        ("settings-users", p("/settings/users")),
        ("settings-payments", p("/settings/payments")),
        ("audit", p("/audit")),
        ("admin", "/admin".to_owned()),
        ("admin-businesses", "/admin/businesses".to_owned()),
        ("admin-business", "/admin/businesses/sharma".to_owned()),
        ("admin-users", "/admin/users".to_owned()),
        ("admin-orders", "/admin/orders".to_owned()),
        ("admin-audit", "/admin/audit".to_owned()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_owner_page_fits_a_phone_and_a_laptop_without_sideways_scrolling() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    app.platform_admin("root");
    app.user(&shop, "shyam-the-assistant-manager", Role::Agent);
    a_long_order(&app, &shop).await;
    a_conversation(&app, &shop).await;
    let pages = owner_pages(product(&app.db, &shop, "kaju-katli").id);
    let shots = std::env::var_os("NOVI_SCREENSHOTS").map(std::path::PathBuf::from);
    let axe_source = axe_core();

    Chrome::run(move |client| async move {
        log_in(&client, &app, "root").await;
        let mut problems = Vec::new(); // what is wrong, page by page, to see all at once
        for (size, tabs_shown) in [(PHONE, true), (LAPTOP, false)] {
            set_viewport(&client, size.0, size.1).await;
            for (name, path) in &pages {
                open(&client, &app, path).await;
                if let Some(problem) = overflow(&client).await {
                    problems.push(format!("{path} at {}×{}: {problem}", size.0, size.1));
                }
                for problem in crowded(&client).await {
                    problems.push(format!("{path} at {}×{}: {problem}", size.0, size.1));
                }
                for problem in broken_figures(&client).await {
                    problems.push(format!("{path} at {}×{}: {problem}", size.0, size.1));
                }
                for problem in controls(&client, tabs_shown).await {
                    problems.push(format!("{path} at {}×{}: {problem}", size.0, size.1));
                }
                for problem in axe(&client, &axe_source, size == PHONE).await {
                    problems.push(format!("{path} at {}×{}: {problem}", size.0, size.1));
                }
                if !path.starts_with("/admin") && tab_bar_shown(&client).await != tabs_shown {
                    let shown = if tabs_shown { "missing" } else { "shown" };
                    problems.push(format!("{path} at {}×{}: tab bar {shown}", size.0, size.1));
                }
                if let (Some(dir), true) = (&shots, tabs_shown) {
                    // The screen as a phone shows it, tab bar and all, not the whole page.
                    let png = client.screenshot().await.expect("screenshot");
                    std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot");
                }
            }
        }
        assert!(
            problems.is_empty(),
            "pages that do not fit:\n{}",
            problems.join("\n")
        );
        set_viewport(&client, PHONE.0, PHONE.1).await;
        open(&client, &app, "/b/sharma/orders").await;
        assert_eq!(tab_to_first_link(&client).await, "a.brand: solid 3px");
        // Tabbing down the order page never leaves the focus under the fixed bars.
        open(&client, &app, "/b/sharma/orders/1").await;
        let hidden = tab_under_bars(&client, 80).await;
        assert!(hidden.is_empty(), "focus hidden under the bars: {hidden:?}");
        app.stop().await;
    })
    .await;
}

/// An order with long names, so the list, the order and the customer have real text to fit,
/// and a wedding's worth of kaju katli, so the day's takings run to lakhs ("₹1,20,195.00").
async fn a_long_order(app: &TestApp, shop: &novi::accounts::businesses::Business) {
    app.adjust_stock(shop, "kaju-katli", 100_000, "a wedding order");
    let order = json!({
        "customer": {"phone": "9812345678", "name": "Meera Krishnamurthy-Iyer"},
        "address": "Flat 1204, Tower B, Prestige Shantiniketan, Whitefield Main Road, Bengaluru 560048",
        "notes": "Please call from the gate; the lift is under maintenance this week",
        "lines": [
            {"sku": "kaju-katli", "variant": "500 g", "count": 200},
            {"sku": "gulab-jamun", "variant": "Box of 12", "count": 1},
            {"sku": "samosa", "qty": 12}
        ]
    });
    let (status, body) = app.api(shop).post("/api/v1/orders", &order).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Part paid, with the shop's UPI id: the payment card, its history and the QR code show.
    app.db
        .with_tx(|tx| novi::accounts::businesses::set_upi_id(tx, shop.id, "sharmasweets@okaxis"))
        .expect("UPI id");
    let paid = json!({"amount_minor": 10_000, "mode": "upi", "reference": "412345678901"});
    let (status, body) = app.api(shop).post("/api/v1/orders/1/payments", &paid).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// A customer's message through the simulator, and the shop's answer, so the conversation
/// list and thread have something in them.
async fn a_conversation(app: &TestApp, shop: &novi::accounts::businesses::Business) {
    let mut owner = app.owner(shop, "asha").await;
    let say = [
        ("phone", "9812345678"),
        ("name", "Meera"),
        (
            "text",
            "2 kg kaju katli and 12 samosa please, deliver to Whitefield tomorrow evening",
        ),
    ];
    owner.post("/b/sharma/simulator", &say).await;
    app.wait_until("the shop's answer", |db| {
        let list = db.with_conn(|c| threads::list(c, shop.id, 10)).ok()?;
        list.into_iter().find(|t| t.last_direction == "out")
    })
    .await;
}

async fn log_in(client: &Client, app: &TestApp, username: &str) {
    log_in_to(client, app, username, "Platform console").await;
}

/// Logs in through the login form and waits for the page it lands on, headed `heading`.
pub(crate) async fn log_in_to(client: &Client, app: &TestApp, username: &str, heading: &str) {
    open(client, app, "/login").await;
    fill(client, "username", username).await;
    fill(client, "password", PASSWORD).await;
    let button = find(client, "//form//button[normalize-space()='Log in']").await;
    button.click().await.expect("log in");
    find(client, &format!("//h1[normalize-space()='{heading}']")).await;
}

pub(crate) async fn fill(client: &Client, name: &str, value: &str) {
    let field = find(client, &format!("//input[@name='{name}']")).await;
    field.send_keys(value).await.expect("type");
}

pub(crate) async fn find(client: &Client, xpath: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("waited for {xpath}: {e}"))
}

/// Opens `path` and waits for its heading, so the page is laid out before it is measured.
pub(crate) async fn open(client: &Client, app: &TestApp, path: &str) {
    client.goto(&app.url(path)).await.expect("open page");
    find(client, "//h1").await;
    let ready = "return document.readyState === 'complete' && document.fonts.status === 'loaded';";
    let deadline = Instant::now() + PATIENCE;
    while client.execute(ready, vec![]).await.expect("script") != json!(true) {
        assert!(Instant::now() < deadline, "{path} never finished loading");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How the page is wider than the window (its scroll width over the window's width), naming
/// the things sticking out; None if it fits.
pub(crate) async fn overflow(client: &Client) -> Option<String> {
    let script = r#"
        // The window less any scroll bar: a page that fits the window but not beside a desktop
        // scroll bar still scrolls sideways there.
        const width = Math.min(window.innerWidth, document.documentElement.clientWidth);
        const scroll = document.documentElement.scrollWidth;
        if (scroll <= width) return null;
        const out = [...document.querySelectorAll('body *')].filter(e => e.checkVisibility())
            .filter(e => e.getBoundingClientRect().right > width + 0.5)
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().replace(/\s+/g, '.') : '')
                      + ' (' + Math.round(e.getBoundingClientRect().right) + ' px)');
        return 'page is ' + scroll + ' px in a ' + width + ' px window; sticking out: ' + out.slice(0, 12).join(', ');
    "#;
    match client.execute(script, vec![]).await.expect("measure") {
        Value::String(problem) => Some(problem),
        _ => None,
    }
}

/// Links and buttons whose words are wider than their own box, so they run into whatever is
/// beside them (the page itself may still fit the window).
pub(crate) async fn crowded(client: &Client) -> Vec<String> {
    let script = r#"
        const problems = [];
        for (const e of document.querySelectorAll('a, button')) {
            if (!e.checkVisibility() || getComputedStyle(e).display === 'inline') continue;
            if (e.scrollWidth > e.clientWidth + 1) {
                problems.push(e.tagName.toLowerCase() + ' "' + e.textContent.trim().slice(0, 30) + '" needs '
                    + e.scrollWidth + ' px in its ' + e.clientWidth + ' px');
            }
        }
        return problems;
    "#;
    let found = client.execute(script, vec![]).await.expect("measure");
    found
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Dashboard figures whose value is broken across lines or sticks out of its card
/// ("₹1,20,1" over "95.00" reads as two numbers).
pub(crate) async fn broken_figures(client: &Client) -> Vec<String> {
    let script = r#"
        const problems = [];
        for (const e of document.querySelectorAll('dl.figures dd strong')) {
            const range = document.createRange();
            range.selectNodeContents(e);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
            if (lines > 1 || e.scrollWidth > e.clientWidth + 1) {
                problems.push('figure "' + e.textContent + '" takes ' + lines + ' lines, '
                    + e.scrollWidth + ' px in its ' + e.clientWidth + ' px');
            }
        }
        return problems;
    "#;
    let found = client.execute(script, vec![]).await.expect("measure");
    serde_json::from_value(found).expect("a list of problems")
}

/// Controls with no label a screen reader can say, and (on a phone) fields and buttons shorter
/// than 44 px, a thumb's width.
pub(crate) async fn controls(client: &Client, phone: bool) -> Vec<String> {
    let script = r#"
        const phone = arguments[0], problems = [];
        const name = e => e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : '')
                        + (e.textContent.trim() ? ' "' + e.textContent.trim().slice(0, 30) + '"' : '');
        for (const e of document.querySelectorAll('input, select, textarea, button')) {
            if (e.type === 'hidden' || !e.checkVisibility()) continue;
            const labelled = (e.labels && e.labels.length) || e.getAttribute('aria-label')
                || e.getAttribute('aria-labelledby') || (e.tagName === 'BUTTON' && e.textContent.trim());
            if (!labelled) problems.push(name(e) + ' has no label');
            const small = !['checkbox', 'radio'].includes(e.type) && !e.classList.contains('link');
            if (phone && small && e.getBoundingClientRect().height < 43.5)
                problems.push(name(e) + ' is ' + Math.round(e.getBoundingClientRect().height) + ' px tall');
        }
        // A link standing alone is a tap target too. Exempt: one inside a sentence (it is as
        // tall as the line it is in), and a card's link, whose card is the target.
        for (const e of document.querySelectorAll('a[href]')) {
            if (!phone || !e.checkVisibility() || e.closest('tr, li, nav, .store-card, .tabs')) continue;
            const around = e.parentElement.textContent.trim().length - e.textContent.trim().length;
            if (around > 3 || e.classList.contains('row-link')) continue;
            if (e.getBoundingClientRect().height < 43.5)
                problems.push('link "' + e.textContent.trim().slice(0, 30) + '" is '
                    + Math.round(e.getBoundingClientRect().height) + ' px tall');
        }
        // A table that scrolls sideways inside the page hides its last columns on a phone.
        for (const e of document.querySelectorAll('.table-scroll')) {
            if (phone && e.checkVisibility() && e.scrollWidth > e.clientWidth + 1)
                problems.push('a table scrolls sideways: ' + e.scrollWidth + ' px in ' + e.clientWidth);
        }
        return problems;
    "#;
    let found = client
        .execute(script, vec![json!(phone)])
        .await
        .expect("check controls");
    serde_json::from_value(found).expect("a list of problems")
}

/// axe-core's script, as `npm ci --prefix tests/axe` installs it (.ci/run does this).
pub(crate) fn axe_core() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/axe/node_modules/axe-core/axe.min.js"
    );
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("the accessibility check needs axe-core at {path} ({e}): run `npm ci --prefix tests/axe`")
    })
}

/// axe-core's serious and critical findings on the page (WCAG 2 A and AA, with contrast), each
/// as the rule, what it says, and the first few elements it found. Run once per page: on the
/// phone, where the layout is tightest.
pub(crate) async fn axe(client: &Client, source: &str, run: bool) -> Vec<String> {
    if !run {
        return Vec::new();
    }
    client.execute(source, vec![]).await.expect("load axe-core");
    let script = r#"
        const done = arguments[arguments.length - 1];
        const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
        axe.run(document, { runOnly: { type: 'tag', values: tags } })
          .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' + v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(', '))))
          .catch(e => done(['axe failed: ' + e]));
    "#;
    let found = client
        .execute_async(script, vec![])
        .await
        .expect("run axe-core");
    serde_json::from_value(found).expect("a list of findings")
}

/// Presses Tab once on a fresh page: what takes the focus, and the ring it shows.
async fn tab_to_first_link(client: &Client) -> String {
    let body = client.find(Locator::Css("body")).await.expect("body");
    body.send_keys("\u{E004}").await.expect("press Tab");
    let script = "const e = document.activeElement, s = getComputedStyle(e); \
                  return e.tagName.toLowerCase() + '.' + e.className + ': ' + s.outlineStyle + ' ' + s.outlineWidth;";
    let focused = client.execute(script, vec![]).await.expect("focus");
    focused.as_str().unwrap_or_default().to_owned()
}

/// Presses Tab `presses` times from the top: the controls that took the focus while under the
/// page's fixed bars (the tab bar, the order's next moves), and so out of sight.
async fn tab_under_bars(client: &Client, presses: usize) -> Vec<String> {
    let script = r#"
        const e = document.activeElement;
        if (!e || e === document.body) return null;
        const bars = [...document.querySelectorAll('.tabbar, .status-actions')]
            .filter(b => b.checkVisibility() && getComputedStyle(b).position === 'fixed');
        if (bars.some(b => b.contains(e))) return null;
        const top = Math.min(innerHeight, ...bars.map(b => b.getBoundingClientRect().top));
        const r = e.getBoundingClientRect();
        return r.bottom > top + 1 ? e.tagName.toLowerCase() + ' "' + e.textContent.trim().slice(0, 30) + '"' : null;
    "#;
    let mut hidden = Vec::new();
    for _ in 0..presses {
        let body = client.active_element().await.expect("focused element");
        body.send_keys("\u{E004}").await.expect("press Tab");
        if let Value::String(what) = client.execute(script, vec![]).await.expect("focus") {
            hidden.push(what);
        }
    }
    hidden
}

/// Whether the bottom tab bar is on screen, with its five tabs.
async fn tab_bar_shown(client: &Client) -> bool {
    let script = r#"
        const bar = document.querySelector('nav.tabbar');
        if (!bar || getComputedStyle(bar).display === 'none') return false;
        const r = bar.getBoundingClientRect();
        const tabs = [...bar.querySelectorAll('a')].map(a => a.textContent.trim());
        return r.bottom <= window.innerHeight + 0.5 && r.height > 0
            && tabs.join(',') === 'Orders,Chats,Products,Dashboard,More';
    "#;
    client.execute(script, vec![]).await.expect("tab bar") == json!(true)
}

/// The check above passes only because the pages pass: on a page with the faults the old
/// pages had (a field without a label, pale grey text, a button with no name) it reports each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accessibility_check_finds_what_the_old_pages_got_wrong() {
    let axe_source = axe_core();
    Chrome::run(move |client| async move {
        let faulty = "<!doctype html><html lang=en><head><title>t</title></head><body><main>\
                      <h1>Orders</h1><p style='color:#bbb;background:#fff'>Pale text</p>\
                      <form><input name=phone><button></button></form></main></body></html>";
        let url = format!("data:text/html,{}", faulty.replace('#', "%23"));
        client.goto(&url).await.expect("open the page");
        let found = axe(&client, &axe_source, true).await.join("\n");
        for rule in ["color-contrast", "label", "button-name"] {
            assert!(
                found.contains(&format!(" {rule}: ")),
                "{rule} not found in:\n{found}"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_holds_what_the_tab_bar_has_no_room_for_as_each_role_may_see_it() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    let (status, page) = app.owner(&shop, "asha").await.get("/b/sharma/more").await;
    assert_eq!(status, StatusCode::OK);
    for link in [
        "/b/sharma/customers",
        "/b/sharma/reports",
        "/b/sharma/settings/users",
        "/b/sharma/settings/whatsapp",
    ] {
        assert!(
            page.contains(&format!("href=\"{link}\"")),
            "{link} in {page}"
        );
    }
    assert!(page.contains("action=\"/logout\"") && page.contains("Log out"));
    assert!(page.contains("<a href=\"/b/sharma/more\" aria-current=\"page\">More</a>"));

    let (_, page) = app.agent(&shop, "ravi").await.get("/b/sharma/more").await;
    assert!(page.contains("href=\"/b/sharma/customers\"") && page.contains("Log out"));
    assert!(
        !page.contains("/settings"),
        "an agent has no settings: {page}"
    );
    app.stop().await;
}

/// Where a bad range's message sits beside its fields: (message left, message right, the
/// "From" field's left, the "To" field's right), in CSS pixels.
async fn range_error_box(client: &Client) -> Vec<f64> {
    let script = r#"
        const box = s => document.querySelector(s).getBoundingClientRect();
        const from = box('form.filters input[name="from"]'), to = box('form.filters input[name="to"]');
        const error = box('#period-error');
        return [error.left, error.right, from.left, to.right];
    "#;
    let found = client.execute(script, vec![]).await.expect("measure");
    found
        .as_array()
        .map(|all| all.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_range_is_explained_across_both_dates_on_a_phone() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    app.user(&shop, "asha", Role::Owner);

    Chrome::run(move |client| async move {
        set_viewport(&client, PHONE.0, PHONE.1).await;
        log_in_to(&client, &app, "asha", "Dashboard").await;
        open(
            &client,
            &app,
            "/b/sharma/?period=range&from=2026-13-01&to=2026-12-01",
        )
        .await;
        // The message is about the range, so it runs under both fields, not in the one cell
        // beside the button as if only the date above it were wrong.
        let b = range_error_box(&client).await;
        assert_eq!(b.len(), 4, "{b:?}");
        let (left, right, from_left, to_right) = (b[0], b[1], b[2], b[3]);
        assert!((left - from_left).abs() < 1.0, "{b:?}");
        assert!((right - to_right).abs() < 1.0, "{b:?}");
        app.stop().await;
    })
    .await;
}
