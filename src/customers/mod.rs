//! Customers, keyed per business by their WhatsApp number (digits with country code), with
//! the addresses they have used and what they have ordered.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::db::now;
use crate::domain::{Money, Phone};
use crate::error::AppResult;

#[cfg(test)]
pub(crate) mod figures_tests;
mod names;

pub use names::stamp;

#[derive(Debug, Clone, Serialize)]
pub struct Customer {
    pub id: i64,
    pub phone: Phone,
    pub name: String,
    pub notes: String,
    pub addresses: Vec<String>,
    /// Orders not cancelled, and what they came to.
    pub order_count: i64,
    /// Named for the column it comes from, so anything serialising a customer keeps its shape.
    #[serde(rename = "total_spent_minor")]
    pub total_spent: Money,
    pub last_order_at: Option<i64>,
    pub created_at: i64,
}

// The three figures are kept per customer by triggers on `orders` (migration V23): summing
// a regular's thousands of orders for every view of them cost milliseconds. The cast keeps a
// sum that outgrew an integer (SQLite then adds in floating point) readable.
const SELECT: &str = "SELECT c.id, c.phone, c.name, c.notes, c.created_at,
        COALESCE(f.orders, 0), CAST(COALESCE(f.spent_minor, 0) AS INTEGER), f.last_order_at
    FROM customers c LEFT JOIN customer_figures f ON f.customer_id = c.id";

