//! The CHECK constraints and partial indexes as V36 left them: no row written builds a temporary
//! table, and each list of allowed values still refuses what is not in it.

use rusqlite::Connection;

use super::scratch;

/// The operations SQLite's program for `sql` runs, by name.
fn opcodes(c: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = c.prepare(&format!("EXPLAIN {sql}")).unwrap();
    let ops = stmt.query_map([], |r| r.get(1)).unwrap();
    ops.collect::<Result<_, _>>().unwrap()
}

#[test]
fn no_row_written_builds_a_temporary_table() {
    let (_dir, db) = scratch();
    db.with_conn(|c| {
        let tables: Vec<String> = c
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        assert!(tables.iter().any(|t| t == "messages"), "{tables:?}");
        // An insert evaluates every CHECK of the table and every partial index's condition.
        for table in &tables {
            let sql = format!("INSERT INTO \"{table}\" DEFAULT VALUES");
            let ops = opcodes(c, &sql);
            assert!(
                ops.iter().any(|o| o == "Insert" || o == "IdxInsert"),
                "{sql}: {ops:?}"
            );
            assert!(!ops.iter().any(|o| o == "OpenEphemeral"), "{sql}: {ops:?}");
        }
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_list_of_allowed_values_still_refuses_what_is_not_in_it() {
    let (_dir, db) = scratch();
    db.with_conn(|c| {
        c.execute_batch(
            "INSERT INTO businesses (id, short_code, name, created_at) VALUES (1, 'shop', 'Shop', 1)",
        )?;
        let message = |status: &str| {
            c.execute(
                "INSERT INTO messages (business_id, phone, direction, type, provider, status,
                                       created_at, updated_at)
                 VALUES (1, '919812345678', 'out', 'text', 'cloud', ?1, 1, 1)",
                [status],
            )
        };
        for status in ["received", "queued", "sent", "delivered", "read", "failed"] {
            message(status).unwrap();
        }
        let refused = message("lost").unwrap_err().to_string();
        assert!(refused.contains("CHECK constraint failed"), "{refused}");
        let kept: i64 = c.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))?;
        assert_eq!(kept, 6);
        // The partial index of messages sent holds the three states that went out.
        let sent: i64 = c.query_row(
            "SELECT COUNT(*) FROM messages INDEXED BY messages_sent_by_business
             WHERE business_id = 1 AND direction = 'out'
               AND (status = 'sent' OR status = 'delivered' OR status = 'read')",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(sent, 3);
        let moved = c.execute("UPDATE messages SET status = 'gone' WHERE status = 'sent'", []);
        assert!(moved.is_err(), "an update is checked too");
        let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        assert_eq!(ok, "ok");
        Ok(())
    })
    .unwrap();
}
