//! Orders as they leave Novi and come back from the database: the JSON and CSV integrations
//! read must keep their exact shape, and a stored number that does not parse is a server fault.

use super::export::{order_json, write_csv, OrderJson};
use super::model::Order;
use super::{service, store, Channel, Fulfilment, LineRequest, NewOrder, PaymentMode};
use crate::accounts::businesses::{self, Business};
use crate::catalog::products::{self, ProductInput, VariantInput};
use crate::catalog::stock::{self, Cause};
use crate::customers;
use crate::db::Db;
use crate::domain::{Money, Phone, Sku, Unit};
use crate::error::AppError;

/// A fixed moment (2024-01-02 03:04:05 UTC), so the output can be compared byte for byte.
const AT: i64 = 1_704_164_645;

/// A product with 10,000 g or pieces in stock; `price` in minor units.
pub(super) fn product(
    db: &Db,
    b: &Business,
    sku: &str,
    unit: Unit,
    price: i64,
    variants: Vec<VariantInput>,
) {
    let input = ProductInput {
        sku: Sku::parse(sku).unwrap(),
        name: sku.replace('-', " "),
        category: String::new(),
        unit,
        price: Money::from_minor(price),
        aliases: Vec::new(),
        active: true,
        low_stock: 0,
        variants,
    };
    db.with_tx(|tx| {
        let id = products::insert(tx, b.id, &input)?;
        let cause = Cause {
            reason: "opening stock",
            order_id: None,
            actor: "test",
        };
        stock::adjust(tx, b.id, id, 10_000, &cause).map(|_| ())
    })
    .unwrap();
}

/// A shop with a ₹40.50 delivery fee and one order: 250 g of a ₹1,200.50/kg sweet (rounded
/// half up to ₹300.13), two boxes of 12 samosas at ₹180 each, and 3 loose samosas at ₹15.
fn shop_with_order() -> (tempfile::TempDir, Db, Business, Order) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let b = crate::accounts::create_business(&db, "Shop", "shop").unwrap();
    db.with_tx(|tx| {
        Ok::<_, AppError>(tx.execute("UPDATE businesses SET delivery_fee_minor = 4050", [])?)
    })
    .unwrap();
    let b = db
        .with_conn(|c| businesses::by_id(c, b.id))
        .unwrap()
        .unwrap();
    product(&db, &b, "kaju-katli", Unit::Kg, 120_050, Vec::new());
    let boxed = VariantInput {
        label: "Box of 12".into(),
        amount: 12,
        price: Some(Money::from_minor(18_000)),
    };
    product(&db, &b, "samosa", Unit::Pc, 1500, vec![boxed]);
    let qty = |sku: &str, qty| LineRequest::Qty {
        sku: sku.into(),
        qty,
    };
    let boxes = LineRequest::Variant {
        sku: "samosa".into(),
        variant: "Box of 12".into(),
        count: 2,
    };
    let req = NewOrder {
        channel: Channel::Manual,
        customer_phone: Phone::parse("98123 45678", "91").unwrap(),
        customer_name: "=Asha".into(),
        lines: vec![qty("kaju-katli", 250), boxes, qty("samosa", 3)],
        address: "12 MG Road".into(),
        notes: String::new(),
        payment_mode: PaymentMode::Cash,
        fulfilment: Fulfilment::Delivery,
        deliver_on: chrono::NaiveDate::from_ymd_opt(2024, 1, 5),
        actor: "ravi".into(),
    };
    let mut order = db.with_tx(|tx| service::create(tx, &b, &req)).unwrap();
    order.created_at = AT;
    order.updated_at = AT;
    for e in &mut order.events {
        e.created_at = AT;
    }
    (dir, db, b, order)
}

