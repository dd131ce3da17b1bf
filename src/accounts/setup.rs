//! The `setup_tokens` table: the one-time link that lets the first owner in, and the one-time
//! link for one user to choose a password (a new business's first owner, a password reset).

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::now;
use crate::error::AppResult;
use crate::secret;

/// Replaces any unused link with a new one and returns its token. Each start of an empty
/// install prints a fresh link, so an old one seen in a log is worthless.
pub fn issue(conn: &Connection) -> AppResult<String> {
    let token = secret::new_token();
    conn.execute(
        "DELETE FROM setup_tokens WHERE used_at IS NULL AND user_id IS NULL",
        [],
    )?;
    conn.execute(
        "INSERT INTO setup_tokens (token_hash, created_at) VALUES (?1, ?2)",
        params![secret::hash(&token), now()],
    )?;
    Ok(token)
}

/// True when `token` is a link that has not been used.
pub fn is_open(conn: &Connection, token: &str) -> AppResult<bool> {
    let found = conn
        .query_row(
            "SELECT 1 FROM setup_tokens WHERE token_hash = ?1 AND used_at IS NULL AND user_id IS NULL",
            [secret::hash(token)],
            |_| Ok(()),
        )
        .optional()?;
    Ok(found.is_some())
}

/// Marks the link used; false when it was not open (already used, or never issued) or is
/// for something else than `link`. Call it inside the transaction that creates the owner (or
/// sets the password) so two racing submissions cannot both win.
pub fn consume(conn: &Connection, token: &str, link: Link) -> AppResult<bool> {
    let user = match link {
        Link::FirstRun => None,
        Link::User(id) => Some(id),
    };
    let changed = conn.execute(
        "UPDATE setup_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL
           AND user_id IS ?3 AND (user_id IS NULL OR created_at > ?4)",
        params![secret::hash(token), now(), user, now() - USER_LINK_SECS],
    )?;
    Ok(changed == 1)
}

/// How long a user's link works: long enough to pass on by message, short enough that an old
/// one found later is worthless.
pub const USER_LINK_SECS: i64 = 7 * 24 * 3600;

/// Replaces `user_id`'s unused links with a new one and returns its token.
pub fn issue_for_user(conn: &Connection, user_id: i64) -> AppResult<String> {
    let token = secret::new_token();
    conn.execute(
        "DELETE FROM setup_tokens WHERE used_at IS NULL AND user_id = ?1",
        [user_id],
    )?;
    conn.execute(
        "INSERT INTO setup_tokens (token_hash, created_at, user_id) VALUES (?1, ?2, ?3)",
        params![secret::hash(&token), now(), user_id],
    )?;
    Ok(token)
}

/// What an open link is for: the install's first run, or one user's password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    FirstRun,
    User(i64),
}

/// What an unused, unexpired `token` is for; `None` when it is used, expired or unknown.
pub fn open_link(conn: &Connection, token: &str) -> AppResult<Option<Link>> {
    let found: Option<Option<i64>> = conn
        .query_row(
            "SELECT user_id FROM setup_tokens WHERE token_hash = ?1 AND used_at IS NULL
               AND (user_id IS NULL OR created_at > ?2)",
            params![secret::hash(token), now() - USER_LINK_SECS],
            |r| r.get(0),
        )
        .optional()?;
    Ok(found.map(|u| u.map_or(Link::FirstRun, Link::User)))
}
