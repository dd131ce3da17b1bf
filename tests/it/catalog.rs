//! The catalog end to end: import and export from the shell, the demo catalog, the product
//! and stock pages over HTTP (roles, validation, images, tenancy) and `GET /api/v1/products`.

use crate::support::data::{CATALOG, CATALOG_PATH, PNG};
use crate::support::process::{install_with_business, install_with_sweet_shop, novi, ok};
use crate::support::{product, products, Browser, TestApp};
use novi::accounts::businesses;
use novi::accounts::Role;
use novi::catalog::stock;
use novi::db::Db;
use reqwest::StatusCode;
use serde_json::Value;

// ---- helpers ----

/// A multipart body with one file in the `image` field, as a browser sends it.
fn multipart(filename: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    multipart_in("image", filename, content_type, bytes)
}

/// A multipart body with one file in field `field`.
fn multipart_in(
    field: &str,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> (String, Vec<u8>) {
    let boundary = "novi-test-boundary-7d93a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads `bytes` as the product's image, with the CSRF token in the query as the page does.
async fn upload(
    app: &TestApp,
    b: &Browser,
    path: &str,
    filename: &str,
    bytes: &[u8],
) -> StatusCode {
    let (content_type, body) = multipart(filename, "image/png", bytes);
    let token = b.csrf.clone().unwrap_or_default();
    b.client
        .post(app.url(&format!("{path}?_csrf={token}")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload")
        .status()
}

// ---- import and export from the shell ----

#[test]
fn import_from_the_shell_then_export_round_trips() {
    let dir = install_with_business("sweets");
    let import = |file: &str| {
        ok(
            dir.path(),
            &["catalog", "import", "--business", "sweets", file],
            "",
        )
    };
    let export = || {
        ok(
            dir.path(),
            &["catalog", "export", "--business", "sweets"],
            "",
        )
    };
    let out = import(CATALOG_PATH);
    assert!(out.contains("18 new, 0 updated"), "{out}");
    let exported = export();
    assert_eq!(exported, CATALOG, "an imported file exports unchanged");

    let db = Db::open(dir.path()).unwrap();
    let shop = db
        .with_conn(|c| businesses::by_code(c, "sweets"))
        .unwrap()
        .unwrap();
    let id = shop.id;
    let kaju = product(&db, &shop, "kaju-katli");
    assert_eq!(kaju.stock, 20_000);
    let history = db
        .with_conn(|c| stock::history(c, id, kaju.id, 10))
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].reason.as_str(), history[0].delta),
        ("import", 20_000)
    );

    // Edit the export, import it back: existing products are updated and stock moves explain it.
    let edited = exported
        .replacen("Sweets,kg,1200,", "Sweets,kg,1250,", 1)
        .replacen("1 kg=1000,20000", "1 kg=1000,15000", 1);
    let file = dir.path().join("edited.csv");
    std::fs::write(&file, &edited).unwrap();
    let out = import(file.to_str().unwrap());
    // Only the row that changed is written.
    assert!(out.contains("0 new, 1 updated"), "{out}");
    let kaju = product(&db, &shop, "kaju-katli");
    assert_eq!((kaju.price.minor(), kaju.stock), (125_000, 15_000));
    let history = db
        .with_conn(|c| stock::history(c, id, kaju.id, 10))
        .unwrap();
    assert_eq!((history[0].delta, history[0].stock_after), (-5_000, 15_000));
    assert_eq!(products(&db, &shop).len(), 18);
    let again = export();
    assert_eq!(again, edited);
}

#[test]
fn a_broken_catalog_is_reported_line_by_line_and_changes_nothing() {
    let dir = install_with_sweet_shop("sweets");
    let mut lines: Vec<String> = CATALOG.lines().map(str::to_owned).collect();
    // A good change that must not be applied, then three bad rows.
    lines[1] = lines[1].replace(",kg,1200,", ",kg,1500,");
    lines[3] = lines[3].replace(",pc,18,", ",pc,18x,");
    lines[8] = lines[8].replace(",kg,320,", ",ltr,320,");
    lines[14] = lines[14].replace(",Single=1,300", ",300");
    let broken = dir.path().join("broken.csv");
    std::fs::write(&broken, lines.join("\n") + "\n").unwrap();

    let broken = broken.to_str().unwrap();
    let out = novi(
        dir.path(),
        &["catalog", "import", "--business", "sweets", broken],
        "",
    );
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("line 4: price \"18x\" is not a number"),
        "{err}"
    );
    assert!(
        err.contains("line 9: unit must be kg or pc, got \"ltr\""),
        "{err}"
    );
    assert!(err.contains("line 15: expected 8 columns"), "{err}");
    assert_eq!(err.lines().count(), 4, "{err}");
    let last = err.lines().last().unwrap();
    assert!(last.starts_with("error:") && last.contains("3 problems; nothing was imported"));

    let exported = ok(
        dir.path(),
        &["catalog", "export", "--business", "sweets"],
        "",
    );
    assert_eq!(exported, CATALOG, "nothing changed");
}

