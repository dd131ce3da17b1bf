//! The storefront of a large shop (1,000 products made by `novi demo fill`) served by a real
//! `novi serve` process: the shop's page stays light, every product is reachable through the
//! category pages and their previous/next links, unknown pages are the storefront's 404, adding
//! from a category page returns there (and `back` names nothing outside the shop), and the
//! cached pages are renewed when stock changes.

use std::collections::{BTreeMap, BTreeSet};

use novi::catalog::stock::{self, Cause};
use novi::db::Db;
use reqwest::StatusCode;
use tempfile::TempDir;

use crate::storefront::cart_token;
use crate::support::process::{install_with_business, ok, Server};
use crate::support::Browser;

/// The shop's page of a 1,000-product shop is to stay under this (it was 640 KB on one page).
const LANDING_MAX: usize = 50 * 1024;

/// A shop `big` with 1,000 products in seven categories, as the benchmark makes it.
fn big_shop() -> TempDir {
    let dir = install_with_business("big");
    let fill = ["demo", "fill", "--business", "big", "--products", "1000"];
    ok(dir.path(), &fill, "");
    dir
}

fn serve(dir: &TempDir) -> (Server, Browser) {
    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    let browser = Browser::new(server.base.clone());
    (server, browser)
}

/// Each `attr="…"` value in `html` that starts with `prefix`, in order.
fn values(html: &str, attr: &str, prefix: &str) -> Vec<String> {
    let open = format!("{attr}=\"{prefix}");
    html.match_indices(&open)
        .map(|(at, _)| {
            let from = at + attr.len() + 2;
            let end = html[from..].find('"').expect("closing quote");
            html[from..from + end].replace("&amp;", "&")
        })
        .collect()
}

/// The category bar's links.
fn category_links(html: &str) -> Vec<String> {
    let start = html
        .find("<nav class=\"store-cats\"")
        .expect("a category bar");
    let nav = &html[start..start + html[start..].find("</nav>").unwrap()];
    values(nav, "href", "/s/")
}

/// The product ids of the cards on a page.
fn cards(html: &str) -> Vec<i64> {
    values(html, "class=\"store-card\" id", "p")
        .iter()
        .map(|id| id[1..].parse().expect("a product id"))
        .collect()
}

fn next_link(html: &str) -> Option<String> {
    let at = html.find("rel=\"next\" href=\"")? + "rel=\"next\" href=\"".len();
    Some(html[at..at + html[at..].find('"')?].replace("&amp;", "&"))
}

