//! The one pricing rule, through `service::price_lines` and `service::quote`: a variant with
//! its own price is sold at that price however the line asks for it, and pickup pays no fee.

use super::service::{self, Quote};
use super::tests::product;
use super::{Channel, Fulfilment, LineRequest, NewOrder, PaymentMode};
use crate::accounts::businesses::{self, Business};
use crate::catalog::products::VariantInput;
use crate::db::Db;
use crate::domain::{Money, Phone, Unit};
use crate::error::AppError;

fn pack(label: &str, amount: u32, price: Option<i64>) -> VariantInput {
    VariantInput {
        label: label.into(),
        amount,
        price: price.map(Money::from_minor),
    }
}

/// A shop charging ₹40 for delivery, with gulab jamun at ₹20 a piece, sold single (no own
/// price) or in a box of 12 at ₹420; and laddoo at ₹20 a piece in an unpriced tray of 24 and
/// boxes of 6 (₹110) and 12 (₹210).
fn shop() -> (tempfile::TempDir, Db, Business) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let b = crate::accounts::create_business(&db, "Shop", "shop").unwrap();
    db.with_tx(|tx| {
        Ok::<_, AppError>(tx.execute("UPDATE businesses SET delivery_fee_minor = 4000", [])?)
    })
    .unwrap();
    let b = db
        .with_conn(|c| businesses::by_id(c, b.id))
        .unwrap()
        .unwrap();
    let jamun = vec![pack("Single", 1, None), pack("Box of 12", 12, Some(42_000))];
    product(&db, &b, "gulab-jamun", Unit::Pc, 2000, jamun);
    let laddoo = vec![
        pack("Tray of 24", 24, None),
        pack("Box of 6", 6, Some(11_000)),
        pack("Box of 12", 12, Some(21_000)),
    ];
    product(&db, &b, "laddoo", Unit::Pc, 2000, laddoo);
    (dir, db, b)
}

fn qty(sku: &str, qty: u32) -> LineRequest {
    LineRequest::Qty {
        sku: sku.into(),
        qty,
    }
}

/// An order for Asha of `lines`, taken by hand for delivery, cash.
fn by_hand(lines: Vec<LineRequest>) -> NewOrder {
    NewOrder {
        channel: Channel::Manual,
        customer_phone: Phone::parse("98123 45678", "91").unwrap(),
        customer_name: "Asha".into(),
        lines,
        address: "12 MG Road".into(),
        notes: String::new(),
        payment_mode: PaymentMode::Cash,
        fulfilment: Fulfilment::Delivery,
        deliver_on: None,
        actor: "ravi".into(),
    }
}

/// The one line `req` comes to: its variant and count, amount, unit price and total.
fn priced(db: &Db, b: &Business, req: LineRequest) -> (Option<String>, Option<u32>, u32, i64, i64) {
    let lines = db
        .with_conn(|c| Ok::<_, AppError>(service::price_lines(c, b.id, &[req])))
        .unwrap()
        .unwrap();
    let l = &lines[0];
    (
        l.variant.clone(),
        l.variant_count,
        l.qty,
        l.unit_price.minor(),
        l.total.minor(),
    )
}

#[test]
fn two_boxes_asked_for_as_pieces_cost_two_boxes() {
    let (_dir, db, b) = shop();
    let boxes = (Some("Box of 12".to_owned()), Some(2), 24, 42_000, 84_000);
    assert_eq!(
        priced(&db, &b, qty("gulab-jamun", 24)),
        boxes,
        "not 24 × ₹20"
    );
    let by_name = LineRequest::Variant {
        sku: "gulab-jamun".into(),
        variant: "Box of 12".into(),
        count: 2,
    };
    assert_eq!(priced(&db, &b, by_name), boxes, "the same as asked by name");
}

#[test]
fn a_quantity_that_is_no_whole_number_of_boxes_is_priced_per_piece() {
    let (_dir, db, b) = shop();
    assert_eq!(
        priced(&db, &b, qty("gulab-jamun", 13)),
        (None, None, 13, 2000, 26_000)
    );
    assert_eq!(
        priced(&db, &b, qty("gulab-jamun", 1)),
        (None, None, 1, 2000, 2000),
        "a variant without its own price does not turn a line into it"
    );
}

