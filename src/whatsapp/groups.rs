//! WhatsApp groups (through a gateway) mapped to a role: `sales` (staff post orders there),
//! `delivery` (gets orders ready to go), `admin`.

use rusqlite::{params, Connection};

use crate::error::{AppError, AppResult};

pub const ROLES: [&str; 3] = ["sales", "delivery", "admin"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub chat_id: String,
    pub name: String,
    pub role: String,
}

pub fn list(conn: &Connection, business_id: i64) -> AppResult<Vec<Group>> {
    let mut stmt = conn.prepare("SELECT chat_id, name, role FROM whatsapp_groups WHERE business_id = ?1 ORDER BY role, name")?;
    let rows = stmt.query_map([business_id], |r| {
        Ok(Group {
            chat_id: r.get(0)?,
            name: r.get(1)?,
            role: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Groups messages came from that are not mapped yet, so the owner can pick them.
pub fn unmapped(conn: &Connection, business_id: i64) -> AppResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(UNMAPPED)?;
    let rows = stmt.query_map([business_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What [`unmapped`] runs: group messages alone, from `messages_groups`, never the shop's
/// every message.
const UNMAPPED: &str = "SELECT DISTINCT group_id FROM messages
     WHERE business_id = ?1 AND group_id IS NOT NULL
       AND group_id NOT IN (SELECT chat_id FROM whatsapp_groups WHERE business_id = ?1) LIMIT 50";

pub fn role_of(conn: &Connection, business_id: i64, chat_id: &str) -> AppResult<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT role FROM whatsapp_groups WHERE business_id = ?1 AND chat_id = ?2",
            params![business_id, chat_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Maps a group (or changes its mapping).
pub fn map(conn: &Connection, business_id: i64, g: &Group) -> AppResult<()> {
    if !g.chat_id.trim().ends_with("@g.us") {
        return Err(AppError::Invalid(
            "a group's chat id ends with @g.us".into(),
        ));
    }
    if !ROLES.contains(&g.role.as_str()) {
        return Err(AppError::Invalid(
            "a group's role is sales, delivery or admin".into(),
        ));
    }
    conn.execute(
        "INSERT INTO whatsapp_groups (business_id, chat_id, name, role) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (business_id, chat_id) DO UPDATE SET name = excluded.name, role = excluded.role",
        params![business_id, g.chat_id.trim(), g.name.trim(), g.role],
    )?;
    Ok(())
}

pub fn unmap(conn: &Connection, business_id: i64, chat_id: &str) -> AppResult<()> {
    conn.execute(
        "DELETE FROM whatsapp_groups WHERE business_id = ?1 AND chat_id = ?2",
        params![business_id, chat_id],
    )?;
    Ok(())
}

/// The chat ids of the business's groups that have `role`.
pub fn chats_with_role(conn: &Connection, business_id: i64, role: &str) -> AppResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT chat_id FROM whatsapp_groups WHERE business_id = ?1 AND role = ?2",
    )?;
    let rows = stmt.query_map(params![business_id, role], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn unmapped_groups_are_found_from_group_messages_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(dir.path()).unwrap();
        let plan = db
            .with_conn(|c| {
                let plan = crate::db::query_plan(c, super::UNMAPPED, [1]);
                Ok::<_, crate::error::AppError>(plan)
            })
            .unwrap();
        assert!(plan.contains("messages_groups"), "{plan}");
    }
}