#[test]
fn the_json_shape_is_unchanged() {
    let (_dir, _db, _b, order) = shop_with_order();
    let expected = r#"{"address":"12 MG Road","channel":"manual","created_at":"2024-01-02T03:04:05Z","currency":"INR","customer":{"name":"=Asha","phone":"919812345678"},"deliver_on":"2024-01-05","delivery_fee_minor":4050,"events":[{"actor":"ravi","at":"2024-01-02T03:04:05Z","from":null,"kind":"created","note":"via manual","to":"pending"}],"fulfilment":"delivery","lines":[{"name":"kaju katli","qty":250,"sku":"kaju-katli","total_minor":30013,"unit":"kg","unit_price_minor":120050,"variant":null,"variant_count":null},{"name":"samosa","qty":24,"sku":"samosa","total_minor":36000,"unit":"pc","unit_price_minor":18000,"variant":"Box of 12","variant_count":2},{"name":"samosa","qty":3,"sku":"samosa","total_minor":4500,"unit":"pc","unit_price_minor":1500,"variant":null,"variant_count":null}],"notes":"","number":1,"payment_mode":"cash","payment_status":"unpaid","status":"pending","subtotal_minor":70513,"total_minor":74563,"updated_at":"2024-01-02T03:04:05Z"}"#;
    assert_eq!(order_json(&order).to_string(), expected);
    // Written straight from the order, as the API's lists write it, the bytes are the same.
    assert_eq!(
        serde_json::to_string(&OrderJson::new(&order)).unwrap(),
        expected
    );
    let paid = serde_json::json!({"paid_minor": 100});
    let with = serde_json::to_string(&OrderJson::with_payment(&order, paid)).unwrap();
    let at = expected.find(r#","payment_mode""#).unwrap();
    let spliced = format!(
        r#"{},"payment":{{"paid_minor":100}}{}"#,
        &expected[..at],
        &expected[at..]
    );
    assert_eq!(with, spliced);
}

#[test]
fn the_csv_shape_is_unchanged() {
    let (_dir, _db, b, order) = shop_with_order();
    let mut out = Vec::new();
    write_csv(std::slice::from_ref(&order), &b, &mut out).unwrap();
    let expected = "\
order_number,created_at,status,channel,customer_name,customer_phone,address,notes,payment_mode,payment_status,delivery_fee,order_total,currency,sku,name,variant,qty,unit,unit_price,line_total,fulfilment,deliver_on
1,2024-01-02T08:34:05+05:30,pending,manual,'=Asha,919812345678,12 MG Road,,cash,unpaid,40.50,745.63,INR,kaju-katli,kaju katli,,250,g,1200.50,300.13,delivery,2024-01-05
1,2024-01-02T08:34:05+05:30,pending,manual,'=Asha,919812345678,12 MG Road,,cash,unpaid,40.50,745.63,INR,samosa,samosa,Box of 12,24,pc,180,360,delivery,2024-01-05
1,2024-01-02T08:34:05+05:30,pending,manual,'=Asha,919812345678,12 MG Road,,cash,unpaid,40.50,745.63,INR,samosa,samosa,,3,pc,15,45,delivery,2024-01-05
";
    assert_eq!(String::from_utf8(out).unwrap(), expected);
}

#[test]
fn a_stored_number_that_does_not_parse_is_a_server_fault() {
    let (_dir, db, b, order) = shop_with_order();
    db.with_tx(|tx| Ok::<_, AppError>(tx.execute("UPDATE customers SET phone = '98123-abc'", [])?))
        .unwrap();
    let read = db.with_conn(|c| store::by_number(c, b.id, order.number));
    assert!(matches!(read, Err(AppError::Internal(_))), "{read:?}");
    let customer = db.with_conn(|c| customers::by_id(c, b.id, order.customer.id));
    assert!(
        matches!(customer, Err(AppError::Internal(_))),
        "{customer:?}"
    );
}

#[test]
fn a_customer_reads_back_as_money_and_a_phone() {
    let (_dir, db, b, order) = shop_with_order();
    let c = db
        .with_conn(|c| customers::by_id(c, b.id, order.customer.id))
        .unwrap()
        .unwrap();
    assert_eq!(c.phone, order.customer.phone);
    assert_eq!(c.total_spent, Money::from_minor(74_563));
    assert_eq!(c.total_spent, order.total);
    // Serialised directly, a customer keeps the names and shapes it always had.
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["total_spent_minor"], 74_563);
    assert_eq!(json["phone"], "919812345678");
}

/// The conversation worker finds the orders a batch took or moved by their timeline entries
/// after a mark: each order once, in the order first touched, taken ones marked new.
#[test]
fn orders_moved_since_a_mark_are_found_once_each() {
    let (_dir, db, b, first) = shop_with_order();
    let mark = db.with_conn(store::last_event_id).unwrap();
    assert!(mark > 0);
    assert!(db
        .with_conn(|c| store::moved_since(c, mark))
        .unwrap()
        .is_empty());
    db.with_tx(|tx| {
        service::change_status(tx, &b, first.number, super::Status::Confirmed, "test")?;
        service::change_status(tx, &b, first.number, super::Status::Preparing, "test")?;
        Ok::<_, super::OrderError>(())
    })
    .unwrap();
    let moved = db.with_conn(|c| store::moved_since(c, mark)).unwrap();
    let changed = store::Moved {
        business_id: b.id,
        number: first.number,
        new: false,
    };
    assert_eq!(moved, vec![changed]);
    let all = db.with_conn(|c| store::moved_since(c, 0)).unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].new, "seen from before it was taken, it is new");
}

