//! What the platform console does to businesses and people: a business made with its first
//! owner and a one-time link for them, a business edited, deactivated and reactivated, a
//! password reset by a new link. The same checks as the CLI (`accounts::create_business`).

use super::businesses::{self, Business, Profile};
use super::setup::{self, Link};
use super::users::{self, Membership, User};
use super::{parse_name, parse_short_code, parse_username, password, Role};
use crate::audit::{self, Actor};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::secret;

/// A new business, its first owner, and the token of the owner's one-time link.
pub struct Created {
    pub business: Business,
    pub owner: User,
    pub token: String,
}

/// A password nobody knows, for an account whose owner has yet to choose one by their link.
fn unknown_password() -> AppResult<String> {
    password::hash(&secret::new_token())
}

/// Creates a business and its owner in one transaction; the owner chooses a password by the
/// returned link. Bad input changes nothing.
pub fn create_business_with_owner(
    db: &Db,
    who: &Actor,
    name: &str,
    short_code: &str,
    owner: &str,
) -> AppResult<Created> {
    let name = parse_name(name, "business name")?;
    let code = parse_short_code(short_code)?;
    let username = parse_username(owner)?;
    let hash = unknown_password()?;
    db.with_tx(|tx| {
        let business = businesses::insert(tx, &name, &code)?;
        let m = Membership::Staff {
            business_id: business.id,
            role: Role::Owner,
        };
        let owner = users::insert(tx, &username, &hash, m)?;
        let token = setup::issue_for_user(tx, owner.id)?;
        let what = format!(
            "created \"{}\" ({}) with owner {}",
            business.name, business.short_code, owner.username
        );
        audit::record(tx, who, Some(business.id), audit::BUSINESS, &what)?;
        Ok(Created {
            business,
            owner,
            token,
        })
    })
}

/// Renames a business and sets its address and phone; the rest of its profile is the owner's.
pub fn edit_business(
    db: &Db,
    who: &Actor,
    id: i64,
    (name, address, phone): (&str, &str, &str),
) -> AppResult<Business> {
    let name = parse_name(name, "business name")?;
    if address.chars().count() > 500 || phone.chars().count() > 40 {
        return Err(AppError::Invalid(
            "address must be at most 500 characters and phone at most 40".into(),
        ));
    }
    db.with_tx(|tx| {
        let b = businesses::by_id(tx, id)?.ok_or(AppError::NotFound)?;
        let p = Profile {
            name,
            address: address.trim().to_owned(),
            phone: phone.trim().to_owned(),
            currency: b.currency.clone(),
            delivery_fee_minor: b.delivery_fee_minor,
        };
        businesses::update_profile(tx, id, &p)?;
        let what = audit::changes(&[
            ("name", &b.name, &p.name),
            ("address", &b.address, &p.address),
            ("phone", &b.phone, &p.phone),
        ]);
        if !what.is_empty() {
            audit::record(tx, who, Some(id), audit::BUSINESS, &what)?;
        }
        businesses::by_id(tx, id)?.ok_or(AppError::NotFound)
    })
}

/// Deactivates or reactivates a business. Deactivating also ends its staff's sessions, so
/// nobody keeps working in a stopped shop.
pub fn set_business_active(db: &Db, who: &Actor, id: i64, active: bool) -> AppResult<Business> {
    db.with_tx(|tx| {
        let b = businesses::by_id(tx, id)?.ok_or(AppError::NotFound)?;
        businesses::set_deactivated(tx, id, !active)?;
        if b.active() != active {
            let what = if active { "reactivated" } else { "deactivated" };
            audit::record(tx, who, Some(id), audit::BUSINESS, what)?;
        }
        if !active {
            for u in users::list(tx, Some(id))? {
                super::sessions::delete_for_user(tx, u.id)?;
            }
        }
        businesses::by_id(tx, id)?.ok_or(AppError::NotFound)
    })
}

/// Resets a user's password: the old one stops working, their sessions end, and the returned
/// token is the one-time link to choose a new one.
pub fn reset_password(db: &Db, who: &Actor, user_id: i64) -> AppResult<(User, String)> {
    let hash = unknown_password()?;
    db.with_tx(|tx| {
        let user = users::by_id(tx, user_id)?.ok_or(AppError::NotFound)?;
        users::set_password(tx, user.id, &hash)?;
        let token = setup::issue_for_user(tx, user.id)?;
        let what = format!(
            "reset the password of {} (new one-time link)",
            user.username
        );
        audit::record(tx, who, user.business_id, audit::USER, &what)?;
        Ok((user, token))
    })
}

/// Sets the password of the user a one-time link is for, using the link up in the same
/// transaction. `None` when the link is not open.
pub fn choose_password(db: &Db, addr: &str, token: &str, pass: &str) -> AppResult<Option<User>> {
    // The username is known from the link: a password may not be it, here as anywhere.
    let named = db.with_conn(|c| match setup::open_link(c, token)? {
        Some(Link::User(id)) => users::by_id(c, id),
        _ => Ok(None),
    })?;
    match &named {
        Some(u) => password::check_for(&u.username, pass)?,
        None => password::check_strength(pass)?,
    }
    let hash = password::hash(pass)?;
    db.with_tx(|tx| {
        let Some(Link::User(id)) = setup::open_link(tx, token)? else {
            return Ok(None);
        };
        if !setup::consume(tx, token, Link::User(id))? {
            return Ok(None);
        }
        users::set_password(tx, id, &hash)?;
        let user = users::by_id(tx, id)?.ok_or(AppError::NotFound)?;
        let who = Actor::new(user.username.clone(), addr);
        let what = "chose a password by a one-time link";
        audit::record(tx, &who, user.business_id, audit::USER, what)?;
        Ok(Some(user))
    })
}

/// Disables or enables a user from the console, as `accounts::set_disabled` does (a
/// business keeps an active owner), recorded.
pub fn set_user_disabled(db: &Db, who: &Actor, user_id: i64, disabled: bool) -> AppResult<User> {
    let user = super::set_disabled(db, user_id, disabled)?;
    let verb = if disabled { "disabled" } else { "enabled" };
    let what = format!("{verb} {}", user.username);
    db.with_tx(|tx| audit::record(tx, who, user.business_id, audit::USER, &what))?;
    Ok(user)
}
