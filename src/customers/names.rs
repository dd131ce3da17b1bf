//! Every customer's name and number of a shop, held in memory for searches. A search by name
//! read every customer's entry in the name index (3.5 ms over 21,000 customers, and twice that
//! with the numbers), on every search: the two name searches were two fifths of the time of a
//! round of the owner's pages. One pass over the copy in memory finds the same customers.
//!
//! A copy is used only while its shop's stamp in `customer_search_stamps` is the one it was read
//! under. Triggers change the stamp whenever a customer is added, renamed, renumbered or removed,
//! whoever writes (see migration V22), so a copy is never used once it is out of date.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use memchr::memmem;
use moka::sync::Cache;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::AppResult;

/// Ends each name and number in the copy. A search for text containing it, or a shop with a
/// name containing it, is answered from the database instead.
const END: char = '\n';

/// At most this many bytes of copies are held; a copy not searched for ten minutes is dropped,
/// so a shop nobody searches holds none.
const MAX_BYTES: u64 = 32 << 20;
const IDLE: Duration = Duration::from_secs(600);

/// Copies by database file and shop.
static HELD: LazyLock<Cache<(String, i64), Arc<Names>>> = LazyLock::new(|| {
    Cache::builder()
        .weigher(|_, names: &Arc<Names>| names.bytes())
        .max_capacity(MAX_BYTES)
        .time_to_idle(IDLE)
        .build()
});

/// One shop's customers, in the same order in each part: names in ASCII lower case (as
/// SQLite's `LIKE` compares them), and numbers.
struct Names {
    stamp: i64,
    ids: Vec<i64>,
    names: Entries,
    phones: Entries,
}

impl Names {
    fn bytes(&self) -> u32 {
        let n = 8 * self.ids.len() + self.names.bytes() + self.phones.bytes();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

/// Texts run together, [`END`] after each, and where each ends: one pass finds a text in all.
#[derive(Default)]
struct Entries {
    all: String,
    ends: Vec<usize>,
}

impl Entries {
    fn push(&mut self, text: &str) {
        self.all.push_str(text);
        self.all.push(END);
        self.ends.push(self.all.len());
    }

    fn bytes(&self) -> usize {
        self.all.len() + 8 * self.ends.len()
    }

    /// Adds the entries `text` occurs in to `out`, each once, in order.
    fn containing(&self, text: &str, out: &mut Vec<usize>) {
        let mut last = None;
        for at in memmem::find_iter(self.all.as_bytes(), text.as_bytes()) {
            let entry = self.ends.partition_point(|&end| end <= at);
            if last != Some(entry) {
                out.push(entry);
                last = Some(entry);
            }
        }
    }
}

/// The ids of the customers whose name contains `name` (compared as `LIKE` does), or whose
/// number contains `digits` when given; `None` when the copy cannot answer and the database
/// must. `name` is the search as typed, trimmed and not empty.
pub(super) fn found(
    conn: &Connection,
    business_id: i64,
    name: &str,
    digits: Option<&str>,
) -> AppResult<Option<Vec<i64>>> {
    if name.contains(END) {
        return Ok(None);
    }
    let Some(names) = held(conn, business_id)? else {
        return Ok(None);
    };
    let mut entries = Vec::new();
    names
        .names
        .containing(&name.to_ascii_lowercase(), &mut entries);
    if let Some(digits) = digits {
        names.phones.containing(digits, &mut entries);
        entries.sort_unstable();
        entries.dedup();
    }
    Ok(Some(entries.into_iter().map(|i| names.ids[i]).collect()))
}

/// The shop's stamp: it changes whenever one of its customers is added, renamed, renumbered or
/// removed, whoever writes. `None` for a shop without one.
pub fn stamp(conn: &Connection, business_id: i64) -> AppResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT stamp FROM customer_search_stamps WHERE business_id = ?1")?
        .query_row([business_id], |r| r.get(0))
        .optional()?)
}

/// The shop's copy, read again when its stamp has moved; `None` for a database held in memory,
/// a shop without a stamp, or one with a name the copy cannot hold.
fn held(conn: &Connection, business_id: i64) -> AppResult<Option<Arc<Names>>> {
    let Some(path) = conn.path().filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    // The stamp is read before the names: names newer than their stamp only cost a read again
    // at the next search, never a copy taken for newer than it is.
    let Some(stamp) = stamp(conn, business_id)? else {
        return Ok(None);
    };
    let key = (path.to_owned(), business_id);
    if let Some(names) = HELD.get(&key).filter(|n| n.stamp == stamp) {
        return Ok(Some(names));
    }
    let Some(names) = read(conn, business_id, stamp)? else {
        return Ok(None);
    };
    let names = Arc::new(names);
    HELD.insert(key, Arc::clone(&names));
    Ok(Some(names))
}