/// A page of orders reads its lines and timelines in one pass: each order gets exactly its own,
/// in order, as reading it alone does; the export's pass gives the same. A page that shows less
/// reads less.
#[test]
fn a_page_of_orders_reads_each_ones_own_lines_and_timeline() {
    let (_dir, db, b, first) = shop_with_order();
    let second = NewOrder {
        lines: vec![LineRequest::Qty {
            sku: "samosa".into(),
            qty: 7,
        }],
        customer_phone: Phone::parse("98123 00000", "91").unwrap(),
        ..new_order_like(&first)
    };
    db.with_tx(|tx| {
        service::create(tx, &b, &second)?;
        service::change_status(tx, &b, first.number, super::Status::Confirmed, "test")?;
        service::create(tx, &b, &new_order_like(&first))?;
        Ok::<_, super::OrderError>(())
    })
    .unwrap();
    let alone: Vec<serde_json::Value> = (1..=3)
        .map(|n| {
            let o = db.with_conn(|c| store::by_number(c, b.id, n)).unwrap();
            order_json(&o.unwrap())
        })
        .collect();
    let f = store::Filter::default();
    let (page, _) = db.with_conn(|c| store::list(c, b.id, &f, 1, 25)).unwrap();
    let mut listed: Vec<_> = page.iter().map(order_json).collect();
    listed.reverse();
    assert_eq!(listed, alone);
    assert_eq!(listed[0]["lines"].as_array().unwrap().len(), 3);
    assert_eq!(listed[0]["events"].as_array().unwrap().len(), 2);
    assert_eq!(listed[1]["lines"][0]["qty"], 7);
    let brief = |detail| {
        let (page, _) = db
            .with_conn(|c| store::list_with(c, b.id, &f, (1, 25), detail))
            .unwrap();
        let lines: Vec<usize> = page.iter().rev().map(|o| o.lines.len()).collect();
        let events: usize = page.iter().map(|o| o.events.len()).sum();
        (lines, events)
    };
    assert_eq!(brief(store::Detail::Lines), (vec![3, 1, 2], 0));
    assert_eq!(brief(store::Detail::Row), (vec![0, 0, 0], 0));
    let all = db.with_conn(|c| store::all(c, b.id, &f)).unwrap();
    let mut exported: Vec<_> = all.iter().map(order_json).collect();
    exported.reverse();
    assert_eq!(exported, alone);
}

/// A search whose matches are past the count's cap is still read by its customers when they are
/// few beside the book (their orders sorted cost less than walking the book to meet them), and by
/// walking the book when they are many of it; a customer's own orders come in order either way.
#[test]
fn a_search_reads_by_customer_while_its_matches_are_few_beside_the_book() {
    let (_dir, db, b, first) = shop_with_order();
    let other = NewOrder {
        customer_phone: Phone::parse("98123 00000", "91").unwrap(),
        customer_name: "Bina".into(),
        lines: vec![LineRequest::Qty {
            sku: "samosa".into(),
            qty: 1,
        }],
        ..new_order_like(&first)
    };
    db.with_tx(|tx| {
        for _ in 0..59 {
            service::create(tx, &b, &other)?;
        }
        Ok::<_, super::OrderError>(())
    })
    .unwrap();
    let reads_by_customer = |q: &str, customer_id, sort, wanted| {
        let f = store::Filter {
            q: q.into(),
            customer_id,
            sort,
            ..store::Filter::default()
        };
        db.with_conn(|c| {
            let found = (!q.is_empty()).then(|| {
                let ids = customers::found(c, b.id, q, 4).unwrap();
                crate::db::id_list(&ids)
            });
            store::by_customer_anyway(c, b.id, &f, found.as_deref(), wanted)
        })
        .unwrap()
    };
    let newest = super::Sort::Newest;
    // Asha's 1 order of 60: 1² < 25 × 60.
    assert!(reads_by_customer("Asha", None, newest, 25));
    // Both customers' numbers start 98123: all 60, and 60² > 25 × 60.
    assert!(!reads_by_customer("98123", None, newest, 25));
    // A deeper page wants more of the walk: 60² < 75 × 60.
    assert!(reads_by_customer("98123", None, newest, 75));
    let bina = db
        .with_conn(|c| customers::found(c, b.id, "Bina", 4))
        .unwrap()[0];
    // Bina's 59 of 60 in the customer index, newest first, are read in its order.
    assert!(reads_by_customer("", Some(bina), newest, 25));
    // By delivery day they are sorted, and 59² > 25 × 60.
    let by_day = super::Sort::DeliverOn;
    assert!(!reads_by_customer("", Some(bina), by_day, 25));
    assert!(!reads_by_customer("", None, newest, 25));
}

