//! Staff correcting a line read from a message: the customer's words stay with the line, and
//! the product it now is learns them (`catalog::suggestions`), so the shop can make them an
//! alias. A line moved on from a product staff had picked takes that product's count back.

use rusqlite::Connection;

use super::model::{Line, Order, Said};
use crate::catalog::suggestions;
use crate::error::AppResult;

/// The words each new line keeps: those of the order line it edits (`from`), each old line's
/// words going to the first request that names it, so a repeated position counts once.
pub fn carry(order: &Order, from: &[Option<usize>], count: usize) -> Vec<Option<Said>> {
    let mut taken = vec![false; order.lines.len()];
    (0..count)
        .map(|i| {
            let j = from.get(i).copied().flatten()?;
            let slot = taken.get_mut(j)?;
            if std::mem::replace(slot, true) {
                return None;
            }
            order.lines[j].said.clone()
        })
        .collect()
}

/// Learns from each line whose product staff changed: its words count for the new product,
/// unless that is what the reader read them as, and a product staff had picked before (not
/// the one read) has its count taken back.
pub fn moved(
    conn: &Connection,
    business_id: i64,
    before: &Order,
    after: &[Line],
    from: &[Option<usize>],
) -> AppResult<()> {
    for (line, j) in after.iter().zip(from) {
        let (Some(said), Some(old)) = (&line.said, j.and_then(|j| before.lines.get(j))) else {
            continue;
        };
        if old.product_id == line.product_id {
            continue;
        }
        let read_as = said.read_as.as_deref();
        if read_as != Some(line.sku.as_str()) {
            suggestions::record(conn, business_id, line.product_id, &said.words)?;
        }
        if read_as != Some(old.sku.as_str()) {
            suggestions::unrecord(conn, business_id, old.product_id, &said.words)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::service::{create, edit_lines};
    use super::super::tests::product;
    use super::super::{store, Channel, Fulfilment, LineRequest, NewOrder, PaymentMode};
    use crate::accounts::businesses::Business;
    use crate::catalog::{products, suggestions};
    use crate::db::Db;
    use crate::domain::{Phone, Unit};
    use crate::error::AppError;

    /// A shop with three products sold by weight, and order #1 for 2 kg of mawa barfi read
    /// from the customer's words "kaju barfi".
    fn shop() -> (tempfile::TempDir, Db, Business) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let b = crate::accounts::create_business(&db, "Shop", "shop").unwrap();
        for sku in ["mawa-barfi", "kaju-katli", "jalebi"] {
            product(&db, &b, sku, Unit::Kg, 60_000, Vec::new());
        }
        let req = NewOrder {
            channel: Channel::Whatsapp,
            customer_phone: Phone::from_digits("919812345678").unwrap(),
            customer_name: String::new(),
            lines: vec![qty("mawa-barfi")],
            address: "12 MG Road".into(),
            notes: String::new(),
            payment_mode: PaymentMode::Cash,
            fulfilment: Fulfilment::Delivery,
            deliver_on: None,
            actor: "customer".into(),
        };
        db.with_tx(|tx| {
            let o = create(tx, &b, &req).map_err(AppError::from)?;
            let said = [("mawa-barfi".to_owned(), "kaju barfi".to_owned())];
            store::keep_said(tx, o.id, &said)
        })
        .unwrap();
        (dir, db, b)
    }

    fn qty(sku: &str) -> LineRequest {
        LineRequest::Qty {
            sku: sku.into(),
            qty: 2000,
        }
    }

    /// Staff make line 1 of order #1 `sku` (the row edits line 1 when `edits`).
    fn make(db: &Db, b: &Business, sku: &str, edits: bool) {
        let from = [edits.then_some(0)];
        db.with_tx(|tx| edit_lines(tx, b, 1, &[qty(sku)], &from, "staff").map_err(AppError::from))
            .unwrap();
    }

    fn suggested(db: &Db, b: &Business) -> Vec<(String, String, i64)> {
        let list = db.with_conn(|c| suggestions::list(c, b.id)).unwrap();
        list.into_iter()
            .map(|s| (s.sku, s.words, s.count))
            .collect()
    }

    #[test]
    fn a_changed_product_learns_the_words_and_a_wrong_pick_gives_them_back() {
        let (_dir, db, b) = shop();
        make(&db, &b, "jalebi", true);
        assert_eq!(
            suggested(&db, &b),
            [("jalebi".into(), "kaju barfi".into(), 1)]
        );
        make(&db, &b, "kaju-katli", true);
        assert_eq!(
            suggested(&db, &b),
            [("kaju-katli".into(), "kaju barfi".into(), 1)]
        );
        make(&db, &b, "mawa-barfi", true);
        assert!(suggested(&db, &b).is_empty(), "back to what was read");
        let o = db
            .with_conn(|c| store::by_number(c, b.id, 1))
            .unwrap()
            .unwrap();
        let said = o.lines[0].said.as_ref().map(|s| s.words.as_str());
        assert_eq!(said, Some("kaju barfi"), "the words stay with the line");
    }

    #[test]
    fn a_new_line_carries_no_words_and_a_name_is_never_suggested() {
        let (_dir, db, b) = shop();
        make(&db, &b, "kaju-katli", false);
        assert!(
            suggested(&db, &b).is_empty(),
            "a row added by hand said nothing"
        );
        let (_dir, db, b) = shop();
        let kaju = db
            .with_conn(|c| products::by_sku(c, b.id, "kaju-katli"))
            .unwrap()
            .unwrap();
        db.with_tx(|tx| suggestions::record(tx, b.id, kaju.id, "Kaju  Katli"))
            .unwrap();
        db.with_tx(|tx| suggestions::record(tx, b.id, kaju.id, "jalebi"))
            .unwrap();
        assert!(suggested(&db, &b).is_empty(), "its own name, or another's");
    }
}
