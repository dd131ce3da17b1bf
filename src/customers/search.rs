//! Finding customers by any part of their name or number.
//!
//! Text of three characters or more is looked up in the trigram index `customer_search`
//! (migration V22): a few index reads, however many customers the shop has. Shorter text has
//! no three-character piece to look up, so it is matched with `LIKE`, reading every name.

use rusqlite::types::Value;

use crate::db::like_containing;

/// The shortest text the trigram index can find.
const INDEXED_CHARS: usize = 3;

/// The customers a search finds: a condition on the customers table as `c`, its bare `?`
/// parameters in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Who {
    pub sql: String,
    pub args: Vec<Value>,
    /// Whether the index alone finds them.
    pub indexed: bool,
}

impl Who {
    /// The condition for the customers of the shop bound as `?1`. Those the index finds are
    /// read by id: `+` keeps SQLite from walking all the shop's customers by its index instead.
    pub fn in_shop(&self) -> String {
        let business = if self.indexed {
            "+c.business_id"
        } else {
            "c.business_id"
        };
        format!("{business} = ?1 AND {}", self.sql)
    }
}

/// Customers whose name contains `q`, or whose number contains its digits when it has at
/// least `min_digits` of them; `None` for no text. Case is ignored; `%` and `_` are themselves.
pub fn who(q: &str, min_digits: usize) -> Option<Who> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let mut phrases = Vec::new();
    let mut scans = Vec::new();
    let mut args = Vec::new();
    if q.chars().count() >= INDEXED_CHARS {
        phrases.push(phrase("name", q));
    } else {
        scans.push("c.name LIKE ? ESCAPE '\\'");
        args.push(Value::Text(like_containing(q)));
    }
    if digits.len() >= INDEXED_CHARS.max(min_digits) {
        phrases.push(phrase("phone", &digits));
    } else if !digits.is_empty() && digits.len() >= min_digits {
        scans.push("c.phone LIKE ?");
        args.push(Value::Text(format!("%{digits}%")));
    }
    let mut parts: Vec<String> = scans.iter().map(|s| (*s).to_owned()).collect();
    if !phrases.is_empty() {
        parts.insert(
            0,
            "c.id IN (SELECT rowid FROM customer_search WHERE customer_search MATCH ?)".into(),
        );
        args.insert(0, Value::Text(phrases.join(" OR ")));
    }
    Some(Who {
        sql: format!("({})", parts.join(" OR ")),
        indexed: scans.is_empty(),
        args,
    })
}

/// An FTS5 phrase limited to one column: the text as one string, so no character in it is
/// read as query syntax (a `"` is written twice).
fn phrase(column: &str, text: &str) -> String {
    format!("{{{column}}} : \"{}\"", text.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use rusqlite::{params_from_iter, Connection};

    use super::*;
    use crate::accounts::businesses;
    use crate::customers::upsert;
    use crate::domain::Phone;

    /// The ids a condition finds in one shop, in order.
    fn found(tx: &Connection, business_id: i64, sql: &str, args: Vec<Value>) -> Vec<i64> {
        let mut all = vec![Value::Integer(business_id)];
        all.extend(args);
        let sql = format!(
            "SELECT c.id FROM customers c WHERE c.business_id = ?1 AND {sql} ORDER BY c.id"
        );
        let mut stmt = tx.prepare(&sql).unwrap();
        let ids = stmt.query_map(params_from_iter(all), |r| r.get(0)).unwrap();
        ids.collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn the_index_finds_what_reading_every_name_finds() {
        let (_dir, db) = crate::db::scratch();
        db.with_tx(|tx| {
            let shop = businesses::insert(tx, "Sweets", "sweets")?.id;
            let other = businesses::insert(tx, "Other", "other")?.id;
            let names = [
                "Asha Iyer",
                "ASHA",
                "Priya Sharma",
                "Sharmila",
                "Ravi \"Bhai\"",
                "100% Ghee",
                "Kavita_Nair",
                "Kavita Nair",
                "राम लाल",
                "Old Name",
            ];
            for (i, name) in names.iter().enumerate() {
                let phone = Phone::parse(&format!("98{:08}", i * 1111 + 1), "91").unwrap();
                upsert(tx, shop, &phone, name)?;
            }
            upsert(
                tx,
                other,
                &Phone::parse("9800000001", "91").unwrap(),
                "Asha Iyer",
            )?;
            // A renamed customer is found by the new name only.
            let renamed = Phone::parse(&format!("98{:08}", 9 * 1111 + 1), "91").unwrap();
            upsert(tx, shop, &renamed, "Meera Iyer")?;
            let queries = [
                "iyer",
                "sha",
                "ASHA",
                "priya sharma",
                "\"bhai\"",
                "100%",
                "a_n",
                "0001",
                "राम",
                "as",
                "%",
                "zzz",
                "98000",
                "old name",
                "4445",
                "#12",
            ];
            for q in queries {
                let who = who(q, 1).unwrap();
                let digits: String = q.chars().filter(char::is_ascii_digit).collect();
                let (scan, mut args) = (
                    "(c.name LIKE ? ESCAPE '\\' OR (?3 != '%%' AND c.phone LIKE ?3))",
                    vec![Value::Text(like_containing(q))],
                );
                args.push(Value::Text(format!("%{digits}%")));
                assert_eq!(
                    found(tx, shop, &who.sql, who.args),
                    found(tx, shop, scan, args),
                    "{q:?}"
                );
            }
            let one = |q: &str| found(tx, shop, &who(q, 1).unwrap().sql, who(q, 1).unwrap().args);
            assert!(
                one("old name").is_empty(),
                "the old name is gone from the index"
            );
            assert_eq!(one("meera").len(), 1, "the new name is in it");
            assert_eq!(
                one("iyer").len(),
                2,
                "Asha and Meera, not the other shop's Asha"
            );
            Ok::<_, crate::error::AppError>(())
        })
        .unwrap();
    }

    #[test]
    fn only_text_too_short_for_the_index_reads_every_name() {
        let short = who("as", 1).unwrap();
        assert!(!short.indexed, "two letters: read every name");
        let long = who("asha", 1).unwrap();
        assert!(long.indexed && long.sql.contains("customer_search"));
        let number = who("Ravi 98", 4).unwrap();
        assert!(
            number.indexed,
            "two digits are not a number to search for: {number:?}"
        );
        assert_eq!(
            number.args,
            vec![Value::Text("{name} : \"Ravi 98\"".into())]
        );
        let both = who("98765", 4).unwrap();
        let query = Value::Text("{name} : \"98765\" OR {phone} : \"98765\"".into());
        assert_eq!(both.args, vec![query]);
        assert_eq!(who("  ", 1), None, "no text: no search");
    }
}