/// The estimate reads customers spread over the whole list a search found, not its first 64:
/// here those are 100 customers who never ordered, and the 28 after them ordered 560 times.
#[test]
fn a_broad_search_is_estimated_from_customers_across_its_list() {
    let (_dir, db, b, first) = shop_with_order();
    let phone = |i: u32| Phone::parse(&format!("97000 {i:05}"), "91").unwrap();
    db.with_tx(|tx| {
        for i in 0..100 {
            customers::upsert(tx, b.id, &phone(i), "Ravi")?;
        }
        for i in 100..128 {
            let regular = NewOrder {
                customer_phone: phone(i),
                customer_name: "Ravi".into(),
                lines: vec![LineRequest::Qty {
                    sku: "samosa".into(),
                    qty: 1,
                }],
                ..new_order_like(&first)
            };
            for _ in 0..20 {
                service::create(tx, &b, &regular)?;
            }
        }
        Ok::<_, AppError>(())
    })
    .unwrap();
    let by_customer = db
        .with_conn(|c| {
            let f = store::Filter {
                q: "Ravi".into(),
                ..store::Filter::default()
            };
            let found = crate::db::id_list(&customers::found(c, b.id, "Ravi", 4)?);
            store::by_customer_anyway(c, b.id, &f, Some(&found), 25)
        })
        .unwrap();
    // About 560 of 561 orders: 560² > 25 × 561, so the book is walked. The first 64 alone
    // would have said none.
    assert!(!by_customer);
}

/// The order `o` was taken from, asked for again.
fn new_order_like(o: &Order) -> NewOrder {
    NewOrder {
        channel: Channel::Manual,
        customer_phone: o.customer.phone.clone(),
        customer_name: o.customer.name.clone(),
        lines: vec![
            LineRequest::Qty {
                sku: "kaju-katli".into(),
                qty: 250,
            },
            LineRequest::Qty {
                sku: "samosa".into(),
                qty: 3,
            },
        ],
        address: o.address.clone(),
        notes: String::new(),
        payment_mode: PaymentMode::Cash,
        fulfilment: Fulfilment::Delivery,
        deliver_on: None,
        actor: "ravi".into(),
    }
}

/// A name search finds the same orders however they are read: the list by its customers
/// (driven by the customers found), and the export in one pass, with or without a customer
/// named too; a name nobody has finds none.
#[test]
fn a_name_search_lists_and_exports_the_same_orders() {
    let (_dir, db, b, first) = shop_with_order();
    let other = NewOrder {
        customer_phone: Phone::parse("98123 00000", "91").unwrap(),
        customer_name: "Bina".into(),
        ..new_order_like(&first)
    };
    db.with_tx(|tx| {
        for _ in 0..3 {
            service::create(tx, &b, &other)?;
        }
        Ok::<_, super::OrderError>(())
    })
    .unwrap();
    let bina = db
        .with_conn(|c| customers::found(c, b.id, "Bina", 4))
        .unwrap()[0];
    let numbers = |orders: Vec<Order>| -> Vec<i64> { orders.iter().map(|o| o.number).collect() };
    let both = |q: &str, customer_id| {
        let f = store::Filter {
            q: q.into(),
            customer_id,
            ..store::Filter::default()
        };
        let (page, total) = db.with_conn(|c| store::list(c, b.id, &f, 1, 25)).unwrap();
        let all = db.with_conn(|c| store::all(c, b.id, &f)).unwrap();
        (numbers(page), total.count, numbers(all))
    };
    assert_eq!(both("Bina", None), (vec![4, 3, 2], 3, vec![4, 3, 2]));
    assert_eq!(both("bin", Some(bina)), (vec![4, 3, 2], 3, vec![4, 3, 2]));
    assert_eq!(both("Asha", Some(bina)), (vec![], 0, vec![]));
    assert_eq!(both("Nobody", None), (vec![], 0, vec![]));
}