#[test]
fn the_largest_own_priced_variant_is_used() {
    let (_dir, db, b) = shop();
    let twelve = (Some("Box of 12".to_owned()), Some(4), 48, 21_000, 84_000);
    assert_eq!(
        priced(&db, &b, qty("laddoo", 48)),
        twelve,
        "4 boxes of 12, not 8 of 6, nor 2 unpriced trays of 24"
    );
    let six = (Some("Box of 6".to_owned()), Some(3), 18, 11_000, 33_000);
    assert_eq!(priced(&db, &b, qty("laddoo", 18)), six);
}

#[test]
fn pickup_pays_no_delivery_fee_and_the_quote_is_what_is_stored() {
    let (_dir, db, b) = shop();
    let lines = vec![qty("gulab-jamun", 24), qty("laddoo", 13)];
    let quote = |how| {
        db.with_conn(|c| Ok::<_, AppError>(service::quote(c, &b, &lines, how)))
            .unwrap()
            .unwrap()
    };
    let delivered: Quote = quote(Fulfilment::Delivery);
    assert_eq!(delivered.totals.delivery_fee.minor(), 4000);
    assert_eq!(delivered.totals.total.minor(), 84_000 + 26_000 + 4000);
    let picked_up = quote(Fulfilment::Pickup);
    assert_eq!(picked_up.totals.delivery_fee.minor(), 0);
    assert_eq!(picked_up.totals.total.minor(), 84_000 + 26_000);

    let req = NewOrder {
        channel: Channel::Manual,
        customer_phone: Phone::parse("98123 45678", "91").unwrap(),
        customer_name: "Asha".into(),
        lines: lines.clone(),
        address: String::new(),
        notes: String::new(),
        payment_mode: PaymentMode::Cash,
        fulfilment: Fulfilment::Pickup,
        deliver_on: None,
        actor: "ravi".into(),
    };
    let order = db.with_tx(|tx| service::create(tx, &b, &req)).unwrap();
    assert_eq!(order.lines, picked_up.lines);
    assert_eq!(order.subtotal, picked_up.totals.subtotal);
    assert_eq!(order.delivery_fee, picked_up.totals.delivery_fee);
    assert_eq!(order.total, picked_up.totals.total);
    assert_eq!(order.fulfilment, Fulfilment::Pickup);
}

#[test]
fn a_shelf_prices_as_the_catalog_does_reading_each_product_once() {
    let (_dir, db, b) = shop();
    let lines = vec![qty("gulab-jamun", 24), qty("laddoo", 13)];
    let how = Fulfilment::Delivery;
    db.with_tx(|tx| {
        let shelf = service::Shelf::default();
        let plain = service::quote(tx, &b, &lines, how).unwrap();
        let shelved = service::quote_on(tx, &b, &lines, how, &shelf).unwrap();
        assert_eq!(format!("{shelved:?}"), format!("{plain:?}"));
        // Read once, so a shelf must live no longer than the transaction it was filled in.
        tx.execute(
            "UPDATE products SET price_minor = 1 WHERE sku = 'laddoo'",
            [],
        )?;
        let again = service::quote_on(tx, &b, &lines, how, &shelf).unwrap();
        assert_eq!(format!("{again:?}"), format!("{plain:?}"));
        let fresh = service::Shelf::default();
        let now = service::quote_on(tx, &b, &lines, how, &fresh).unwrap();
        assert_eq!(now.totals.total.minor(), 84_000 + 13 + 4000);
        let unknown = [qty("no-such-sweet", 1)];
        let refused = service::quote_on(tx, &b, &unknown, how, &shelf).unwrap_err();
        let plainly = service::quote(tx, &b, &unknown, how).unwrap_err();
        assert_eq!(format!("{refused:?}"), format!("{plainly:?}"));
        Ok::<_, AppError>(())
    })
    .unwrap();
}

