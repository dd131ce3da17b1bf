//! Businesses and their people: the rules for names, codes and passwords, and the operations
//! the CLI and the web UI share (so both refuse the same bad input the same way).

pub mod businesses;
pub mod console;
pub mod password;
pub mod ratelimit;
mod role;
pub mod sessions;
pub mod setup;
pub mod tokens;
pub mod users;

pub use role::Role;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use businesses::Business;
use users::{Membership, User};

/// A business short code: it appears in URLs and webhook addresses, so it is kept to
/// lowercase letters, digits and dashes.
pub fn parse_short_code(input: &str) -> AppResult<String> {
    let code = input.trim().to_ascii_lowercase();
    let ok_chars = code
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !(2..=32).contains(&code.len()) || !ok_chars || code.starts_with('-') || code.ends_with('-')
    {
        return Err(AppError::Invalid(format!(
            "short code \"{}\" must be 2-32 letters, digits or dashes, not starting or ending with a dash",
            input.trim()
        )));
    }
    Ok(code)
}

pub fn parse_name(input: &str, what: &str) -> AppResult<String> {
    let name = input.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Invalid(format!(
            "{what} must be 1-100 characters"
        )));
    }
    // A line break or other control character splits the name over lines in every list and
    // log it is printed in.
    if name.chars().any(char::is_control) {
        return Err(AppError::Invalid(format!(
            "{what} cannot hold a line break or other control character"
        )));
    }
    Ok(name.to_owned())
}

pub fn parse_username(input: &str) -> AppResult<String> {
    let name = input.trim();
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !(2..=64).contains(&name.len()) || !ok_chars {
        return Err(AppError::Invalid(format!(
            "username \"{name}\" must be 2-64 letters, digits or . _ - @"
        )));
    }
    Ok(name.to_owned())
}

/// For tests: a new database in a directory of its own (kept while the directory is), with one
/// shop in it, and the shop's id.
#[cfg(test)]
pub(crate) fn test_shop() -> (tempfile::TempDir, Db, i64) {
    let dir = tempfile::tempdir().expect("a scratch directory");
    let db = Db::open(dir.path()).expect("a new database");
    let b = create_business(&db, "Shop", "shop").expect("a shop");
    (dir, db, b.id)
}

pub fn create_business(db: &Db, name: &str, short_code: &str) -> AppResult<Business> {
    let name = parse_name(name, "business name")?;
    let code = parse_short_code(short_code)?;
    db.with_tx(|tx| businesses::insert(tx, &name, &code))
}

/// Creates a user. The password is hashed before the write lock is taken.
pub fn create_user(db: &Db, username: &str, pass: &str, m: Membership) -> AppResult<User> {
    let username = parse_username(username)?;
    password::check_for(&username, pass)?;
    let hash = password::hash(pass)?;
    db.with_tx(|tx| users::insert(tx, &username, &hash, m))
}

pub fn change_password(db: &Db, user_id: i64, pass: &str) -> AppResult<()> {
    let user = db
        .with_conn(|c| users::by_id(c, user_id))?
        .ok_or(AppError::NotFound)?;
    password::check_for(&user.username, pass)?;
    let hash = password::hash(pass)?;
    db.with_tx(|tx| users::set_password(tx, user_id, &hash))
}

/// Refuses a change that would leave a business with no active owner.
fn keep_an_owner(tx: &rusqlite::Connection, user: &User) -> AppResult<()> {
    let (Some(business_id), Some(Role::Owner)) = (user.business_id, user.role) else {
        return Ok(());
    };
    if !user.disabled && users::active_owner_count(tx, business_id)? <= 1 {
        return Err(AppError::Conflict(format!(
            "{} is the business's only active owner; make someone else an owner first",
            user.username
        )));
    }
    Ok(())
}

/// Refuses to disable the last active platform admin: no one could then open the console.
fn keep_a_platform_admin(tx: &rusqlite::Connection, user: &User) -> AppResult<()> {
    if !user.platform_admin || user.disabled {
        return Ok(());
    }
    let active: i64 = tx.query_row(
        "SELECT COUNT(*) FROM users WHERE platform_admin = 1 AND disabled = 0",
        [],
        |r| r.get(0),
    )?;
    if active <= 1 {
        return Err(AppError::Conflict(format!(
            "{} is the only active platform admin; add another first \
             (novi user add --platform-admin)",
            user.username
        )));
    }
    Ok(())
}

pub fn set_disabled(db: &Db, user_id: i64, disabled: bool) -> AppResult<User> {
    db.with_tx(|tx| {
        let user = users::by_id(tx, user_id)?.ok_or(AppError::NotFound)?;
        if disabled {
            keep_an_owner(tx, &user)?;
            keep_a_platform_admin(tx, &user)?;
        }
        users::set_disabled(tx, user_id, disabled)?;
        users::by_id(tx, user_id)?.ok_or(AppError::NotFound)
    })
}

pub fn set_role(db: &Db, user_id: i64, role: Role) -> AppResult<User> {
    db.with_tx(|tx| {
        let user = users::by_id(tx, user_id)?.ok_or(AppError::NotFound)?;
        if role != Role::Owner {
            keep_an_owner(tx, &user)?;
        }
        users::set_role(tx, user_id, role)?;
        users::by_id(tx, user_id)?.ok_or(AppError::NotFound)
    })
}

/// What the first-run setup form collects.
pub struct SetupForm {
    pub business_name: String,
    pub short_code: String,
    pub username: String,
    pub password: String,
}

/// Creates the first business and its owner, using up the setup link in the same
/// transaction so the link works exactly once.
pub fn complete_setup(db: &Db, token: &str, f: &SetupForm) -> AppResult<User> {
    let name = parse_name(&f.business_name, "business name")?;
    let code = parse_short_code(&f.short_code)?;
    let username = parse_username(&f.username)?;
    password::check_for(&username, &f.password)?;
    let hash = password::hash(&f.password)?;
    db.with_tx(|tx| {
        if !setup::consume(tx, token, setup::Link::FirstRun)? {
            return Err(AppError::NotFound);
        }
        let business = businesses::insert(tx, &name, &code)?;
        let owner = Membership::Staff {
            business_id: business.id,
            role: Role::Owner,
        };
        users::insert(tx, &username, &hash, owner)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_codes() {
        assert_eq!(parse_short_code(" Sweet-Shop ").unwrap(), "sweet-shop");
        for bad in ["a", "-ab", "ab-", "a b", "ünï", &"x".repeat(33)] {
            assert!(parse_short_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(parse_username(" asha.k ").unwrap(), "asha.k");
        assert!(parse_username("a b").is_err());
        assert!(parse_username("x").is_err());
    }

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        (dir, db)
    }

    #[test]
    fn the_last_owner_cannot_be_disabled_or_demoted() {
        let (_dir, db) = db();
        let b = create_business(&db, "Shop", "shop").unwrap();
        let m = || Membership::Staff {
            business_id: b.id,
            role: Role::Owner,
        };
        let first = create_user(&db, "first", "first-owner-pw", m()).unwrap();
        assert!(matches!(
            set_disabled(&db, first.id, true),
            Err(AppError::Conflict(_))
        ));
        assert!(matches!(
            set_role(&db, first.id, Role::Agent),
            Err(AppError::Conflict(_))
        ));
        let second = create_user(&db, "second", "password2", m()).unwrap();
        assert!(set_role(&db, first.id, Role::Agent).is_ok());
        assert!(matches!(
            set_disabled(&db, second.id, true),
            Err(AppError::Conflict(_))
        ));
    }
}
