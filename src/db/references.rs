//! Migrations run with foreign keys off, and the references are checked after them, but only
//! when a migration did something that could leave a row pointing at nothing.
//!
//! The check (`pragma_foreign_key_check`) reads every row that points at another: 8.2 s on a
//! 1,000,000-order book, which a start after an upgrade waited on even when the migrations only
//! dropped an index. SQLite tells each statement's actions as it prepares it (its authorizer),
//! so the run is watched: rows written to the shop's tables, or tables created, dropped or
//! altered, or a unique index dropped (a reference may lean on it), call for the check; indexes
//! and triggers made or dropped otherwise, and reads, do not.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::Connection;

/// Runs migrations with foreign keys off, as SQLite asks for a table rebuild (V12 rebuilds
/// `orders` to change its CHECKs): with them on, dropping the old table would delete every
/// order's lines and events by cascade. The pragma is a no-op inside a transaction, so it is
/// set around the runner, which gives each migration one of its own. The references are checked
/// after a run that could have moved them, and the connection goes back to the pool with
/// foreign keys on and unwatched whatever happened.
pub(super) fn without_foreign_keys<T>(
    conn: &mut Connection,
    run: impl FnOnce(&mut Connection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let (result, moved) = watched(conn, run)?;
    let broken: rusqlite::Result<i64> = match &result {
        Ok(_) if moved => {
            conn.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
        }
        // A failed run is refused for its own error, whatever it left.
        _ => Ok(0),
    };
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    let value = result?;
    match broken? {
        0 => Ok(value),
        n => anyhow::bail!("after migrating, {n} rows point at rows that are not there"),
    }
}

/// `run`'s result, and whether any statement it prepared could have moved a reference.
pub(super) fn watched<T>(
    conn: &mut Connection,
    run: impl FnOnce(&mut Connection) -> anyhow::Result<T>,
) -> anyhow::Result<(anyhow::Result<T>, bool)> {
    let unique = unique_indexes(conn)?;
    let moved = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&moved);
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        if may_move_references(&ctx.action, &unique) {
            seen.store(true, Ordering::Relaxed);
        }
        Authorization::Allow
    }))?;
    let result = run(conn);
    conn.authorizer(None::<fn(AuthContext<'_>) -> Authorization>)?;
    Ok((result, moved.load(Ordering::Relaxed)))
}

/// The unique indexes written as such: a reference's parent key may be one, and without it the
/// reference no longer holds.
fn unique_indexes(conn: &Connection) -> rusqlite::Result<HashSet<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql LIKE 'CREATE UNIQUE%'",
    )?;
    let names = stmt.query_map([], |r| r.get(0))?;
    names.collect()
}

/// Whether an action could leave a row pointing at nothing. Anything not known to be harmless
/// counts, so an action SQLite adds later is checked rather than trusted.
fn may_move_references(action: &AuthAction<'_>, unique: &HashSet<String>) -> bool {
    use AuthAction as A;
    match action {
        A::Insert { table_name }
        | A::Update { table_name, .. }
        | A::Delete { table_name }
        | A::CreateTable { table_name }
        | A::DropTable { table_name }
        | A::AlterTable { table_name, .. } => !bookkeeping(table_name),
        A::DropIndex { index_name, .. } => unique.contains(*index_name),
        A::CreateIndex { .. }
        | A::CreateTrigger { .. }
        | A::DropTrigger { .. }
        | A::CreateView { .. }
        | A::DropView { .. }
        | A::CreateTempIndex { .. }
        | A::CreateTempTable { .. }
        | A::CreateTempTrigger { .. }
        | A::CreateTempView { .. }
        | A::DropTempIndex { .. }
        | A::DropTempTable { .. }
        | A::DropTempTrigger { .. }
        | A::DropTempView { .. }
        | A::Read { .. }
        | A::Select
        | A::Function { .. }
        | A::Transaction { .. }
        | A::Savepoint { .. }
        | A::Analyze { .. }
        | A::Reindex { .. }
        | A::Recursive => false,
        _ => true,
    }
}

/// Tables that hold no shop data: SQLite's own (its schema, sequences, statistics) and the
/// migration runner's history.
fn bookkeeping(table: &str) -> bool {
    table.starts_with("sqlite_") || table == "refinery_schema_history"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shop's tables: an order points at its customer twice, by id and by phone, the phone's
    /// unique index being the parent key of the second.
    fn shop() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, phone TEXT);
             CREATE UNIQUE INDEX customers_phone ON customers (phone);
             CREATE INDEX customers_by_id ON customers (id, phone);
             CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id),
                                  phone TEXT REFERENCES customers (phone));
             INSERT INTO customers VALUES (1, '919800000001');
             INSERT INTO orders VALUES (1, 1, '919800000001');",
        )
        .unwrap();
        conn
    }

    fn moves(sql: &str) -> bool {
        let mut conn = shop();
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let (result, moved) = watched(&mut conn, |c| Ok(c.execute_batch(sql)?)).unwrap();
        result.unwrap();
        moved
    }

    #[test]
    fn indexes_and_triggers_made_or_dropped_leave_references_alone() {
        for sql in [
            "CREATE INDEX orders_customer ON orders (customer_id)",
            "DROP INDEX customers_by_id",
            "CREATE TRIGGER t AFTER INSERT ON orders BEGIN DELETE FROM customers; END",
            "CREATE TRIGGER t AFTER INSERT ON orders BEGIN SELECT 1; END; DROP TRIGGER t",
            "SELECT COUNT(*) FROM orders JOIN customers ON customers.id = orders.customer_id",
            "CREATE TABLE IF NOT EXISTS refinery_schema_history (version INTEGER);
             INSERT INTO refinery_schema_history VALUES (45)",
        ] {
            assert!(!moves(sql), "{sql}");
        }
    }

    #[test]
    fn rows_written_tables_changed_and_parent_keys_dropped_move_references() {
        for sql in [
            "DELETE FROM customers",
            "DELETE FROM customers WHERE id = 1",
            "UPDATE orders SET customer_id = 2",
            "INSERT INTO orders VALUES (2, 9, NULL)",
            "CREATE TABLE lines (order_id INTEGER REFERENCES orders (id))",
            "ALTER TABLE orders ADD COLUMN note TEXT",
            "DROP TABLE customers",
            "DROP INDEX customers_phone",
        ] {
            assert!(moves(sql), "{sql}");
        }
    }

    /// A run that could break a reference is checked, and what it left pointing nowhere is
    /// refused; either way foreign keys are on again after it.
    #[test]
    fn a_migration_that_leaves_dangling_rows_is_refused() {
        let fk = |c: &Connection| -> i64 {
            c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))
                .unwrap()
        };
        let mut conn = shop();
        let err =
            without_foreign_keys(&mut conn, |c| Ok(c.execute_batch("DELETE FROM customers")?))
                .unwrap_err();
        assert!(err.to_string().contains("2 rows point at rows"), "{err}");
        assert_eq!(fk(&conn), 1, "foreign keys are on again after a refusal");
        let mut conn = shop();
        without_foreign_keys(&mut conn, |c| {
            Ok(c.execute_batch("CREATE INDEX o ON orders (phone)")?)
        })
        .unwrap();
        assert_eq!(fk(&conn), 1, "foreign keys are on again");
    }
}