#[test]
fn import_and_export_refuse_unknown_shops_and_missing_files() {
    let dir = install_with_business("sweets");
    let cases: [&[&str]; 3] = [
        &["catalog", "import", "--business", "nope", CATALOG_PATH],
        &[
            "catalog",
            "import",
            "--business",
            "sweets",
            "/no/such/file.csv",
        ],
        &["catalog", "export", "--business", "nope"],
    ];
    for args in cases {
        let out = novi(dir.path(), args, "");
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error:"), "{err}");
    }
}

// ---- the demo shop ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shop_has_the_catalog_once() {
    let app = TestApp::start().await;
    assert!(novi::demo::ensure_demo(&app.db).unwrap());
    assert!(!novi::demo::ensure_demo(&app.db).unwrap());
    let demo = app
        .db
        .with_conn(|c| businesses::by_code(c, "demo"))
        .unwrap()
        .unwrap();
    assert_eq!(products(&app.db, &demo).len(), 18);
    let kaju = product(&app.db, &demo, "kaju-katli");
    let history = app
        .db
        .with_conn(|c| stock::history(c, demo.id, kaju.id, 10))
        .unwrap();
    assert_eq!(history.len(), 1, "made once");

    let mut b = app.browser();
    b.login(novi::demo::DEMO_USERNAME, novi::demo::DEMO_PASSWORD)
        .await;
    let (status, body) = b.get("/b/demo/products").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Kaju Katli") && body.contains("Dry Fruit Gift Box"));
    assert!(body.contains("₹1,200.00 / kg") && body.contains("20 kg"));
    assert!(body.contains("60 pc"));
}

// ---- the product pages ----