/// Every product on sale: id → (category, stock).
fn on_sale(db: &Db, code: &str) -> BTreeMap<i64, (String, i64)> {
    db.with_conn(|c| {
        let mut stmt = c.prepare(
            "SELECT p.id, p.category, p.stock FROM products p JOIN businesses b
             ON b.id = p.business_id WHERE b.short_code = ?1 AND p.active = 1",
        )?;
        let rows = stmt.query_map([code], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_shop_is_browsed_by_category_pages_and_every_product_is_reachable() {
    let dir = big_shop();
    let (server, mut b) = serve(&dir);
    let (status, landing) = b.get("/s/big").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        landing.len() < LANDING_MAX,
        "the shop's page is {} bytes",
        landing.len()
    );
    let links = category_links(&landing);
    assert_eq!(links.len(), 7, "{links:?}");
    assert!(links.contains(&"/s/big/c/bengali-sweets".to_owned()));
    assert!(
        landing.contains("See all "),
        "links to all of each category"
    );

    let products = on_sale(&Db::open(dir.path()).unwrap(), "big");
    let mut seen = BTreeSet::new();
    for link in &links {
        let (mut pages, mut next, mut in_category) = (0, Some(link.clone()), BTreeSet::new());
        while let Some(path) = next {
            let (status, page) = b.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            pages += 1;
            let ids = cards(&page);
            assert!(
                !ids.is_empty() && ids.len() <= 24,
                "{path}: {} cards",
                ids.len()
            );
            for id in &ids {
                assert!(in_category.insert(*id), "{id} twice in {link}");
            }
            assert!(page.contains("Back to the shop"), "{path}");
            assert_eq!(pages > 1, page.contains("rel=\"prev\""), "{path}");
            next = next_link(&page);
            assert!(pages < 100, "{link} never ends");
        }
        let category = &products[in_category.first().unwrap()].0;
        let want: BTreeSet<i64> = products
            .iter()
            .filter(|(_, (c, _))| c == category)
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(in_category, want, "{link} holds all of {category}");
        let see_all = format!("See all {} in {category}", want.len());
        assert!(landing.contains(&see_all), "{see_all}");
        assert_eq!(pages, want.len().div_ceil(24), "{link}");
        seen.extend(in_category);
    }
    assert_eq!(seen.len(), 1000, "every product is on a category page");

    // Pages past either end, pages that are not numbers and slugs no category has: the
    // storefront's own 404, with the way back to the shop.
    for path in [
        "/s/big/c/sweets?page=0",
        "/s/big/c/sweets?page=99",
        "/s/big/c/sweets?page=two",
        "/s/big/c/sweets?page=-1",
        "/s/big/c/no-such-thing",
        "/s/big/c/Sweets",
    ] {
        let (status, page) = b.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.contains("Page not found") && page.contains("href=\"/s/big\""),
            "{path}: {page}"
        );
    }
    assert_eq!(b.get("/s/nope/c/sweets").await.0, StatusCode::NOT_FOUND);
    let (_, second) = b.get("/s/big/c/sweets?page=2").await;
    assert!(second.contains("page 2 of "), "{second}");
    assert!(
        second.contains("rel=\"prev\" href=\"/s/big/c/sweets\""),
        "page 1 has no number in its link"
    );
    assert!(server.terminate().success());
}

/// Posts the add-to-cart form of product `id` as a card's would, with `back` as given.
async fn add(
    b: &mut Browser,
    token: &str,
    back: &str,
    id: i64,
    count: &str,
) -> (StatusCode, String, Option<String>) {
    let id = id.to_string();
    let form = [
        ("_cart", token),
        ("back", back),
        ("product", &id),
        ("variant", "0"),
        ("count", count),
    ];
    b.post_raw("/s/big/cart", &form).await
}

fn lines_in_cart(cart: &str) -> usize {
    cart.matches("class=\"store-line\"").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_from_a_category_page_returns_to_it_and_pages_follow_stock() {
    let dir = big_shop();
    let (server, mut b) = serve(&dir);
    let db = Db::open(dir.path()).unwrap();
    let products = on_sale(&db, "big");
    let back = "/s/big/c/sweets?page=2";
    let (status, page) = b.get(back).await;
    assert_eq!(status, StatusCode::OK);
    let token = cart_token(&page);
    assert!(
        page.contains(&format!(
            "name=\"back\" value=\"{}\"",
            back.replace('&', "&amp;")
        )),
        "each card's form names its page"
    );
    let id = *cards(&page)
        .iter()
        .find(|id| products[*id].1 > 0)
        .expect("one in stock");

    let (status, _, to) = add(&mut b, &token, back, id, "1").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = to.expect("a redirect");
    assert_eq!(to, format!("{back}&added={id}#p{id}"));
    let (status, page) = b.get(to.split('#').next().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("to your cart.") && page.contains("page 2 of "),
        "{page}"
    );

    // More than is left (sweets are sold by the kilo, at most 20 kg in stock): refused on the
    // same page, saying why, and nothing added.
    let (status, page, _) = add(&mut b, &token, back, id, "99").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("is left") && page.contains("page 2 of "),
        "{page}"
    );

    // A `back` that is not a page of this shop is refused and changes nothing.
    for outside in [
        "https://evil.example/s/big",
        "//evil.example/s/big",
        "/s/other/c/sweets",
        "/s/big/../../login",
        "/b/big/orders",
    ] {
        let (status, _, to) = add(&mut b, &token, outside, id, "1").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{outside}");
        assert!(to.is_none(), "{outside}: sent to {to:?}");
    }
    let (_, cart) = b.get("/s/big/cart").await;
    assert_eq!(lines_in_cart(&cart), 1, "{cart}");
    assert!(
        cart.contains("name=\"count\" value=\"1\""),
        "still one of it: {cart}"
    );

    // The page comes from the cache while the catalog version stands still: a price changed
    // behind Novi's back (the version put back) is not seen. (A price, not a name: the page is
    // in name order, so a new name could move the card to another page.)
    let version = |db: &Db| {
        db.with_conn(|c| {
            Ok(c.query_row(
                "SELECT catalog_version FROM businesses WHERE short_code = 'big'",
                [],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .unwrap()
    };
    let v = version(&db);
    db.with_conn(|c| {
        c.execute(
            "UPDATE products SET price_minor = 987654 WHERE id = ?1",
            [id],
        )?;
        c.execute(
            "UPDATE businesses SET catalog_version = ?1 WHERE short_code = 'big'",
            [v],
        )?;
        Ok(())
    })
    .unwrap();
    let (_, page) = b.get(back).await;
    assert!(!page.contains("9,876.54"), "served from the cache");

    // Selling the rest moves the version; the page shows it sold out (and the new price).
    let business = products_business(&db);
    let cause = Cause {
        reason: "sold at the counter",
        order_id: None,
        actor: "test",
    };
    db.with_tx(|tx| stock::adjust(tx, business, id, -products[&id].1, &cause))
        .unwrap();
    assert!(version(&db) > v);
    let (_, page) = b.get(back).await;
    let card = &page[page.find(&format!("id=\"p{id}\"")).unwrap()..];
    let card = &card[..card.find("</article>").unwrap()];
    assert!(
        card.contains("9,876.54") && card.contains("Sold out"),
        "{card}"
    );
    assert!(server.terminate().success());
}

fn products_business(db: &Db) -> i64 {
    db.with_conn(|c| {
        Ok(c.query_row(
            "SELECT id FROM businesses WHERE short_code = 'big'",
            [],
            |r| r.get(0),
        )?)
    })
    .unwrap()
}