fn read(conn: &Connection, business_id: i64, stamp: i64) -> AppResult<Option<Names>> {
    let mut n = Names {
        stamp,
        ids: Vec::new(),
        names: Entries::default(),
        phones: Entries::default(),
    };
    let mut stmt =
        conn.prepare_cached("SELECT id, name, phone FROM customers WHERE business_id = ?1")?;
    let mut rows = stmt.query(params![business_id])?;
    while let Some(row) = rows.next()? {
        let (name, phone): (String, String) = (row.get(1)?, row.get(2)?);
        if name.contains(END) || phone.contains(END) {
            return Ok(None);
        }
        n.ids.push(row.get(0)?);
        n.names.push(&name.to_ascii_lowercase());
        n.phones.push(&phone);
    }
    Ok(Some(n))
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::super::{search, set_details, upsert};
    use crate::accounts::businesses;
    use crate::db::Db;
    use crate::domain::Phone;
    use crate::error::{AppError, AppResult};

    fn add(c: &Connection, b: i64, phone: &str, name: &str) -> i64 {
        upsert(c, b, &Phone::parse(phone, "91").unwrap(), name).unwrap()
    }

    /// What the database finds for `q`, by the condition a search used before the copy.
    fn from_database(c: &Connection, b: i64, q: &str, min_digits: usize) -> Vec<i64> {
        let (filter, args) = search(b, q, min_digits);
        let sql = format!("SELECT c.id FROM customers c WHERE {filter} ORDER BY c.id");
        let mut stmt = c.prepare(&sql).unwrap();
        let ids = stmt.query_map(rusqlite::params_from_iter(&args), |r| r.get(0));
        ids.unwrap().collect::<Result<_, _>>().unwrap()
    }

    fn found(c: &Connection, b: i64, q: &str) -> Vec<i64> {
        let mut ids = super::super::found(c, b, q, 1).unwrap();
        ids.sort_unstable();
        ids
    }

    fn copy_is_current(c: &Connection, b: i64) -> bool {
        let stamp: i64 = c
            .query_row(
                "SELECT stamp FROM customer_search_stamps WHERE business_id = ?1",
                [b],
                |r| r.get(0),
            )
            .unwrap();
        let key = (c.path().unwrap().to_owned(), b);
        super::HELD.get(&key).is_some_and(|n| n.stamp == stamp)
    }

    #[test]
    fn the_copy_finds_what_the_database_finds() {
        let (_dir, db) = crate::db::scratch();
        db.with_tx(|c| {
            let b = businesses::insert(c, "Sweets", "sweets")?.id;
            let other = businesses::insert(c, "Other", "other")?.id;
            let people = [
                ("9800000001", "Asha 100%"),
                ("9811112222", "RAVI Kumar"),
                ("9822223333", "ravindra"),
                ("9833334444", "Ávila a_b"),
                ("9844445555", ""),
                ("9855556666", "Meera\\Das"),
            ];
            for (phone, name) in people {
                add(c, b, phone, name);
            }
            add(c, other, "9800000009", "Asha elsewhere");
            let searches = [
                "asha", "ASHA", "ravi", "Ravi K", "á", "Á", "a_b", "_", "%", "100%", "\\", "1111",
                "98", "0009", "9", "ravi 98", "zz", " asha ",
            ];
            for q in searches {
                assert_eq!(found(c, b, q), from_database(c, b, q, 1), "searching {q:?}");
                assert!(copy_is_current(c, b), "searching {q:?} used the copy");
            }
            Ok::<_, AppError>(())
        })
        .unwrap();
    }

    #[test]
    fn a_copy_is_read_again_when_a_customer_is_added_renamed_or_renumbered() {
        let (_dir, db) = crate::db::scratch();
        db.with_tx(|c| {
            let b = businesses::insert(c, "Sweets", "sweets")?.id;
            let asha = add(c, b, "9800000001", "Asha");
            let bala = add(c, b, "9811112222", "Bala");
            assert_eq!(found(c, b, "asha"), [asha]);

            add(c, b, "9811112222", "Asha B");
            assert_eq!(
                found(c, b, "asha"),
                [asha, bala],
                "renamed by their message"
            );
            set_details(c, b, asha, "Ash", "")?;
            assert_eq!(found(c, b, "asha"), [bala], "renamed by staff");
            let new = add(c, b, "9822223333", "Ashalata");
            assert_eq!(found(c, b, "asha"), [bala, new], "a new customer");
            c.execute(
                "UPDATE customers SET phone = '919877776666' WHERE id = ?1",
                [asha],
            )?;
            assert_eq!(found(c, b, "7777"), [asha], "a new number");
            Ok::<_, AppError>(())
        })
        .unwrap();
    }

    #[test]
    fn a_rename_taken_back_is_not_found_from_the_copy() {
        let (_dir, db) = crate::db::scratch();
        let (b, asha) = db
            .with_tx(|c| {
                let b = businesses::insert(c, "Sweets", "sweets")?.id;
                Ok::<_, AppError>((b, add(c, b, "9800000001", "Asha")))
            })
            .unwrap();
        let rolled_back: AppResult<()> = db.with_tx(|c| {
            add(c, b, "9800000001", "Zara");
            assert_eq!(found(c, b, "zara"), [asha], "seen inside its transaction");
            Err(AppError::NotFound)
        });
        assert!(rolled_back.is_err());
        db.with_conn(|c| {
            assert_eq!(found(c, b, "zara"), Vec::<i64>::new());
            assert_eq!(found(c, b, "asha"), [asha]);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn another_database_at_the_same_path_is_not_answered_from_the_old_copy() {
        let dir = tempfile::tempdir().unwrap();
        let fill = |name: &str| {
            let db = Db::open(dir.path()).unwrap();
            db.with_tx(|c| {
                let b = businesses::insert(c, "Sweets", "sweets")?.id;
                let id = add(c, b, "9800000001", name);
                assert_eq!(found(c, b, name), [id]);
                Ok::<_, AppError>(b)
            })
            .unwrap()
        };
        let first = fill("Asha");
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::remove_file(path).unwrap();
            }
        }
        let second = fill("Bala");
        assert_eq!(first, second, "the same shop id in both");
        let db = Db::open(dir.path()).unwrap();
        db.with_conn(|c| {
            assert_eq!(found(c, second, "asha"), Vec::<i64>::new());
            Ok(())
        })
        .unwrap();
    }
}