fn create_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", "Kaju Katli"),
        ("sku", ""),
        ("category", "Sweets"),
        ("unit", "kg"),
        ("price", "1,200"),
        ("aliases", "kaju, cashew katli"),
        ("low_stock", "2 kg"),
        ("opening_stock", "5 kg"),
        ("active", "1"),
        ("v0_label", "250 g"),
        ("v0_amount", "250 g"),
        ("v0_price", ""),
        ("v1_label", "Gift box"),
        ("v1_amount", "1 kg"),
        ("v1_price", "1100"),
        ("v2_label", ""),
        ("v2_amount", ""),
        ("v2_price", ""),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_create_and_edit_products_with_variants() {
    let app = TestApp::start().await;
    let shop = app.business("shop");
    let mut b = app.owner(&shop, "asha").await;
    let (status, body) = b.get("/b/shop/products/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("v2_label"),
        "blank variant rows without script"
    );

    let (status, _, location) = b.post("/b/shop/products", &create_fields()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let p = product(&app.db, &shop, "kaju-katli");
    assert_eq!(
        location,
        Some(format!("/b/shop/products/{}?saved=product", p.id))
    );
    assert_eq!(
        (p.price.minor(), p.stock, p.low_stock),
        (120_000, 5_000, 2_000)
    );
    assert_eq!(p.aliases, ["kaju", "cashew katli"]);
    let v: Vec<_> = p
        .variants
        .iter()
        .map(|v| (v.label.as_str(), v.amount, v.is_default))
        .collect();
    assert_eq!(v, [("250 g", 250, true), ("Gift box", 1000, false)]);
    assert_eq!(p.variants[1].price.map(|m| m.minor()), Some(110_000));

    let page = format!("/b/shop/products/{}", p.id);
    let (status, body) = b.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("5 kg") && body.contains("opening stock"));

    // Edit: new price, one variant removed, made inactive (the checkbox left out).
    let mut fields = create_fields();
    fields.retain(|(k, _)| !matches!(*k, "active" | "opening_stock"));
    fields.iter_mut().for_each(|f| match f.0 {
        "price" => f.1 = "1300.50",
        "v1_label" | "v1_amount" | "v1_price" => f.1 = "",
        "sku" => f.1 = "kaju-katli",
        _ => {}
    });
    let (status, _, _) = b.post(&page, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let p = product(&app.db, &shop, "kaju-katli");
    assert_eq!(
        (p.price.minor(), p.active, p.variants.len()),
        (130_050, false, 1)
    );
    assert_eq!(p.stock, 5_000, "editing details leaves stock alone");

    let (_, list) = b.get("/b/shop/products?q=cashew").await;
    assert!(list.contains("Kaju Katli") && list.contains("inactive"));
    let (_, list) = b.get("/b/shop/products?q=zzz").await;
    assert!(!list.contains("Kaju Katli"));
    let (_, list) = b.get("/b/shop/products?category=Snacks").await;
    assert!(!list.contains("Kaju Katli"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_product_input_is_refused_and_changes_nothing() {
    let app = TestApp::start().await;
    let shop = app.business("shop");
    let mut b = app.owner(&shop, "asha").await;
    b.get("/b/shop/products/new").await;
    let mut fields = create_fields();
    fields.iter_mut().for_each(|f| match f.0 {
        "price" => f.1 = "12x",
        "v2_label" => f.1 = "Half",
        _ => {}
    });
    let (status, body, _) = b.post("/b/shop/products", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("price &quot;12x&quot; is not a number"),
        "{body}"
    );
    assert!(body.contains("variant 3: amount"), "{body}");
    assert!(
        body.contains("value=\"Kaju Katli\""),
        "keeps what was typed"
    );
    assert!(products(&app.db, &shop).is_empty());

    app.import_catalog(&shop);
    let before = product(&app.db, &shop, "kaju-katli");
    let (status, body, _) = b.post("/b/shop/products", &create_fields()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "sku taken");
    assert!(body.contains("already exists"));

    let page = format!("/b/shop/products/{}", before.id);
    let mut fields = create_fields();
    fields.iter_mut().for_each(|f| match f.0 {
        "sku" => f.1 = "gulab-jamun",
        "name" => f.1 = "Renamed",
        _ => {}
    });
    let (status, body, _) = b.post(&page, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("already exists"));
    fields.retain(|(k, _)| *k != "opening_stock");
    fields.iter_mut().for_each(|f| match f.0 {
        "sku" => f.1 = "kaju-katli",
        "unit" => f.1 = "pc",
        "low_stock" => f.1 = "2",
        "v0_amount" => f.1 = "1",
        "v1_amount" => f.1 = "12",
        _ => {}
    });
    let (status, body, _) = b.post(&page, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("unit cannot change while there is stock"));
    assert_eq!(product(&app.db, &shop, "kaju-katli"), before);
    assert_eq!(products(&app.db, &shop).len(), 18);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_are_checked_by_content_and_size() {
    let app = TestApp::start().await;
    let shop = app.business("shop");
    app.import_catalog(&shop);
    let kaju = product(&app.db, &shop, "kaju-katli");
    let mut b = app.owner(&shop, "asha").await;
    let page = format!("/b/shop/products/{}", kaju.id);
    let image = format!("{page}/image");
    let (_, form) = b.get(&page).await;
    assert!(
        form.contains(&format!("action=\"{image}?_csrf=")) && form.contains("#image\""),
        "a refused file opens at the image card: {form}"
    );
    assert_eq!(b.get(&image).await.0, StatusCode::NOT_FOUND, "no image yet");

    assert_eq!(
        upload(&app, &b, &image, "dot.png", PNG).await,
        StatusCode::SEE_OTHER
    );
    let stored = product(&app.db, &shop, "kaju-katli");
    let name = stored.image.clone().expect("image recorded");
    assert_eq!(stored.image_type.as_deref(), Some("image/png"));
    let res = b.client.get(app.url(&image)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    assert!(b.get(&page).await.1.contains(&format!("image?v={name}")));
    // The list shows it beside the product's name, and only there: the others have none.
    let (_, list) = b.get("/b/shop/products").await;
    let thumb = format!("img class=\"thumb\" src=\"{image}?v={name}\"");
    assert!(list.contains(&thumb), "{list}");
    assert_eq!(list.matches("class=\"thumb\"").count(), 1);

    let text = b"just some text, not a picture";
    let refused = upload(&app, &b, &image, "photo.png", text).await;
    assert_eq!(refused, StatusCode::UNPROCESSABLE_ENTITY);
    let mut big = PNG.to_vec();
    big.resize((2 << 20) + 1, 0);
    let too_big = upload(&app, &b, &image, "big.png", &big).await;
    assert_eq!(too_big, StatusCode::PAYLOAD_TOO_LARGE);
    // Without the token in the query the upload is refused before it is read.
    b.csrf = Some("0".repeat(64));
    assert_eq!(
        upload(&app, &b, &image, "dot.png", PNG).await,
        StatusCode::FORBIDDEN
    );

    assert_eq!(product(&app.db, &shop, "kaju-katli").image, Some(name));
    let files = std::fs::read_dir(app.dir.path().join("uploads"))
        .unwrap()
        .count();
    assert_eq!(files, 1, "refused uploads leave no files");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_adjustments_keep_a_history() {
    let app = TestApp::start().await;
    let shop = app.business("shop");
    app.import_catalog(&shop);
    let kaju = product(&app.db, &shop, "kaju-katli");
    let mut b = app.staff(&shop, "ravi", Role::Manager).await;
    let page = format!("/b/shop/products/{}", kaju.id);
    let adjust = format!("{page}/stock");
    let (_, shown) = b.get(&page).await;
    // Its answer opens at the stock card, where its error or new figure is.
    assert!(
        shown.contains(&format!(r#"action="{adjust}#stock""#)),
        "{shown}"
    );

    let ok = [("+2 kg", "fresh batch"), ("-500 g", "spoilt")];
    for (change, reason) in ok {
        let (status, _, _) = b
            .post(&adjust, &[("change", change), ("reason", reason)])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{change}");
    }
    assert_eq!(product(&app.db, &shop, "kaju-katli").stock, 21_500);

    let refused = [
        ("-100 kg", "sold", "only 21.5 kg left"),
        ("5", "counted", "must start with +"),
        ("+abc", "counted", "is not an amount"),
        ("+1 kg", " ", "say why"),
    ];
    for (change, reason, message) in refused {
        let (status, body, _) = b
            .post(&adjust, &[("change", change), ("reason", reason)])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{change}");
        assert!(body.contains(message), "{change}: {body}");
    }
    assert_eq!(product(&app.db, &shop, "kaju-katli").stock, 21_500);

    let (_, page_body) = b.get(&page).await;
    let body = &page_body[page_body.find("class=\"history\"").expect("history")..];
    let newest = body.find("-500 g").expect("newest move shown");
    let older = body.find("+2 kg").expect("older move shown");
    let oldest = body.find("+20 kg").expect("import move shown");
    assert!(newest < older && older < oldest, "newest first");
    assert!(body.contains("spoilt") && body.contains("ravi") && body.contains("21.5 kg"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_may_look_but_not_change() {
    let app = TestApp::start().await;
    let shop = app.business("shop");
    app.import_catalog(&shop);
    let kaju = product(&app.db, &shop, "kaju-katli");
    let mut b = app.agent(&shop, "meena").await;
    let (status, list) = b.get("/b/shop/products").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Kaju Katli") && !list.contains("New product"));
    let page = format!("/b/shop/products/{}", kaju.id);
    let (status, body) = b.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("Adjust stock") && !body.contains("Save product"));

    assert_eq!(b.get("/b/shop/products/new").await.0, StatusCode::FORBIDDEN);
    let (status, _, _) = b.post("/b/shop/products", &create_fields()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = b.post(&page, &create_fields()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let adjust = format!("{page}/stock");
    let (status, _, _) = b
        .post(&adjust, &[("change", "-1 kg"), ("reason", "x")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let image = format!("{page}/image");
    assert_eq!(
        upload(&app, &b, &image, "dot.png", PNG).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(product(&app.db, &shop, "kaju-katli"), kaju);
    assert_eq!(products(&app.db, &shop).len(), 18);
}

// ---- tenancy and the API ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_shops_products_are_not_found() {
    let app = TestApp::start().await;
    let (a, other) = (app.business("shop-a"), app.business("shop-b"));
    app.import_catalog(&a);
    app.import_catalog(&other);
    let theirs = product(&app.db, &other, "kaju-katli");
    let mut b = app.owner(&a, "asha").await;
    b.get("/b/shop-a/products").await;
    // Their id under our code, and their code: both look like nothing is there.
    let page = format!("/b/shop-a/products/{}", theirs.id);
    assert_eq!(b.get(&page).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        b.get(&format!("{page}/image")).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _, _) = b.post(&page, &create_fields()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = b
        .post(
            &format!("{page}/stock"),
            &[("change", "-1 kg"), ("reason", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let image = format!("{page}/image");
    assert_eq!(
        upload(&app, &b, &image, "dot.png", PNG).await,
        StatusCode::NOT_FOUND
    );
    let theirs_page = format!("/b/shop-b/products/{}", theirs.id);
    assert_eq!(b.get(&theirs_page).await.0, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/b/shop-b/products").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        b.get("/b/shop-a/products/junk").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(product(&app.db, &other, "kaju-katli"), theirs);

    // Through the API, a token sees only its own shop's products.
    let extra =
        "sku,name,category,unit,price,aliases,variants,stock\nonly-b,Only B,Misc,pc,1,,,1\n";
    app.import_csv(&other, extra);
    let (status, json) = app.api(&a).get("/api/v1/products").await;
    assert_eq!(status, StatusCode::OK);
    let list = json["products"].as_array().unwrap();
    assert_eq!(list.len(), 18);
    assert!(list.iter().all(|p| p["sku"] != "only-b"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_products_api_has_the_documented_shape() {
    let app = TestApp::start().await;
    let shop = app.business("shop");
    app.import_catalog(&shop);
    let extra = "sku,name,category,unit,price,aliases,variants,stock\nladdu-box,Laddu Box,Gifts,pc,20,,Single=1;Box of 12=12@220.50,7\n";
    app.import_csv(&shop, extra);
    let (status, json) = app.api(&shop).get("/api/v1/products").await;
    assert_eq!(status, StatusCode::OK);
    let list = json["products"].as_array().unwrap();
    assert_eq!(list.len(), 19);
    let kaju = list.iter().find(|p| p["sku"] == "kaju-katli").unwrap();
    for key in [
        "sku",
        "name",
        "category",
        "unit",
        "price_minor",
        "stock",
        "variants",
        "active",
    ] {
        assert!(kaju.get(key).is_some(), "{key}");
    }
    assert_eq!(kaju["name"], "Kaju Katli");
    assert_eq!(kaju["category"], "Sweets");
    assert_eq!(kaju["unit"], "kg");
    assert_eq!(kaju["price_minor"], 120_000);
    assert_eq!(kaju["stock"], 20_000);
    assert_eq!(kaju["active"], true);
    let first = &kaju["variants"][0];
    assert_eq!(
        (&first["label"], &first["amount"], &first["price_minor"]),
        (&"250 g".into(), &250.into(), &30_000.into())
    );
    let boxed = list.iter().find(|p| p["sku"] == "laddu-box").unwrap();
    assert_eq!(
        boxed["variants"][0]["price_minor"], 2_000,
        "priced from the product"
    );
    assert_eq!(boxed["variants"][1]["price_minor"], 22_050, "its own price");

    let res = reqwest::get(app.url("/api/v1/products")).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_or_missing_catalog_file_is_named_as_such() {
    let app = TestApp::start().await;
    let shop = app.business("shop");
    let mut b = app.staff(&shop, "ravi", Role::Manager).await;
    b.get("/b/shop/products/import").await;
    let token = b.csrf.clone().unwrap_or_default();
    for (field, bytes, says) in [
        (
            "file",
            &b""[..],
            "That file is empty: choose a catalog CSV file.",
        ),
        ("other", &b"sku"[..], "Choose a CSV file to import."),
    ] {
        let (content_type, body) = multipart_in(field, "catalog.csv", "text/csv", bytes);
        let res = b
            .client
            .post(app.url(&format!("/b/shop/products/import?_csrf={token}")))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = res.text().await.unwrap();
        assert!(page.contains(says), "{says}: {page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_applies_only_what_its_preview_showed() {
    let app = TestApp::start().await;
    let shop = app.sweet_shop("shop");
    let mut b = app.staff(&shop, "ravi", Role::Manager).await;
    b.get("/b/shop/products/import").await;
    let token = b.csrf.clone().unwrap_or_default();
    let (content_type, body) = multipart_in("file", "catalog.csv", "text/csv", CATALOG.as_bytes());
    let res = b
        .client
        .post(app.url(&format!("/b/shop/products/import?_csrf={token}")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains("0 new · 0 changed · 18 unchanged"), "{page}");
    let seen = crate::storefront::hidden(&page, "seen").expect("the preview's fingerprint");

    // An order takes 1 kg of kaju katli before the apply: the file's 20 kg would put it back.
    let order = serde_json::json!({
        "customer": {"phone": "9812345678", "name": "Meera"},
        "address": "12 MG Road",
        "lines": [{"sku": "kaju-katli", "qty": 1000}]
    });
    let (status, _) = app.api(&shop).post("/api/v1/orders", &order).await;
    assert_eq!(status, StatusCode::CREATED);
    b.get("/b/shop/products/import").await;
    let apply = [("csv", CATALOG), ("seen", seen.as_str())];
    let (status, page, _) = b.post("/b/shop/products/import/apply", &apply).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("The catalog changed since this preview") && page.contains("1 changed"),
        "{page}"
    );
    assert_eq!(
        product(&app.db, &shop, "kaju-katli").stock,
        19_000,
        "nothing imported"
    );

    // Applied from the new preview, which showed the stock change, it is what the owner chose.
    let seen = crate::storefront::hidden(&page, "seen").unwrap();
    let apply = [("csv", CATALOG), ("seen", seen.as_str())];
    let (status, _, to) = b.post("/b/shop/products/import/apply", &apply).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some("/b/shop/products?imported=0&updated=1"));
    assert_eq!(product(&app.db, &shop, "kaju-katli").stock, 20_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_saved_keeps_its_packs_in_shoppers_carts() {
    let app = TestApp::start().await;
    let shop = app.sweet_shop("sweets");
    let kaju = product(&app.db, &shop, "kaju-katli");
    let pack: i64 = app
        .db
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT id FROM variants WHERE product_id = ?1 AND label = '500 g'",
                [kaju.id],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let (mut shopper, token) = crate::storefront::shopper(&app, "sweets").await;
    let form = [
        ("_cart", token.as_str()),
        ("product", &kaju.id.to_string()),
        ("variant", &pack.to_string()),
        ("count", "1"),
    ];
    shopper.post_raw("/s/sweets/cart", &form).await;
    // The owner puts kaju katli up to ₹1,250 a kg: its packs stay as they are.
    let rows = novi::catalog::csv::parse_catalog(
        CATALOG
            .replacen("Sweets,kg,1200,", "Sweets,kg,1250,", 1)
            .as_bytes(),
    )
    .unwrap();
    app.db
        .with_tx(|tx| novi::catalog::import::import(tx, shop.id, &rows, "test"))
        .unwrap();
    let (_, cart) = shopper.get("/s/sweets/cart").await;
    assert!(
        cart.contains("Kaju Katli")
            && cart.contains("500 g")
            && !cart.contains("Your cart is empty"),
        "{cart}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_saved_from_an_older_page_is_refused() {
    let app = TestApp::start().await;
    let shop = app.business("shop");
    let mut asha = app.owner(&shop, "asha").await;
    asha.post("/b/shop/products", &create_fields()).await;
    let p = product(&app.db, &shop, "kaju-katli");
    let page = format!("/b/shop/products/{}", p.id);
    let (_, mine) = asha.get(&page).await;
    let seen = crate::storefront::hidden(&mine, "seen").expect("the form's version");

    // Meera puts the price up and takes it off sale meanwhile.
    let mut meera = app.owner(&shop, "meera").await;
    meera.get(&page).await;
    let mut hers = create_fields();
    hers.retain(|(k, _)| !matches!(*k, "active" | "opening_stock"));
    hers.iter_mut().for_each(|f| match f.0 {
        "price" => f.1 = "1400",
        "sku" => f.1 = "kaju-katli",
        _ => {}
    });
    assert_eq!(meera.post(&page, &hers).await.0, StatusCode::SEE_OTHER);

    // Asha's page still shows ₹1,200 and on sale: her alias would undo both.
    let mut stale = create_fields();
    stale.retain(|(k, _)| *k != "opening_stock");
    stale.iter_mut().for_each(|f| match f.0 {
        "aliases" => f.1 = "kaju, cashew katli, kaju barfi",
        "sku" => f.1 = "kaju-katli",
        _ => {}
    });
    stale.push(("seen", seen.as_str()));
    asha.get(&page).await;
    let (status, body, _) = asha.post(&page, &stale).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body.contains("Someone saved this product after this page was opened"),
        "{body}"
    );
    assert!(
        body.contains(r#"name="price" value="1400""#),
        "shown as it is now: {body}"
    );
    let p = product(&app.db, &shop, "kaju-katli");
    assert_eq!(
        (p.price.minor(), p.active),
        (140_000, false),
        "nothing undone"
    );
}