#[test]
fn a_shelf_lists_what_is_on_sale_as_the_catalog_does_reading_it_once() {
    let (_dir, db, b) = shop();
    db.with_tx(|tx| {
        let names = |all: &[crate::catalog::products::Product]| {
            all.iter().map(|p| p.name.clone()).collect::<Vec<_>>()
        };
        let listed = crate::catalog::products::on_sale(tx, b.id)?;
        let shelf = service::Shelf::default();
        let shelved = shelf.on_sale(tx, b.id)?;
        assert_eq!(format!("{:?}", &*shelved), format!("{listed:?}"));
        assert!(
            names(&shelved).contains(&"laddoo".to_owned()),
            "{:?}",
            names(&shelved)
        );
        tx.execute("UPDATE products SET active = 0 WHERE sku = 'laddoo'", [])?;
        // Read once: the same list within the transaction it was filled in.
        assert_eq!(names(&shelf.on_sale(tx, b.id)?), names(&listed));
        let now = service::Shelf::default().on_sale(tx, b.id)?;
        assert!(
            !names(&now).contains(&"laddoo".to_owned()),
            "{:?}",
            names(&now)
        );
        assert_eq!(now.len(), listed.len() - 1);
        Ok::<_, AppError>(())
    })
    .unwrap();
}

#[test]
fn a_shelf_reads_stock_again_once_any_stock_has_moved() {
    let (_dir, db, b) = shop();
    let create = |tx: &rusqlite::Connection, n: u32| {
        service::create(tx, &b, &by_hand(vec![qty("laddoo", n)])).map(|_| ())
    };
    db.with_tx(|tx| {
        let shelf = service::Shelf::default();
        let stock = |tx| shelf.stock(tx, b.id, "laddoo").unwrap().map(|(_, s)| s);
        let before = stock(tx).unwrap();
        // An order taken in the same transaction reserves stock: the next check sees it.
        create(tx, 3).unwrap();
        assert_eq!(stock(tx), Some(before - 3));
        // Held while nothing moves it: a figure written around the moves is not read again.
        tx.execute("UPDATE products SET stock = 1 WHERE sku = 'laddoo'", [])?;
        assert_eq!(stock(tx), Some(before - 3));
        create(tx, 1).unwrap();
        assert_eq!(stock(tx), Some(0));
        assert_eq!(
            shelf
                .stock(tx, b.id, "no-such-sweet")
                .unwrap()
                .map(|(_, s)| s),
            None
        );
        Ok::<_, AppError>(())
    })
    .unwrap();
}

#[test]
fn an_edit_reprices_only_the_lines_it_adds_or_changes() {
    let (_dir, db, b) = shop();
    let req = by_hand(vec![qty("gulab-jamun", 2), qty("laddoo", 3)]);
    db.with_tx(|tx| service::create(tx, &b, &req)).unwrap();
    // Both go up from ₹20 to ₹25 a piece after the order was taken.
    db.with_tx(|tx| Ok::<_, AppError>(tx.execute("UPDATE products SET price_minor = 2500", [])?))
        .unwrap();
    let edit = |lines: Vec<LineRequest>| {
        let from: Vec<Option<usize>> = (0..lines.len()).map(|_| None).collect();
        db.with_tx(|tx| service::edit_lines(tx, &b, 1, &lines, &from, "ravi"))
            .unwrap()
    };
    let prices = |o: &super::Order| -> Vec<(String, u32, i64)> {
        o.lines
            .iter()
            .map(|l| (l.sku.clone(), l.qty, l.total.minor()))
            .collect()
    };
    // Saved as it was (the form saves every line with an address fixed): nothing moves.
    let same = edit(vec![qty("gulab-jamun", 2), qty("laddoo", 3)]);
    assert_eq!(
        prices(&same),
        [("gulab-jamun".into(), 2, 4000), ("laddoo".into(), 3, 6000)]
    );
    assert_eq!(same.total.minor(), 4000 + 6000 + 4000);
    // One line changed and one added: those two at today's price, the other as taken.
    let changed = edit(vec![
        qty("laddoo", 3),
        qty("gulab-jamun", 4),
        qty("laddoo", 1),
    ]);
    assert_eq!(
        prices(&changed),
        [
            ("laddoo".into(), 3, 6000),
            ("gulab-jamun".into(), 4, 10_000),
            ("laddoo".into(), 1, 2500)
        ]
    );
    assert_eq!(changed.total.minor(), 6000 + 10_000 + 2500 + 4000);
}
