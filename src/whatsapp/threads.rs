//! Message threads: every message in and out with one number, as staff read them.

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::domain::Phone;
use crate::error::AppResult;

#[derive(Debug, Clone, Serialize)]
pub struct Thread {
    pub phone: String,
    pub name: String,
    pub last_text: String,
    pub last_direction: String,
    pub last_at: i64,
    pub unread: i64,
    /// Why a person should look at it, when Novi could not handle it.
    pub attention: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub id: i64,
    pub direction: String,
    pub kind: String,
    pub text: String,
    pub status: String,
    pub provider_id: Option<String>,
    pub error_code: Option<i64>,
    pub error: Option<String>,
    pub group_id: Option<String>,
    pub created_at: i64,
    /// Written by a person at the shop (reply box or API), not by Novi's own chat.
    #[serde(skip)]
    pub by_staff: bool,
}

/// What [`list`] runs: the kept conversations (`chats`) newest first, each with its newest
/// message, so a visit reads `limit` conversations however many messages the shop has had.
pub(crate) const LIST: &str = "SELECT h.phone, COALESCE(c.name, ''), m.text, m.direction, m.created_at,
            h.unread,
            (SELECT reason FROM attention a WHERE a.business_id = h.business_id AND a.phone = h.phone)
     FROM chats h JOIN messages m ON m.id = h.last_id
     LEFT JOIN customers c ON c.business_id = h.business_id AND c.phone = h.phone
     WHERE h.business_id = ?1 ORDER BY h.last_id DESC LIMIT ?2";

