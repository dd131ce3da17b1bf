//! The audit log (the `audit_log` table): who did what, when, from which address, and what
//! changed. One way in, `record`, for every part of Novi that changes something worth
//! answering for; secrets are never written, only that one changed (`SECRET_CHANGED`).

use rusqlite::{params, Connection, Row};

use crate::db::now;
use crate::error::AppResult;

/// Logged in.
pub const LOGIN: &str = "login";
/// A login refused (wrong password, disabled account, deactivated business, rate limit).
pub const LOGIN_FAILED: &str = "login failed";
/// The business's settings (profile, messages).
pub const SETTINGS: &str = "settings";
/// WhatsApp settings, linking and groups.
pub const WHATSAPP: &str = "whatsapp";
/// A person added, disabled, enabled, given a role or a new password.
pub const USER: &str = "user";
/// Orders, products or a whole business taken out of Novi.
pub const EXPORT: &str = "export";
/// A business created, edited, deactivated or reactivated.
pub const BUSINESS: &str = "business";
/// Money given back on an order.
pub const REFUND: &str = "refund";

/// What an entry says in place of a secret's value.
pub const SECRET_CHANGED: &str = "(secret changed, not shown)";

/// Who acted, and from which address ("" when there is none, as at the shell).
#[derive(Debug, Clone)]
pub struct Actor {
    pub username: String,
    pub address: String,
}

impl Actor {
    /// Whoever runs a `novi` command: the system user, with no address.
    /// Whoever runs the command: `$USER`, else `$LOGNAME`, else (cron and systemd set
    /// neither) the user id the process runs as.
    pub fn shell() -> Self {
        let user = ["USER", "LOGNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
            .or_else(uid)
            .unwrap_or_else(|| "unknown".to_owned());
        Self::new(format!("shell ({user})"), "")
    }

    pub fn new(username: impl Into<String>, address: impl ToString) -> Self {
        Self {
            username: username.into(),
            address: address.to_string(),
        }
    }
}

/// One entry as the log pages show it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub at: i64,
    pub business_id: Option<i64>,
    pub username: String,
    pub address: String,
    pub action: String,
    pub detail: String,
}

/// Writes one entry, in the caller's transaction so it stands or falls with the change it
/// describes. `detail` says what changed in words; never put a secret's value in it.
pub fn record(
    conn: &Connection,
    who: &Actor,
    business_id: Option<i64>,
    action: &str,
    detail: &str,
) -> AppResult<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, business_id, username, address, action, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        now(),
        business_id,
        who.username,
        who.address,
        action,
        detail
    ])?;
    Ok(())
}

/// "uid 0", read from the process's status (no system-call crate needed for one number).
fn uid() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    let real = line.split_whitespace().nth(1)?;
    Some(format!("uid {real}"))
}

/// `field: "old" → "new"` for each field that differs, joined by "; " ("" when none does).
pub fn changes(fields: &[(&str, &str, &str)]) -> String {
    fields
        .iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old, new)| format!("{field}: \"{old}\" → \"{new}\""))
        .collect::<Vec<_>>()
        .join("; ")
}

fn from_row(r: &Row) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: r.get(0)?,
        at: r.get(1)?,
        business_id: r.get(2)?,
        username: r.get(3)?,
        address: r.get(4)?,
        action: r.get(5)?,
        detail: r.get(6)?,
    })
}

/// Newest first: one business's entries (`Some`), or everyone's, older than entry `before`
/// when given (keyset paging), at most `limit`.
pub fn list(
    conn: &Connection,
    business_id: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Vec<Entry>> {
    let cols = "id, at, business_id, username, address, action, detail";
    let before = before.unwrap_or(i64::MAX);
    let rows = match business_id {
        Some(b) => conn
            .prepare_cached(&format!(
                "SELECT {cols} FROM audit_log WHERE business_id = ?1 AND id < ?2
                 ORDER BY id DESC LIMIT ?3"
            ))?
            .query_map(params![b, before, limit], from_row)?
            .collect::<Result<_, _>>()?,
        None => conn
            .prepare_cached(&format!(
                "SELECT {cols} FROM audit_log WHERE id < ?1 ORDER BY id DESC LIMIT ?2"
            ))?
            .query_map(params![before, limit], from_row)?
            .collect::<Result<_, _>>()?,
    };
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_only_what_differs() {
        let d = changes(&[("name", "A", "B"), ("phone", "1", "1")]);
        assert_eq!(d, "name: \"A\" → \"B\"");
        assert_eq!(changes(&[("x", "same", "same")]), "");
    }
}
