//! The `users` table: the people who log in, their business, role and whether they may.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::accounts::Role;
use crate::db::{is_unique_violation, now};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub business_id: Option<i64>,
    pub role: Option<Role>,
    pub platform_admin: bool,
    pub disabled: bool,
}

/// A user with their password hash: only for checking a login.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

const COLUMNS: &str = "id, username, business_id, role, platform_admin, disabled";

/// [`COLUMNS`] of a `users` table named `u`, for queries that join it.
pub(super) const COLUMNS_OF_U: &str =
    "u.id, u.username, u.business_id, u.role, u.platform_admin, u.disabled";

pub(super) fn from_row(row: &Row) -> rusqlite::Result<User> {
    let role: Option<String> = row.get(3)?;
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        business_id: row.get(2)?,
        role: role.and_then(|r| r.parse().ok()),
        platform_admin: row.get(4)?,
        disabled: row.get(5)?,
    })
}

/// Who a new user is: a member of one business with a role, or a platform admin.
pub enum Membership {
    Staff { business_id: i64, role: Role },
    PlatformAdmin,
}

pub fn insert(
    conn: &Connection,
    username: &str,
    password_hash: &str,
    membership: Membership,
) -> AppResult<User> {
    let (business_id, role, admin) = match membership {
        Membership::Staff { business_id, role } => (Some(business_id), Some(role.as_str()), false),
        Membership::PlatformAdmin => (None, None, true),
    };
    let result = conn.execute(
        "INSERT INTO users (username, password_hash, business_id, role, platform_admin, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![username, password_hash, business_id, role, admin, now()],
    );
    match result {
        Ok(_) => by_id(conn, conn.last_insert_rowid())?.ok_or(AppError::NotFound),
        // Usernames are unique across the server, but an owner adding staff must not learn
        // who else exists: the refusal is the same for a name used in this shop, in another
        // one, or by a platform admin.
        Err(e) if is_unique_violation(&e) => Err(AppError::Conflict(format!(
            "username \"{username}\" cannot be used; choose a different username"
        ))),
        Err(e) => Err(e.into()),
    }
}

pub fn by_id(conn: &Connection, id: i64) -> AppResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = ?1");
    Ok(conn.query_row(&sql, [id], from_row).optional()?)
}

pub fn by_username(conn: &Connection, username: &str) -> AppResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = ?1");
    Ok(conn.query_row(&sql, [username], from_row).optional()?)
}

/// Like `by_username`, but a missing user is an error that names them: for the CLI.
pub fn require(conn: &Connection, username: &str) -> AppResult<User> {
    by_username(conn, username)?
        .ok_or_else(|| AppError::Invalid(format!("no user named \"{username}\"")))
}

pub fn credentials(conn: &Connection, username: &str) -> AppResult<Option<Credentials>> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE username = ?1");
    let found = conn
        .query_row(&sql, [username], |row| {
            Ok(Credentials {
                user: from_row(row)?,
                password_hash: row.get(6)?,
            })
        })
        .optional()?;
    Ok(found)
}

/// Users of one business, or all users when `business_id` is `None`.
pub fn list(conn: &Connection, business_id: Option<i64>) -> AppResult<Vec<User>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE ?1 IS NULL OR business_id = ?1 ORDER BY username"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([business_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn count(conn: &Connection) -> AppResult<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
}

/// Active owners of a business: a business must never be left without one.
pub fn active_owner_count(conn: &Connection, business_id: i64) -> AppResult<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM users WHERE business_id = ?1 AND role = 'owner' AND disabled = 0",
        [business_id],
        |r| r.get(0),
    )?)
}

/// Setting a password also ends the user's sessions: whoever knew the old one is out.
pub fn set_password(conn: &Connection, id: i64, password_hash: &str) -> AppResult<()> {
    conn.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![id, password_hash],
    )?;
    super::sessions::delete_for_user(conn, id)
}

pub fn set_role(conn: &Connection, id: i64, role: Role) -> AppResult<()> {
    conn.execute(
        "UPDATE users SET role = ?2 WHERE id = ?1 AND platform_admin = 0",
        params![id, role.as_str()],
    )?;
    Ok(())
}

/// Disabling also ends every session the user has, so they are out at once.
pub fn set_disabled(conn: &Connection, id: i64, disabled: bool) -> AppResult<()> {
    conn.execute(
        "UPDATE users SET disabled = ?2 WHERE id = ?1",
        params![id, disabled],
    )?;
    if disabled {
        super::sessions::delete_for_user(conn, id)?;
    }
    Ok(())
}

/// A user as the platform console lists them, with their business's short code.
#[derive(Debug, Clone)]
pub struct Listed {
    pub user: User,
    pub business_code: Option<String>,
}

/// Users across every business whose username or business code contains `q` (all when
/// empty), by username, at most `limit`.
pub fn search(conn: &Connection, q: &str, limit: i64) -> AppResult<Vec<Listed>> {
    let like = crate::db::like_containing(q.trim());
    let sql = "SELECT u.id, u.username, u.business_id, u.role, u.platform_admin, u.disabled,
                      b.short_code
               FROM users u LEFT JOIN businesses b ON b.id = u.business_id
               WHERE u.username LIKE ?1 ESCAPE '\\' OR b.short_code LIKE ?1 ESCAPE '\\'
               ORDER BY u.username LIMIT ?2";
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params![like, limit], |r| {
        Ok(Listed {
            user: from_row(r)?,
            business_code: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
