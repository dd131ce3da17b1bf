//! The real UI in headless Chromium, clicked and typed into as a person would: an owner logs in,
//! sets up a product, takes an order by hand and moves it, answering the cancel dialog; and pages
//! load with their stylesheet and script and no console errors or CSP violations.
//!
//! Needs `chromium` and `chromedriver` on PATH (Debian's `chromium` and `chromium-driver`); the
//! test fails without them. Screenshots go to `$TMPDIR/novi-browser-screenshots`; run
//! `cargo test --test it browser -- --nocapture` to see their paths.

use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::chrome::{console_errors, full_page_screenshot, Chrome, PATIENCE};
use crate::support::{order, product, TestApp, PASSWORD};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use novi::accounts::businesses::Business;
use novi::accounts::Role;
use novi::domain::Money;
use novi::orders::Status;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_sets_up_a_product_then_takes_confirms_and_cancels_an_order() {
    let app = TestApp::start().await;
    let shop = app.sharma_sweets("sharma");
    app.user(&shop, "asha", Role::Owner);
    Chrome::run(move |client| async move {
        let page = Page::new(client, &app);
        log_in(&page, "asha").await;
        assert_eq!(page.text("a.brand").await, "Sharma Sweets");
        page.screenshot("dashboard").await;

        create_a_product(&page, &app, &shop).await;
        adjust_its_stock(&page, &app, &shop).await;
        take_an_order_by_hand(&page, &app, &shop).await;
        confirm_then_cancel_it(&page, &app, &shop).await;

        assert_eq!(console_errors(&page.client).await, Vec::<String>::new());
        app.stop().await;
    })
    .await;
}

async fn create_a_product(page: &Page, app: &TestApp, shop: &Business) {
    page.nav("Products").await;
    page.wait_for_text("No products match.").await;
    page.click("New product").await;
    page.heading("New product").await;
    page.fill("Name", "Kaju Katli").await;
    page.fill("Category", "Sweets").await;
    page.choose("Sold by", "weight (price per kg)").await;
    page.fill("Price", "1200").await;
    page.fill("Aliases", "kaju barfi, cashew katli").await;
    page.fill("Low-stock level", "1 kg").await;
    page.fill("Opening stock", "5 kg").await;
    page.fill_named("v0_label", "500 g").await;
    page.fill_named("v0_amount", "500 g").await;
    page.fill_named("v1_label", "Box of 1 kg").await;
    page.fill_named("v1_amount", "1 kg").await;
    page.fill_named("v1_price", "1150").await;
    page.click("Create product").await;
    page.heading("Kaju Katli").await;

    let p = product(&app.db, shop, "kaju-katli");
    assert_eq!(p.stock, 5000);
    assert_eq!(p.aliases, ["kaju barfi", "cashew katli"]);
    let variants: Vec<_> = p
        .variants
        .iter()
        .map(|v| (v.label.as_str(), v.amount))
        .collect();
    assert_eq!(variants, [("500 g", 500), ("Box of 1 kg", 1000)]);

    page.click("← All products").await;
    let row = page.row_with("Kaju Katli").await;
    let text = row.text().await.expect("row text");
    assert!(
        text.contains("kaju-katli") && text.contains("₹1,200.00 / kg") && text.contains("5 kg"),
        "the list shows the new product: {text}"
    );
    page.screenshot("products").await;
}

async fn adjust_its_stock(page: &Page, app: &TestApp, shop: &Business) {
    page.click("Kaju Katli").await;
    page.heading("Kaju Katli").await;
    page.fill("Change", "-500 g").await;
    page.fill("Reason", "spoilt in the heat").await;
    page.click("Adjust stock").await;
    let row = page.row_with("spoilt in the heat").await;
    let text = row.text().await.expect("history row");
    assert!(
        text.contains("-500 g") && text.contains("4.5 kg") && text.contains("asha"),
        "the history says what changed, the figure after and who: {text}"
    );
    assert_eq!(page.text(".stock-figure strong").await, "4.5 kg");
    assert_eq!(product(&app.db, shop, "kaju-katli").stock, 4500);
}

async fn take_an_order_by_hand(page: &Page, app: &TestApp, shop: &Business) {
    page.nav("Orders").await;
    page.click("New order").await;
    page.heading("New order").await;
    page.fill("Customer's WhatsApp number", "98123 45678").await;
    page.fill("Customer's name", "Meera Iyer").await;
    page.fill("Delivery address", "12 MG Road").await;
    // The item is typed, with the catalog as the field's suggestions.
    page.fill_named("item_0", "Kaju Katli — 500 g").await;
    page.fill_named("count_0", "2").await;
    page.click("Preview totals").await;

    // 2 × 500 g at ₹1,200 a kg, and the shop's ₹40 delivery.
    let total = page
        .find_xpath("//section[@class='preview']//tr[@class='total']")
        .await;
    let total = total.text().await.expect("total");
    assert!(total.contains("₹1,240.00"), "{total}");
    assert_eq!(page.value_of("Customer's name").await, "Meera Iyer");
    page.screenshot("new-order-preview").await;
    assert_eq!(
        product(&app.db, shop, "kaju-katli").stock,
        4500,
        "a preview takes nothing"
    );

    page.click("Save").await;
    page.heading("Order #1").await;
    assert_eq!(page.text("span.status").await, "Pending");
    let o = order(&app.db, shop, 1);
    assert_eq!(
        (o.status, o.total),
        (Status::Pending, Money::from_minor(124_000))
    );
    assert_eq!(o.customer.name, "Meera Iyer");
    assert_eq!(product(&app.db, shop, "kaju-katli").stock, 3500);
}