/// Reads a stored number. Only `Phone::as_str` is ever written, so one that does not parse is
/// a fault on our side: it is reported as a conversion error (a server error), not a panic.
pub fn phone_at(row: &Row, i: usize) -> rusqlite::Result<Phone> {
    let text: String = row.get(i)?;
    Phone::from_digits(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn from_row(row: &Row) -> rusqlite::Result<Customer> {
    Ok(Customer {
        id: row.get(0)?,
        phone: phone_at(row, 1)?,
        name: row.get(2)?,
        notes: row.get(3)?,
        created_at: row.get(4)?,
        order_count: row.get(5)?,
        total_spent: Money::from_minor(row.get(6)?),
        last_order_at: row.get(7)?,
        addresses: Vec::new(),
    })
}

/// One customer's addresses, newest first, by the customer's key alone: through
/// [`fill_addresses`], a customer's page took a tenth longer.
fn with_addresses(conn: &Connection, mut c: Customer) -> AppResult<Customer> {
    let mut stmt = conn.prepare_cached(
        "SELECT address FROM customer_addresses WHERE customer_id = ?1
         ORDER BY last_used_at DESC, id DESC",
    )?;
    c.addresses = stmt
        .query_map([c.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(c)
}

/// Reads the addresses of a page of customers, each newest first, in one statement: one per
/// customer was a fifth of a customer search's time.
fn fill_addresses(conn: &Connection, page: &mut [Customer]) -> AppResult<()> {
    let at: HashMap<i64, usize> = page.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let ids = crate::db::id_list(&page.iter().map(|c| c.id).collect::<Vec<_>>());
    let mut stmt = conn.prepare_cached(
        "SELECT customer_id, address FROM customer_addresses
         WHERE customer_id IN (SELECT value FROM json_each(?1))
         ORDER BY customer_id, last_used_at DESC, id DESC",
    )?;
    let mut rows = stmt.query([ids])?;
    while let Some(r) = rows.next()? {
        if let Some(&i) = at.get(&r.get(0)?) {
            page[i].addresses.push(r.get(1)?);
        }
    }
    Ok(())
}

/// How finely a customer's last activity (`updated_at`, the customer list's order) is kept.
const ACTIVE_TO_SECONDS: i64 = 60;

/// How many times this process has begun to add or rename a customer. A copy of names taken
/// inside a write transaction holds while this is unchanged and the shop's [`stamp`] is the one
/// it was taken under: the stamp catches every other writer, between transactions.
static NAMINGS: AtomicU64 = AtomicU64::new(0);

/// The count of customers added or renamed so far (see [`NAMINGS`]).
pub fn namings() -> u64 {
    NAMINGS.load(Ordering::Acquire)
}

fn naming() {
    NAMINGS.fetch_add(1, Ordering::AcqRel);
}

/// Finds the customer with this number, creating them if new; a non-empty `name` replaces the
/// one on file (people fix their names) unless staff set that one by hand. Returns the
/// customer's id.
pub fn upsert(conn: &Connection, business_id: i64, phone: &Phone, name: &str) -> AppResult<i64> {
    let t = now();
    let name = name.trim();
    // Every webhook runs this inside the writer's batch, and most come from someone on file
    // under the same name who wrote a moment ago: then one read is all it costs. Last activity
    // kept to the minute spares moving the customer in the list's index on every message.
    let found: Option<(i64, String, i64, bool)> = conn
        .prepare_cached(
            "SELECT id, name, updated_at, name_by_staff FROM customers
             WHERE business_id = ?1 AND phone = ?2",
        )?
        .query_row(params![business_id, phone.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((id, on_file, active_at, by_staff)) = found else {
        naming();
        let id = conn
            .prepare_cached(
                "INSERT INTO customers (business_id, phone, name, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)
                 ON CONFLICT (business_id, phone) DO UPDATE SET updated_at = excluded.updated_at
                 RETURNING id",
            )?
            .query_row(params![business_id, phone.as_str(), name, t], |r| r.get(0))?;
        return Ok(id);
    };
    if !name.is_empty() && name != on_file && !by_staff {
        naming();
        conn.prepare_cached("UPDATE customers SET name = ?2 WHERE id = ?1")?
            .execute(params![id, name])?;
    }
    if t - active_at >= ACTIVE_TO_SECONDS {
        conn.prepare_cached("UPDATE customers SET updated_at = ?2 WHERE id = ?1")?
            .execute(params![id, t])?;
    }
    Ok(id)
}

/// Saves an address the customer used, most recent first.
pub fn remember_address(
    conn: &Connection,
    business_id: i64,
    customer_id: i64,
    address: &str,
) -> AppResult<()> {
    remember_address_at(conn, business_id, customer_id, address, now())
}

/// Saves an address the customer last used at `at` (Unix seconds).
pub fn remember_address_at(
    conn: &Connection,
    business_id: i64,
    customer_id: i64,
    address: &str,
    at: i64,
) -> AppResult<()> {
    let address = address.trim();
    if address.is_empty() {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO customer_addresses (business_id, customer_id, address, last_used_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (customer_id, address) DO UPDATE SET last_used_at = excluded.last_used_at",
    )?
    .execute(params![business_id, customer_id, address, at])?;
    Ok(())
}

/// Dates a customer as filed at `created_at` and last active at `updated_at`: for a book
/// filled with past orders, where they first ordered and last did.
pub fn backdate(conn: &Connection, id: i64, created_at: i64, updated_at: i64) -> AppResult<()> {
    conn.prepare_cached("UPDATE customers SET created_at = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, created_at, updated_at])?;
    Ok(())
}

pub fn by_id(conn: &Connection, business_id: i64, id: i64) -> AppResult<Option<Customer>> {
    let sql = format!("{SELECT} WHERE c.business_id = ?1 AND c.id = ?2");
    let found = conn
        .prepare_cached(&sql)?
        .query_row(params![business_id, id], from_row)
        .optional()?;
    found.map(|c| with_addresses(conn, c)).transpose()
}

/// The id of the customer with this number, from the business's unique number index alone:
/// for a filter that needs no more of them than that.
pub fn id_by_phone(conn: &Connection, business_id: i64, phone: &Phone) -> AppResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM customers WHERE business_id = ?1 AND phone = ?2")?
        .query_row(params![business_id, phone.as_str()], |r| r.get(0))
        .optional()?)
}

pub fn by_phone(conn: &Connection, business_id: i64, phone: &Phone) -> AppResult<Option<Customer>> {
    let sql = format!("{SELECT} WHERE c.business_id = ?1 AND c.phone = ?2");
    let found = conn
        .prepare_cached(&sql)?
        .query_row(params![business_id, phone.as_str()], from_row)
        .optional()?;
    found.map(|c| with_addresses(conn, c)).transpose()
}

/// The name on file for number `phone` (digits), without the figures and addresses
/// [`by_phone`] reads: what a reply's greeting needs, for every reply sent.
pub fn name_by_phone(
    conn: &Connection,
    business_id: i64,
    phone: &str,
) -> AppResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT name FROM customers WHERE business_id = ?1 AND phone = ?2")?
        .query_row(params![business_id, phone], |r| r.get(0))
        .optional()?)
}

/// One page of customers matching `q` (name or number), most recently active first; and how
/// many match in all.
pub fn list(
    conn: &Connection,
    business_id: i64,
    q: &str,
    page: i64,
    per_page: i64,
) -> AppResult<(Vec<Customer>, i64)> {
    let (mut filter, mut args) = search(business_id, q, 1);
    let mut from = "customers c";
    let offset = (page.max(1) - 1).saturating_mul(per_page);
    let total = if q.trim().is_empty() {
        count(conn, business_id)?
    } else {
        // A search reads every name once, and keeps whom it found: few are then read by id
        // and sorted, where walking the list in order read every customer's row to find
        // them (all 21,000 for a name only 18 have). Many are met soon enough in order.
        let found = found(conn, business_id, q, 1)?;
        if found.len() <= FEW {
            from = FOUND;
            filter = "1";
            args = vec![Value::Text(crate::db::id_list(&found))];
        }
        i64::try_from(found.len()).unwrap_or(i64::MAX)
    };
    let sql = page_sql(from, filter, args.len());
    args.extend([Value::Integer(per_page), Value::Integer(offset)]);
    let mut rows: Vec<Customer> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(&args), from_row)?
        .collect::<Result<_, _>>()?;
    fill_addresses(conn, &mut rows)?;
    Ok((rows, total))
}

/// How many customers the business has: kept by triggers (migration V22), where counting read
/// every customer's entry in an index for each page of the list (21,000 here).
fn count(conn: &Connection, business_id: i64) -> AppResult<i64> {
    let kept = conn
        .prepare_cached("SELECT customers FROM customer_search_stamps WHERE business_id = ?1")?
        .query_row([business_id], |r| r.get(0))
        .optional()?;
    // A business gets its row with its first customer.
    Ok(kept.unwrap_or(0))
}

/// How many customers a search may find and still be read by id and sorted for a page.
const FEW: usize = 1_000;

/// The customers a search found (a list of distinct ids, `?1`), each read by id, the list
/// driving the reading. As `c.id IN (the list)`, SQLite first copied it into a temporary index
/// in every statement: 257 µs for a page of a name 692 customers have, 177 µs this way.
const FOUND: &str = "json_each(?1) j CROSS JOIN customers c ON c.id = j.value";

/// A page of the list: `filter` over `from` (naming the customers `c`) with `n` parameters, then
/// the page size and offset. The page's ids are found and sorted first, and only its own rows
/// read in full: sorting whole rows read every found customer's figures before keeping 25.
fn page_sql(from: &str, filter: &str, n: usize) -> String {
    format!(
        "{SELECT} WHERE c.id IN (SELECT c.id FROM {from} WHERE {filter}
             ORDER BY c.updated_at DESC, c.id DESC LIMIT ?{} OFFSET ?{})
         ORDER BY c.updated_at DESC, c.id DESC",
        n + 1,
        n + 2
    )
}

/// The customer list's condition for `q` and its parameters: a name containing the text, or a
/// number containing its digits. Only the branches the text can match are written, so a name
/// alone is counted from the name index without reading a customer's row (3.5 ms instead of
/// 9.9 ms over 21,000 customers).
fn search(business_id: i64, q: &str, min_digits: usize) -> (&'static str, Vec<Value>) {
    let q = q.trim();
    let mut args = vec![Value::Integer(business_id)];
    if q.is_empty() {
        return ("c.business_id = ?1", args);
    }
    args.push(crate::db::like_containing(q).into());
    let Some(digits) = digits_of(q, min_digits) else {
        return ("c.business_id = ?1 AND c.name LIKE ?2 ESCAPE '\\'", args);
    };
    args.push(format!("%{digits}%").into());
    (
        "c.business_id = ?1 AND (c.name LIKE ?2 ESCAPE '\\' OR c.phone LIKE ?3)",
        args,
    )
}

/// The digits of `q` a number is searched for: none when it has fewer than `min_digits`.
fn digits_of(q: &str, min_digits: usize) -> Option<String> {
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty() && digits.len() >= min_digits).then_some(digits)
}

/// The ids of the customers a search finds: a name containing `q`, or a number containing its
/// digits when it has `min_digits` of them or more. One pass over the shop's names, held in
/// memory while none of them changes (see [`names`]), else over their index.
pub fn found(
    conn: &Connection,
    business_id: i64,
    q: &str,
    min_digits: usize,
) -> AppResult<Vec<i64>> {
    let text = q.trim();
    if !text.is_empty() {
        let digits = digits_of(text, min_digits);
        if let Some(ids) = names::found(conn, business_id, text, digits.as_deref())? {
            return Ok(ids);
        }
    }
    let (filter, args) = search(business_id, q, min_digits);
    let ids = conn
        .prepare_cached(&format!("SELECT c.id FROM customers c WHERE {filter}"))?
        .query_map(params_from_iter(&args), |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Sets the name and notes staff keep on a customer. A name they change is theirs from then on
/// (`upsert` keeps it); one they clear is filled from WhatsApp or the next order again.
pub fn set_details(
    conn: &Connection,
    business_id: i64,
    id: i64,
    name: &str,
    notes: &str,
) -> AppResult<()> {
    naming();
    // SET reads the row as it was: `name = ?3` asks whether staff left the name as it stood.
    conn.execute(
        "UPDATE customers SET name = ?3, notes = ?4, updated_at = ?5,
                name_by_staff = CASE WHEN name = ?3 THEN name_by_staff ELSE ?3 <> '' END
         WHERE business_id = ?1 AND id = ?2",
        params![business_id, id, name.trim(), notes.trim(), now()],
    )?;
    Ok(())
}

pub fn set_notes(conn: &Connection, business_id: i64, id: i64, notes: &str) -> AppResult<()> {
    conn.execute(
        "UPDATE customers SET notes = ?3, updated_at = ?4 WHERE business_id = ?1 AND id = ?2",
        params![business_id, id, notes.trim(), now()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::businesses;

    #[test]
    fn a_name_staff_typed_is_kept_over_whatsapp_until_they_clear_it() {
        let (_dir, db) = crate::db::scratch();
        let names = db
            .with_tx(|tx| {
                let b = businesses::insert(tx, "Sweets", "sweets")?;
                let phone = Phone::parse("9800000001", "91").unwrap();
                let id = upsert(tx, b.id, &phone, "asha_k")?;
                let name = |tx: &Connection| -> AppResult<String> {
                    Ok(by_id(tx, b.id, id)?.expect("the customer").name)
                };
                let mut seen = Vec::new();
                upsert(tx, b.id, &phone, "Asha K")?;
                seen.push(name(tx)?);
                set_details(tx, b.id, id, "Asha K", "likes it sweet")?;
                upsert(tx, b.id, &phone, "Asha")?;
                seen.push(name(tx)?);
                set_details(tx, b.id, id, "Asha (Sector 5)", "")?;
                upsert(tx, b.id, &phone, "Asha")?;
                set_details(tx, b.id, id, "Asha (Sector 5)", "notes only")?;
                upsert(tx, b.id, &phone, "Asha")?;
                seen.push(name(tx)?);
                set_details(tx, b.id, id, "", "")?;
                upsert(tx, b.id, &phone, "Asha")?;
                seen.push(name(tx)?);
                Ok::<_, crate::error::AppError>(seen)
            })
            .unwrap();
        assert_eq!(
            names,
            [
                "Asha K",          // the profile name replaces the one before
                "Asha",            // saved unchanged from the page: still WhatsApp's
                "Asha (Sector 5)", // typed by staff: kept
                "Asha"             // cleared by staff: WhatsApp's again
            ]
        );
    }

    #[test]
    fn the_list_finds_by_name_or_digits_and_reads_percent_as_itself() {
        let (_dir, db) = crate::db::scratch();
        let found = db
            .with_tx(|tx| {
                let b = businesses::insert(tx, "Sweets", "sweets")?;
                for (phone, name) in [("9800000001", "Asha 100%"), ("9811112222", "Bala")] {
                    upsert(tx, b.id, &Phone::parse(phone, "91").unwrap(), name)?;
                }
                let names = |q: &str| -> AppResult<(Vec<String>, i64)> {
                    let (rows, total) = list(tx, b.id, q, 1, 25)?;
                    let mut names: Vec<String> = rows.into_iter().map(|c| c.name).collect();
                    names.sort();
                    Ok((names, total))
                };
                Ok::<_, crate::error::AppError>([
                    names("")?,
                    names("asha")?,
                    names("1111")?,
                    names("100%")?,
                    names("%")?,
                    names("Carla")?,
                ])
            })
            .unwrap();
        let both = (vec!["Asha 100%".to_owned(), "Bala".to_owned()], 2);
        let asha = (vec!["Asha 100%".to_owned()], 1);
        assert_eq!(found[0], both, "no text: everyone");
        assert_eq!(found[1], asha, "a name, in any case");
        assert_eq!(found[2], (vec!["Bala".to_owned()], 1), "digits of a number");
        assert_eq!(found[3], asha, "digits and a percent sign, as typed");
        assert_eq!(found[4], asha, "a percent sign is not a wildcard");
        assert_eq!(found[5], (vec![], 0), "no one");
    }

    #[test]
    fn each_listed_customer_has_their_own_addresses_newest_first() {
        let (_dir, db) = crate::db::scratch();
        let (listed, one) = db
            .with_tx(|tx| {
                let b = businesses::insert(tx, "Sweets", "sweets")?;
                let mut ids = Vec::new();
                for (phone, name) in [("9800000001", "Asha"), ("9811112222", "Bala")] {
                    ids.push(upsert(tx, b.id, &Phone::parse(phone, "91").unwrap(), name)?);
                }
                remember_address_at(tx, b.id, ids[0], "1 Park Street", 10)?;
                remember_address_at(tx, b.id, ids[1], "9 MG Road", 20)?;
                remember_address_at(tx, b.id, ids[0], "5 Lake Road", 30)?;
                remember_address_at(tx, b.id, ids[0], "1 Park Street", 40)?;
                let (rows, _) = list(tx, b.id, "", 1, 25)?;
                let mut listed: Vec<(String, Vec<String>)> =
                    rows.into_iter().map(|c| (c.name, c.addresses)).collect();
                listed.sort();
                let one = by_id(tx, b.id, ids[1])?.map(|c| c.addresses);
                Ok::<_, crate::error::AppError>((listed, one))
            })
            .unwrap();
        let owned = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            listed,
            vec![
                ("Asha".to_owned(), owned(&["1 Park Street", "5 Lake Road"])),
                ("Bala".to_owned(), owned(&["9 MG Road"])),
            ]
        );
        assert_eq!(one, Some(owned(&["9 MG Road"])));
    }

    #[test]
    fn a_search_pages_alike_whether_it_found_few_or_many() {
        let (_dir, db) = crate::db::scratch();
        db.with_tx(|tx| {
            let b = businesses::insert(tx, "Sweets", "sweets")?;
            for i in 0..FEW + 5 {
                let phone = Phone::parse(&format!("98{i:08}"), "91").unwrap();
                let name = if i % 2 == 0 { "Asha" } else { "Bala" };
                upsert(tx, b.id, &phone, &format!("{name} {i}"))?;
            }
            // Last activity out of step with the ids, so the order is by it.
            tx.execute(
                "UPDATE customers SET updated_at = 1000 + (id * 7919) % 5003",
                [],
            )?;
            // "a" finds everyone (more than FEW), the others a few or none.
            for q in ["a", "asha", "bala 10", "1004", "carla"] {
                let (filter, args) = search(b.id, q, 1);
                let sql = format!(
                    "SELECT c.id FROM customers c WHERE {filter} ORDER BY c.updated_at DESC, c.id DESC"
                );
                let all: Vec<i64> = tx
                    .prepare(&sql)?
                    .query_map(params_from_iter(&args), |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                for page in [1, 2, 21] {
                    let (rows, total) = list(tx, b.id, q, page, 25)?;
                    let shown: Vec<i64> = rows.iter().map(|c| c.id).collect();
                    let start = usize::try_from((page - 1) * 25).unwrap().min(all.len());
                    let want = &all[start..(start + 25).min(all.len())];
                    assert_eq!(total, i64::try_from(all.len()).unwrap(), "{q:?}");
                    assert_eq!(shown, want, "{q:?} page {page}");
                }
            }
            Ok::<_, crate::error::AppError>(())
        })
        .unwrap();
    }

    #[test]
    fn a_narrow_search_reads_the_customers_it_found_by_id() {
        let (_dir, db) = crate::db::scratch();
        let sql = page_sql(FOUND, "1", 1);
        let plan = db
            .with_conn(|c| {
                let plan = crate::db::query_plan(c, &sql, params!["[1,2]", 25, 0]);
                Ok::<_, crate::error::AppError>(plan)
            })
            .unwrap();
        assert!(plan.contains("INTEGER PRIMARY KEY"), "{plan}");
        assert!(!plan.contains("customers_business"), "{plan}");
        // The found list is read as it is, not first copied into a temporary index (the one
        // list copied is the page's own 25 ids).
        assert!(plan.contains("SCAN j VIRTUAL TABLE"), "{plan}");
        assert_eq!(plan.matches("LIST SUBQUERY").count(), 1, "{plan}");
    }

    #[test]
    fn the_list_counts_the_customers_kept_as_they_come_and_go() {
        let (_dir, db) = crate::db::scratch();
        db.with_tx(|tx| {
            let a = businesses::insert(tx, "Sweets", "sweets")?.id;
            let b = businesses::insert(tx, "Snacks", "snacks")?.id;
            let total = |business: i64| -> AppResult<i64> { Ok(list(tx, business, "", 1, 1)?.1) };
            assert_eq!((total(a)?, total(b)?), (0, 0));
            let mut ids = Vec::new();
            for phone in ["9800000001", "9811112222", "9822223333"] {
                ids.push(upsert(tx, a, &Phone::parse(phone, "91").unwrap(), "Asha")?);
            }
            upsert(tx, a, &Phone::parse("9800000001", "91").unwrap(), "Asha K")?;
            upsert(tx, b, &Phone::parse("9800000001", "91").unwrap(), "Asha")?;
            assert_eq!(
                (total(a)?, total(b)?),
                (3, 1),
                "a returning customer is one"
            );
            tx.execute(
                "DELETE FROM customer_addresses WHERE customer_id = ?1",
                [ids[0]],
            )?;
            tx.execute("DELETE FROM customers WHERE id = ?1", [ids[0]])?;
            tx.execute(
                "UPDATE customers SET business_id = ?1 WHERE id = ?2",
                [b, ids[1]],
            )?;
            let counted: i64 = tx.query_row(
                "SELECT COUNT(*) FROM customers WHERE business_id = ?1",
                [a],
                |r| r.get(0),
            )?;
            assert_eq!((total(a)?, total(b)?, counted), (1, 2, 1));
            Ok::<_, crate::error::AppError>(())
        })
        .unwrap();
    }

    #[test]
    fn customers_on_file_before_v22_are_counted_and_found_after() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::as_of(dir.path(), 21);
        db.with_conn(|c| {
            c.execute_batch(
                "INSERT INTO businesses (id, short_code, name, created_at) VALUES (1, 'old', 'Old Shop', 1);
                 INSERT INTO businesses (id, short_code, name, created_at) VALUES (2, 'new', 'New Shop', 1);
                 INSERT INTO customers (id, business_id, phone, name, created_at, updated_at)
                     VALUES (1, 1, '919812345678', 'Asha', 1, 1), (2, 1, '919800000001', 'Bala', 1, 2);",
            )?;
            Ok(())
        })
        .unwrap();
        db.migrate().unwrap();
        db.with_conn(|c| {
            let (rows, total) = list(c, 1, "", 1, 25)?;
            assert_eq!((rows.len(), total), (2, 2));
            assert_eq!(list(c, 2, "", 1, 25)?.1, 0);
            assert_eq!(found(c, 1, "asha", 1)?, [1]);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn a_customer_counts_orders_not_cancelled_and_dates_the_last_of_any() {
        let (_dir, db) = crate::db::scratch();
        db.with_tx(|tx| {
            let b = businesses::insert(tx, "Sweets", "sweets")?.id;
            let asha = upsert(tx, b, &Phone::parse("9800000001", "91").unwrap(), "Asha")?;
            let bala = upsert(tx, b, &Phone::parse("9811112222", "91").unwrap(), "Bala")?;
            for o in [
                (1, 10_050, "delivered", 100),
                (2, 2_000, "pending", 200),
                (3, 99_900, "cancelled", 300),
            ] {
                super::figures_tests::order_in(tx, b, asha, o);
            }
            let figures = |c: &Customer| (c.order_count, c.total_spent.minor(), c.last_order_at);
            let (rows, total) = list(tx, b, "", 1, 25)?;
            assert_eq!(total, 2);
            let listed: Vec<_> = rows.iter().map(|c| (c.id, figures(c))).collect();
            assert!(
                listed.contains(&(asha, (2, 12_050, Some(300)))),
                "{listed:?}"
            );
            assert!(listed.contains(&(bala, (0, 0, None))), "{listed:?}");
            let one = by_id(tx, b, asha)?.expect("Asha is on file");
            assert_eq!(figures(&one), (2, 12_050, Some(300)));
            let phone = Phone::parse("9811112222", "91").unwrap();
            let none = by_phone(tx, b, &phone)?.expect("Bala is on file");
            assert_eq!(figures(&none), (0, 0, None));
            assert!(by_id(tx, b, asha + bala)?.is_none(), "no such customer");
            Ok::<_, crate::error::AppError>(())
        })
        .unwrap();
    }

    #[test]
    fn a_returning_customer_is_renamed_and_dated_to_the_minute() {
        let (_dir, db) = crate::db::scratch();
        let row = db
            .with_tx(|tx| {
                let b = businesses::insert(tx, "Sweets", "sweets")?;
                let phone = Phone::parse("9800000001", "91").unwrap();
                let id = upsert(tx, b.id, &phone, "Asha")?;
                let row = |tx: &rusqlite::Transaction| -> AppResult<(String, i64)> {
                    Ok(tx.query_row(
                        "SELECT name, updated_at FROM customers WHERE id = ?1",
                        [id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )?)
                };
                let t = now();
                backdate(tx, id, t - 3600, t - 30)?;
                assert_eq!(upsert(tx, b.id, &phone, "")?, id, "the same customer");
                assert_eq!(
                    row(tx)?,
                    ("Asha".to_owned(), t - 30),
                    "written to half a minute ago: kept as it was"
                );
                upsert(tx, b.id, &phone, " Asha Rao ")?;
                assert_eq!(row(tx)?, ("Asha Rao".to_owned(), t - 30), "renamed");
                backdate(tx, id, t - 3600, t - 600)?;
                upsert(tx, b.id, &phone, "Asha Rao")?;
                row(tx)
            })
            .unwrap();
        assert!(row.1 >= now() - 5, "active again ten minutes on: {row:?}");
    }
}