/// Conversations with the newest first. Group chats are listed under the group, not the member.
pub fn list(conn: &Connection, business_id: i64, limit: i64) -> AppResult<Vec<Thread>> {
    let mut stmt = conn.prepare_cached(LIST)?;
    let rows = stmt.query_map(params![business_id, limit], |r| {
        Ok(Thread {
            phone: r.get(0)?,
            name: r.get(1)?,
            last_text: r.get(2)?,
            last_direction: r.get(3)?,
            last_at: r.get(4)?,
            unread: r.get(5)?,
            attention: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The conversation `raw` names, as stored: first exactly as written, which is how [`list`]
/// gives it (a foreign number of 10 digits, or a business-scoped user id where WhatsApp hides
/// the number, reads as something else to [`Phone::parse_lookup`]); else any spelling of a
/// number, read with the shop's country code. `None` when the business has no such chat.
pub fn conversation_key(
    conn: &Connection,
    business_id: i64,
    raw: &str,
    country_code: &str,
) -> AppResult<Option<String>> {
    let mut has_chat =
        conn.prepare_cached("SELECT 1 FROM chats WHERE business_id = ?1 AND phone = ?2")?;
    let raw = raw.trim();
    if !raw.is_empty() && has_chat.exists(params![business_id, raw])? {
        return Ok(Some(raw.to_owned()));
    }
    match Phone::parse_lookup(raw, country_code) {
        Ok(p) if has_chat.exists(params![business_id, p.as_str()])? => Ok(Some(p.to_string())),
        _ => Ok(None),
    }
}

/// One of a business's messages, by id.
pub fn one(conn: &Connection, business_id: i64, id: i64) -> AppResult<Option<Message>> {
    let mut stmt = conn.prepare(
        "SELECT id, direction, type, text, status, provider_id, error_code, error, group_id, created_at,
                COALESCE(json_extract(data, '$.by') = 'staff', 0)
         FROM messages WHERE business_id = ?1 AND id = ?2",
    )?;
    let mut rows = stmt.query_map(params![business_id, id], message_at)?;
    Ok(rows.next().transpose()?)
}

fn message_at(r: &rusqlite::Row) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        direction: r.get(1)?,
        kind: r.get(2)?,
        text: r.get(3)?,
        status: r.get(4)?,
        provider_id: r.get(5)?,
        error_code: r.get(6)?,
        error: r.get(7)?,
        group_id: r.get(8)?,
        created_at: r.get(9)?,
        by_staff: r.get(10)?,
    })
}

/// What [`messages`] runs: back from the conversation's newest message (`chats`), each to the
/// one before it (`prev_id`), as many as are shown.
pub(crate) const THREAD: &str = "WITH RECURSIVE chain(id, n) AS (
         SELECT last_id, 1 FROM chats WHERE business_id = ?1 AND phone = ?2 AND ?3 > 0
         UNION ALL
         SELECT m.prev_id, chain.n + 1 FROM chain CROSS JOIN messages m ON m.id = chain.id
         WHERE m.prev_id IS NOT NULL AND chain.n < ?3)
     SELECT m.id, m.direction, m.type, m.text, m.status, m.provider_id, m.error_code, m.error,
            m.group_id, m.created_at, COALESCE(json_extract(m.data, '$.by') = 'staff', 0)
     FROM chain CROSS JOIN messages m ON m.id = chain.id ORDER BY m.id DESC";

/// The latest `limit` messages with a number (1:1 chat), oldest first.
pub fn messages(
    conn: &Connection,
    business_id: i64,
    phone: &str,
    limit: i64,
) -> AppResult<Vec<Message>> {
    let mut stmt = conn.prepare_cached(THREAD)?;
    let mut rows: Vec<Message> = stmt
        .query_map(params![business_id, phone, limit], message_at)?
        .collect::<Result<_, _>>()?;
    rows.reverse();
    Ok(rows)
}

/// What [`mark_seen`] runs: back along the conversation's chain from its newest message until
/// as many unread messages as it counts are found (they are nearly always the newest), never
/// through every message of the shop.
pub(crate) const MARK_SEEN: &str = "UPDATE messages SET seen = 1
     WHERE direction = 'in' AND seen = 0 AND id IN (
         WITH RECURSIVE chain(id, unread) AS (
             SELECT last_id, unread FROM chats WHERE business_id = ?1 AND phone = ?2
             UNION ALL
             SELECT m.prev_id, chain.unread - (m.direction = 'in' AND m.seen = 0)
             FROM chain CROSS JOIN messages m ON m.id = chain.id
             WHERE m.prev_id IS NOT NULL AND chain.unread - (m.direction = 'in' AND m.seen = 0) > 0)
         SELECT id FROM chain)";

/// Staff have read this conversation. Most visits find nothing unread, which the kept count
/// says without reading the conversation.
pub fn mark_seen(conn: &Connection, business_id: i64, phone: &str) -> AppResult<()> {
    let unread: i64 = conn
        .prepare_cached(
            "SELECT IFNULL((SELECT unread FROM chats WHERE business_id = ?1 AND phone = ?2), 0)",
        )?
        .query_row(params![business_id, phone], |r| r.get(0))?;
    if unread > 0 {
        conn.prepare_cached(MARK_SEEN)?
            .execute(params![business_id, phone])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::error::AppError;
    use crate::whatsapp::outbox::{self, Content};

    const ASHA: &str = "919812345678";
    const RAVI: &str = "919800000002";

    /// A message in from `phone`, in a group when `group` is given.
    fn says(db: &Db, business_id: i64, phone: &str, group: Option<&str>) -> i64 {
        db.with_conn(|c| {
            c.execute(
                "INSERT INTO messages (business_id, phone, direction, type, text, provider, group_id,
                                       status, created_at, updated_at)
                 VALUES (?1, ?2, 'in', 'text', 'hello', 'simulator', ?3, 'received', 1, 1)",
                params![business_id, phone, group],
            )?;
            Ok(c.last_insert_rowid())
        })
        .unwrap()
    }

    fn reply(db: &Db, business_id: i64, phone: &str) -> i64 {
        db.with_tx(|tx| outbox::enqueue(tx, business_id, phone, &Content::text("ok"), "simulator"))
            .unwrap()
    }

    /// (business, phone, newest message, unread), by business and phone.
    type Chats = Vec<(i64, String, i64, i64)>;

    /// The conversations as kept, and as the messages say.
    fn chats(db: &Db) -> (Chats, Chats) {
        let rows = |sql: &str| {
            db.with_conn(|c| {
                let mut s = c.prepare(sql)?;
                let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .unwrap()
        };
        (
            rows("SELECT business_id, phone, last_id, unread FROM chats ORDER BY 1, 2"),
            rows(
                "SELECT business_id, phone, MAX(id), SUM(direction = 'in' AND seen = 0)
                 FROM messages WHERE group_id IS NULL GROUP BY 1, 2 ORDER BY 1, 2",
            ),
        )
    }

    /// Each conversation's messages newest first as followed back from `chats` along
    /// `prev_id`, and as its messages' ids give them.
    fn chains(db: &Db) -> (Vec<Vec<i64>>, Vec<Vec<i64>>) {
        db.with_conn(|c| {
            let kept: Vec<(i64, String, i64)> = c
                .prepare("SELECT business_id, phone, last_id FROM chats ORDER BY 1, 2")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            let (mut followed, mut by_id) = (Vec::new(), Vec::new());
            for (business, phone, last) in kept {
                let mut chain = vec![last];
                let mut prev_of = c.prepare("SELECT prev_id FROM messages WHERE id = ?1")?;
                while let Some(prev) = prev_of.query_row([chain[chain.len() - 1]], |r| r.get(0))? {
                    chain.push(prev);
                }
                followed.push(chain);
                let ids = c
                    .prepare(
                        "SELECT id FROM messages WHERE business_id = ?1 AND phone = ?2
                         AND group_id IS NULL ORDER BY id DESC",
                    )?
                    .query_map(params![business, phone], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                by_id.push(ids);
            }
            let stray: i64 = c.query_row(
                "SELECT COUNT(*) FROM messages WHERE group_id IS NOT NULL AND prev_id IS NOT NULL",
                [],
                |r| r.get(0),
            )?;
            assert_eq!(stray, 0, "a group message in a chain");
            Ok::<_, AppError>((followed, by_id))
        })
        .unwrap()
    }

    /// Each conversation's kept newest message and unread count, and its chain, agree with
    /// its messages.
    fn agree(db: &Db, step: &str) {
        let (kept, counted) = chats(db);
        assert_eq!(kept, counted, "{step}");
        let (followed, by_id) = chains(db);
        assert_eq!(followed, by_id, "{step}");
    }

    /// Through messages in and out, a group's messages, staff reading a chat, a message taken
    /// back and one moved to another number, each conversation keeps its newest message and
    /// its unread count as the messages themselves would give them.
    #[test]
    fn each_chat_keeps_its_newest_message_and_unread_count() {
        let (_dir, db) = crate::db::scratch();
        let b = crate::accounts::create_business(&db, "Shop", "shop")
            .unwrap()
            .id;
        let other = crate::accounts::create_business(&db, "Other", "other")
            .unwrap()
            .id;
        let agree = |step: &str| agree(&db, step);
        says(&db, b, ASHA, None);
        says(&db, b, ASHA, None);
        says(&db, b, RAVI, None);
        says(&db, other, ASHA, None);
        says(&db, b, ASHA, Some("120363@g.us"));
        agree("messages in, one in a group");
        let answer = reply(&db, b, ASHA);
        agree("a reply");
        let listed = db.with_conn(|c| list(c, b, 10)).unwrap();
        let seen: Vec<(&str, i64, &str)> = listed
            .iter()
            .map(|t| (t.phone.as_str(), t.unread, t.last_direction.as_str()))
            .collect();
        assert_eq!(seen, [(ASHA, 2, "out"), (RAVI, 1, "in")]);
        db.with_conn(|c| mark_seen(c, b, ASHA)).unwrap();
        agree("read by staff");
        db.with_conn(|c| {
            c.execute("DELETE FROM outbox WHERE message_id = ?1", [answer])?;
            Ok::<_, AppError>(c.execute("DELETE FROM messages WHERE id = ?1", [answer])?)
        })
        .unwrap();
        agree("the reply taken back");
        let last = db.with_conn(|c| list(c, b, 10)).unwrap();
        assert_eq!(
            (last[0].phone.as_str(), last[0].last_direction.as_str()),
            (RAVI, "in")
        );
        db.with_conn(|c| {
            Ok::<_, AppError>(c.execute(
                "UPDATE messages SET phone = ?1 WHERE business_id = ?2 AND phone = ?3",
                params![ASHA, b, RAVI],
            )?)
        })
        .unwrap();
        agree("a number's messages moved to another");
        let listed = db.with_conn(|c| list(c, b, 10)).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].phone.as_str(), listed[0].unread), (ASHA, 1));
    }

    /// Messages stored out of order, taken back and moved from the middle of a conversation,
    /// and one turned around: each conversation's chain still runs through all its messages
    /// newest first, a chat shows its newest, and reading it marks every unread one.
    #[test]
    fn a_conversation_is_followed_back_through_every_message() {
        let (_dir, db) = crate::db::scratch();
        let b = crate::accounts::create_business(&db, "Shop", "shop")
            .unwrap()
            .id;
        let agree = |step: &str| agree(&db, step);
        let run = |sql: &str| {
            db.with_conn(|c| Ok::<_, AppError>(c.execute_batch(sql)?))
                .unwrap()
        };
        let asha: Vec<i64> = (0..6).map(|_| says(&db, b, ASHA, None)).collect();
        says(&db, b, RAVI, None);
        run(&format!(
            "INSERT INTO messages (id, business_id, phone, direction, type, text, provider, status,
                                   created_at, updated_at)
             VALUES (100, {b}, '{ASHA}', 'in', 'text', 'late', 'simulator', 'received', 1, 1),
                    (50, {b}, '{ASHA}', 'in', 'text', 'between', 'simulator', 'received', 1, 1)"
        ));
        agree("stored out of order");
        run(&format!("DELETE FROM messages WHERE id = {}", asha[2]));
        agree("taken back from the middle");
        run(&format!(
            "UPDATE messages SET phone = '{RAVI}' WHERE id = {}",
            asha[3]
        ));
        agree("moved from the middle");
        run(&format!(
            "UPDATE messages SET direction = 'out' WHERE id = {}",
            asha[1]
        ));
        agree("turned around");
        let shown = |limit| {
            db.with_conn(|c| messages(c, b, ASHA, limit))
                .unwrap()
                .iter()
                .map(|m| m.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(shown(3), [asha[5], 50, 100]);
        assert_eq!(shown(50), [asha[0], asha[1], asha[4], asha[5], 50, 100]);
        assert!(shown(0).is_empty());
        // The newest read already, an older one not: reading the chat goes back to it.
        run("UPDATE messages SET seen = 1 WHERE id IN (50, 100)");
        db.with_conn(|c| mark_seen(c, b, ASHA)).unwrap();
        agree("read by staff");
        let unread: i64 = db
            .with_conn(|c| {
                Ok::<_, AppError>(c.query_row(
                    "SELECT COUNT(*) FROM messages WHERE phone = ?1 AND direction = 'in' AND seen = 0",
                    [ASHA],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(unread, 0);
        let ravi = db.with_conn(|c| messages(c, b, RAVI, 10)).unwrap();
        assert_eq!(ravi.len(), 2);
    }

    /// Webhooks and replies name the message before theirs in the row they insert, so no row
    /// is written twice for it (the trigger does that only for an insert that does not), and
    /// every conversation is still followed back through all its messages.
    #[test]
    fn a_message_stored_or_queued_is_written_once_with_the_one_before_it() {
        let (_dir, db) = crate::db::scratch();
        let b = crate::accounts::create_business(&db, "Shop", "shop")
            .unwrap()
            .id;
        let rewrites = db
            .with_tx(|tx| {
                tx.execute_batch(
                    "CREATE TEMP TABLE rewritten (id INTEGER);
                     CREATE TEMP TRIGGER rewrite AFTER UPDATE OF prev_id ON main.messages
                     BEGIN INSERT INTO rewritten VALUES (new.id); END;",
                )?;
                let webhook = |id: &str, phone: &str| {
                    let mut inbound = super::super::inbound::Inbound::text(b, phone, id, "hi");
                    inbound.from_phone = inbound.messages.clone();
                    inbound.from_phone[0].provider_id = format!("{id}-from-phone");
                    super::super::store::store_inbound(tx, &inbound).map(|_| ())
                };
                webhook("wamid.1", ASHA)?;
                outbox::enqueue(tx, b, ASHA, &Content::text("ok"), "simulator")?;
                webhook("wamid.2", ASHA)?;
                webhook("wamid.3", RAVI)?;
                outbox::enqueue(tx, b, "120363@g.us", &Content::text("group"), "simulator")?;
                outbox::enqueue(tx, b, RAVI, &Content::text("ok"), "simulator")?;
                let by_webhooks_and_replies: i64 =
                    tx.query_row("SELECT COUNT(*) FROM rewritten", [], |r| r.get(0))?;
                // An insert that does not name it is still chained by the trigger.
                tx.execute(
                    "INSERT INTO messages (business_id, phone, direction, type, text, provider,
                                           status, created_at, updated_at)
                     VALUES (?1, ?2, 'in', 'text', 'hello', 'simulator', 'received', 1, 1)",
                    params![b, ASHA],
                )?;
                let by_plain_insert: i64 =
                    tx.query_row("SELECT COUNT(*) FROM rewritten", [], |r| r.get(0))?;
                tx.execute_batch("DROP TRIGGER temp.rewrite; DROP TABLE temp.rewritten;")?;
                Ok::<_, AppError>((by_webhooks_and_replies, by_plain_insert))
            })
            .unwrap();
        assert_eq!(rewrites, (0, 1));
        agree(&db, "webhooks, replies, a group's reply and a plain insert");
        let (followed, _) = chains(&db);
        // Ravi (sorting first): in, from the shop's phone, the reply; Asha: twice in and from
        // the phone, the reply and the plain insert.
        assert_eq!(followed.iter().map(Vec::len).collect::<Vec<_>>(), [3, 6]);
    }

    /// A book from before V37 follows each conversation back through every message.
    #[test]
    fn an_upgraded_book_chains_its_conversations() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::as_of(dir.path(), 36);
        db.with_conn(|c| {
            Ok::<_, AppError>(c.execute_batch(
                "INSERT INTO businesses (id, short_code, name, created_at) VALUES (1, 'one', 'One', 1);
                 INSERT INTO businesses (id, short_code, name, created_at) VALUES (2, 'two', 'Two', 1);",
            )?)
        })
        .unwrap();
        for (business, phone) in [(1, ASHA), (1, RAVI), (2, ASHA), (1, ASHA), (1, ASHA)] {
            says(&db, business, phone, None);
        }
        says(&db, 1, ASHA, Some("120363@g.us"));
        db.upgrade_with("V37__conversation_chains");
        let (followed, by_id) = chains(&db);
        assert_eq!(followed, by_id);
        // By business, then number (RAVI sorts first).
        assert_eq!(followed, [vec![2], vec![5, 4, 1], vec![3]]);
    }

    /// A book from before V33 starts with its conversations counted.
    #[test]
    fn an_upgraded_book_keeps_its_conversations() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::as_of(dir.path(), 32);
        db.with_conn(|c| {
            Ok::<_, AppError>(c.execute_batch(
                "INSERT INTO businesses (id, short_code, name, created_at) VALUES (1, 'one', 'One', 1);",
            )?)
        })
        .unwrap();
        for phone in [ASHA, RAVI, ASHA] {
            says(&db, 1, phone, None);
        }
        says(&db, 1, RAVI, Some("120363@g.us"));
        db.with_conn(|c| {
            Ok::<_, AppError>(c.execute("UPDATE messages SET seen = 1 WHERE id = 1", [])?)
        })
        .unwrap();
        db.upgrade_with("V33__chats_kept");
        let (kept, counted) = chats(&db);
        assert_eq!(kept, counted);
        assert_eq!(
            kept,
            [(1, RAVI.to_owned(), 2, 1), (1, ASHA.to_owned(), 3, 1)]
        );
    }

    /// The Chats page reads the kept conversations by their index, and opening a chat marks
    /// that conversation's messages alone: neither reads every message.
    #[test]
    fn the_list_and_marking_read_by_index() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let plan = |sql: &str, args: &[&dyn rusqlite::ToSql]| {
            db.with_conn(|c| Ok::<_, AppError>(crate::db::query_plan(c, sql, args)))
                .unwrap()
        };
        let list = plan(LIST, params![1, 2]);
        assert!(
            list.contains("chats_newest") && !list.contains("SCAN"),
            "{list}"
        );
        // The chain is followed by primary keys: no message is found by scanning.
        for (sql, n) in [(MARK_SEEN, 2), (THREAD, 3)] {
            let args: [&dyn rusqlite::ToSql; 3] = [&1, &"2", &50];
            let steps = plan(sql, &args[..n]);
            assert!(
                !steps.contains("SCAN m") && !steps.contains("SCAN messages"),
                "{sql}\n{steps}"
            );
        }
    }
}
