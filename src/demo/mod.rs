//! Demo data for `novi serve --demo`: the sweet shop's catalog, built into the binary so the
//! demo works on a fresh machine with nothing else installed; and `novi demo fill`, which fills
//! a shop with years of orders (`fill`) and tops its catalog up to many products (`stock_up`).

pub mod assortment;
mod calendar;
pub mod fill;
mod menu;
mod money;
mod people;

use rusqlite::Connection;

use crate::accounts::businesses::{self, Profile};
use crate::accounts::users::{self, Membership};
use crate::accounts::{parse_short_code, password, Role};
use crate::catalog::{csv, import};
use crate::db::Db;
use crate::error::{AppError, AppResult};

pub const DEMO_CODE: &str = "demo";
pub const DEMO_USERNAME: &str = "owner";
pub const DEMO_PASSWORD: &str = "novi-demo";

/// The demo shop's catalog, in the catalog file format.
pub const CATALOG: &str = include_str!("catalog.csv");

/// Imports the demo catalog into a business, inside the caller's transaction.
pub fn import_catalog(conn: &Connection, business_id: i64) -> AppResult<()> {
    // The file is part of the binary and tested, so a parse failure is our bug, not the user's.
    let rows = csv::parse_catalog(CATALOG.as_bytes()).map_err(AppError::internal)?;
    import::import(conn, business_id, &rows, "demo")?;
    Ok(())
}

/// The demo shop: made once, reused after. Returns true when it was made now.
pub fn ensure_demo(db: &Db) -> AppResult<bool> {
    refuse_real_shops(db)?;
    if db
        .with_conn(|c| businesses::by_code(c, DEMO_CODE))?
        .is_some()
    {
        return Ok(false);
    }
    create(db)
}

/// Refuses a data directory with any business but the demo: the demo's well-known login must
/// never open a door among real shops.
pub fn refuse_real_shops(db: &Db) -> AppResult<()> {
    let others: Vec<String> = db
        .with_conn(businesses::list)?
        .into_iter()
        .map(|b| b.short_code)
        .filter(|code| code != DEMO_CODE)
        .collect();
    if !others.is_empty() {
        return Err(AppError::Conflict(format!(
            "the demo shop needs a data directory of its own, and this one has other \
             businesses ({}); use another --data-dir for the demo, or fill one of those with \
             --business",
            others.join(", ")
        )));
    }
    Ok(())
}

fn create(db: &Db) -> AppResult<bool> {
    let hash = password::hash(DEMO_PASSWORD)?;
    db.with_tx(|tx| {
        let business = new_shop(tx, "Novi Sweets (demo)", DEMO_CODE)?;
        let owner = Membership::Staff {
            business_id: business.id,
            role: Role::Owner,
        };
        users::insert(tx, DEMO_USERNAME, &hash, owner)?;
        Ok(true)
    })
}

/// A sweet shop with the demo's profile and catalog, and no one to log in yet.
fn new_shop(tx: &Connection, name: &str, code: &str) -> AppResult<businesses::Business> {
    let business = businesses::insert(tx, name, code)?;
    let profile = Profile {
        name: business.name.clone(),
        address: "12 MG Road, Bengaluru".into(),
        phone: "919800000001".into(),
        currency: "INR".into(),
        delivery_fee_minor: 4_000,
    };
    businesses::update_profile(tx, business.id, &profile)?;
    import_catalog(tx, business.id)?;
    businesses::by_id(tx, business.id)?.ok_or(AppError::NotFound)
}

/// What `stock_up` did: the shop, whether it was made now, and how many products it added.
#[derive(Debug)]
pub struct StockedUp {
    pub business: businesses::Business,
    pub created: bool,
    pub added: usize,
    pub products: usize,
}

/// Tops business `code`'s catalog (made first, as `fill` makes it, when there is none) up to
/// `n` products with [generated](assortment::products) ones, in one transaction; a shop with
/// `n` or more already is left as it is.
pub fn stock_up(db: &Db, code: &str, n: u64, seed: u64) -> AppResult<StockedUp> {
    if !(1..=assortment::MAX_PRODUCTS).contains(&n) {
        return Err(AppError::Invalid(format!(
            "--products must be from 1 to {}",
            assortment::MAX_PRODUCTS
        )));
    }
    let (business, created) = shop_for_fill(db, code)?;
    let id = business.id;
    let (added, products) = db.with_tx(|tx| {
        let have: std::collections::HashSet<String> = import::export(tx, id)?
            .into_iter()
            .map(|r| r.sku.as_str().to_owned())
            .collect();
        let missing = (n as usize).saturating_sub(have.len());
        // Drawn from more than is missing, as some generated SKUs may be the shop's already.
        let rows: Vec<_> = assortment::products(assortment::MAX_PRODUCTS as usize, seed)
            .into_iter()
            .filter(|r| !have.contains(r.sku.as_str()))
            .take(missing)
            .collect();
        import::import(tx, id, &rows, "demo")?;
        Ok::<_, AppError>((rows.len(), have.len() + rows.len()))
    })?;
    Ok(StockedUp {
        business,
        created,
        added,
        products,
    })
}

/// The business `novi demo fill` fills, and whether it was made now: `demo` is made as
/// `--demo` makes it (with its login, and only in a directory of its own); any other code as a
/// shop with the demo's catalog and no login, to which `novi user add` adds people.
fn shop_for_fill(db: &Db, code: &str) -> AppResult<(businesses::Business, bool)> {
    let code = parse_short_code(code)?;
    if let Some(b) = db.with_conn(|c| businesses::by_code(c, &code))? {
        return Ok((b, false));
    }
    if code == DEMO_CODE {
        ensure_demo(db)?;
    } else {
        db.with_tx(|tx| new_shop(tx, &format!("Novi Sweets ({code})"), &code))?;
    }
    Ok((db.with_conn(|c| businesses::require(c, &code))?, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalog_parses() {
        let rows = crate::catalog::csv::parse_catalog(super::CATALOG.as_bytes()).unwrap();
        assert_eq!(rows.len(), 18);
    }

    #[test]
    fn demo_is_made_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        assert!(ensure_demo(&db).unwrap());
        assert!(!ensure_demo(&db).unwrap());
        assert_eq!(db.with_conn(businesses::list).unwrap().len(), 1);
    }

    #[test]
    fn a_directory_with_real_shops_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        db.with_tx(|tx| businesses::insert(tx, "Sharma Sweets", "sharma"))
            .unwrap();
        let err = ensure_demo(&db).unwrap_err().to_string();
        assert!(err.contains("(sharma)"), "{err}");
        assert!(db
            .with_conn(|c| businesses::by_code(c, DEMO_CODE))
            .unwrap()
            .is_none());
    }
}