async fn confirm_then_cancel_it(page: &Page, app: &TestApp, shop: &Business) {
    page.click("Mark confirmed").await;
    page.find("span.status-confirmed").await;
    let timeline = page.text("ol.timeline").await;
    assert!(
        timeline.contains("Pending → Confirmed · asha"),
        "the timeline shows the move: {timeline}"
    );
    assert_eq!(order(&app.db, shop, 1).status, Status::Confirmed);
    page.screenshot("order").await;

    // app.js asks before cancelling; saying no leaves the order as it was.
    page.click("Cancel order").await;
    assert_eq!(
        page.dialog().await,
        "Cancel this order and put its stock back?"
    );
    page.client.dismiss_alert().await.expect("dismiss");
    assert_eq!(page.text("span.status").await, "Confirmed");
    assert_eq!(order(&app.db, shop, 1).status, Status::Confirmed);

    page.click("Cancel order").await;
    page.dialog().await;
    page.client.accept_alert().await.expect("accept");
    page.find("span.status-cancelled").await;
    assert!(page
        .text("ol.timeline")
        .await
        .contains("Confirmed → Cancelled · asha"));
    assert!(
        page.buttons("Cancel order").await.is_empty(),
        "nothing is left to do"
    );
    assert_eq!(order(&app.db, shop, 1).status, Status::Cancelled);
    assert_eq!(
        product(&app.db, shop, "kaju-katli").stock,
        4500,
        "the stock is back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_load_with_their_stylesheet_and_script_and_no_console_errors() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    app.user(&shop, "asha", Role::Owner);
    let api = app.api(&shop);
    let order = json!({"customer": {"phone": "9812345678", "name": "Ravi"}, "lines": [{"sku": "samosa", "qty": 4}]});
    assert_eq!(
        api.post("/api/v1/orders", &order).await.0,
        StatusCode::CREATED
    );
    let product_page = format!(
        "/b/sharma/products/{}",
        product(&app.db, &shop, "samosa").id
    );

    Chrome::run(move |client| async move {
        let page = Page::new(client, &app);
        log_in(&page, "asha").await;
        assert_eq!(console_errors(&page.client).await, Vec::<String>::new());
        every_page_loads_without_console_errors(&page, &product_page).await;
        the_stylesheet_and_the_script_apply(&page).await;
        an_inline_script_is_refused_and_reported(&page).await;
        app.stop().await;
    })
    .await;
}

async fn every_page_loads_without_console_errors(page: &Page, product_page: &str) {
    let pages = [
        ("/b/sharma/orders", "Orders"),
        ("/b/sharma/orders/new", "New order"),
        ("/b/sharma/orders/1", "Order #1"),
        ("/b/sharma/products", "Products"),
        (product_page, "Samosa"),
        ("/b/sharma/customers", "Customers"),
        ("/b/sharma/settings", "Settings"),
        ("/b/sharma/", "Dashboard"),
    ];
    for (path, title) in pages {
        page.open(path).await;
        page.heading(title).await;
        let errors = console_errors(&page.client).await;
        assert!(errors.is_empty(), "{path}: {errors:#?}");
    }
}

async fn the_stylesheet_and_the_script_apply(page: &Page) {
    // style.css applied: the page background and the current section in the nav bar.
    let body = page.find("body").await;
    assert_eq!(
        css(&body, "background-color").await,
        "rgba(245, 247, 250, 1)"
    );
    let current = page.find("nav.mainnav a[aria-current='page']").await;
    assert_eq!(
        css(&current, "background-color").await,
        "rgba(15, 118, 110, 1)"
    );
    assert_eq!(css(&current, "color").await, "rgba(255, 255, 255, 1)");

    // app.js ran: the cancel button asks first.
    page.open("/b/sharma/orders/1").await;
    page.click("Cancel order").await;
    page.dialog().await;
    page.client.dismiss_alert().await.expect("dismiss");
}

async fn an_inline_script_is_refused_and_reported(page: &Page) {
    // The log would catch a violation: an inline script is refused and reported.
    let ran = page
            .client
            .execute(
                "const s = document.createElement('script'); s.textContent = 'window.inlineRan = true;';\
                 document.body.appendChild(s); return window.inlineRan === true;",
                vec![],
            )
            .await
            .expect("run script");
    assert_eq!(ran, json!(false), "the CSP refuses inline script");
    let client = &page.client;
    let errors = eventually("the CSP violation to be logged", || async move {
        Some(console_errors(client).await).filter(|e| !e.is_empty())
    })
    .await;
    assert!(
        errors.iter().any(|e| e.contains("Content Security Policy")),
        "{errors:#?}"
    );
}

/// Opens the start page, which asks for a login, and logs in through the form.
async fn log_in(page: &Page, username: &str) {
    page.open("/").await;
    page.heading("Log in").await;
    page.fill("Username", username).await;
    page.fill("Password", PASSWORD).await;
    page.click("Log in").await;
    page.heading("Dashboard").await;
}

async fn css(element: &Element, property: &str) -> String {
    element.css_value(property).await.expect("computed style")
}

/// Checks `check` until it gives a value, for conditions the WebDriver wait API cannot express.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The browser on one app, with what a journey does in a person's words. Every lookup waits
/// for its element, so a slow page is waited for, never raced.
struct Page {
    client: Client,
    base: String,
    shots: PathBuf,
}

impl Page {
    fn new(client: Client, app: &TestApp) -> Self {
        let shots = std::env::temp_dir().join("novi-browser-screenshots");
        std::fs::create_dir_all(&shots).expect("screenshot dir");
        Self {
            client,
            base: app.url(""),
            shots,
        }
    }

    async fn open(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client.goto(&url).await.expect("open page");
    }

    async fn find_by(&self, locator: Locator<'_>) -> Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(locator)
            .await
        {
            Ok(element) => element,
            Err(e) => panic!("waited for {locator:?} on {}: {e}", self.url().await),
        }
    }

    async fn find(&self, css: &str) -> Element {
        self.find_by(Locator::Css(css)).await
    }

    async fn find_xpath(&self, xpath: &str) -> Element {
        self.find_by(Locator::XPath(xpath)).await
    }

    async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// Waits for the page titled `title`, which is how a journey knows a click has landed.
    async fn heading(&self, title: &str) {
        self.find_xpath(&format!("//h1[normalize-space()={}]", lit(title)))
            .await;
    }

    async fn wait_for_text(&self, text: &str) {
        self.find_xpath(&format!("//main//*[normalize-space()={}]", lit(text)))
            .await;
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    /// The form control of the field whose label starts with `label`.
    async fn field(&self, label: &str) -> Element {
        self.find_xpath(&format!(
            "//label[starts-with(normalize-space(span), {})]//*[self::input or self::select or self::textarea]",
            lit(label)
        ))
        .await
    }

    async fn fill(&self, label: &str, value: &str) {
        type_into(self.field(label).await, value).await;
    }

    /// For inputs in a table row, which have no label of their own.
    async fn fill_named(&self, name: &str, value: &str) {
        type_into(self.find(&format!("[name='{name}']")).await, value).await;
    }

    async fn value_of(&self, label: &str) -> String {
        let field = self.field(label).await;
        field
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    async fn choose(&self, label: &str, option: &str) {
        let select = self.field(label).await;
        select.select_by_label(option).await.expect("choose option");
    }

    /// Clicks the button or link reading `text`.
    async fn click(&self, text: &str) {
        let xpath = format!(
            "//main//*[self::button or self::a][normalize-space()={}]",
            lit(text)
        );
        self.find_xpath(&xpath).await.click().await.expect("click");
    }

    /// Clicks a section in the top bar and waits for its page.
    async fn nav(&self, section: &str) {
        let xpath = format!(
            "//nav[@class='mainnav']/a[normalize-space()={}]",
            lit(section)
        );
        self.find_xpath(&xpath)
            .await
            .click()
            .await
            .expect("click nav");
        self.heading(section).await;
    }

    async fn buttons(&self, text: &str) -> Vec<Element> {
        let xpath = format!("//button[normalize-space()={}]", lit(text));
        self.client
            .find_all(Locator::XPath(&xpath))
            .await
            .expect("find")
    }

    /// The table row holding a cell that reads `text`.
    async fn row_with(&self, text: &str) -> Element {
        self.find_xpath(&format!("//tr[td[normalize-space()={}]]", lit(text)))
            .await
    }

    /// Waits for a `confirm()` dialog and gives its question.
    async fn dialog(&self) -> String {
        let client = &self.client;
        eventually(
            "a dialog",
            || async move { client.get_alert_text().await.ok() },
        )
        .await
    }

    /// Saves the whole page for a person to look at.
    async fn screenshot(&self, name: &str) {
        let png = full_page_screenshot(&self.client).await;
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("save screenshot");
        println!("screenshot: {}", path.display());
    }
}

async fn type_into(field: Element, value: &str) {
    field.clear().await.expect("clear field");
    field.send_keys(value).await.expect("type");
}

/// `text` as an XPath string literal.
fn lit(text: &str) -> String {
    if text.contains('"') {
        format!("'{text}'")
    } else {
        format!("\"{text}\"")
    }
}
