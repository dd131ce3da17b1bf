//! The `products` and `variants` tables: what a business sells, at what price, in which packs.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::db::{is_unique_violation, now};
use crate::domain::limits::{self, MAX_STOCK};
use crate::domain::{line_total, Money, Quantity, Sku, Unit};
use crate::error::{AppError, AppResult};

use super::alerts::Level;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Variant {
    pub id: i64,
    pub label: String,
    /// In the product's base unit (grams or pieces).
    pub amount: u32,
    /// Its own price for one of it, if it has one.
    pub price: Option<Money>,
    pub is_default: bool,
}

/// The longest product name, category, alias or pack label, in characters.
pub const MAX_TEXT: usize = 100;

/// A product's name, category, alias or pack label as every way in takes it (the form, the
/// catalog file): trimmed, at most [`MAX_TEXT`] characters, and with no control character (a
/// NUL or a line break in a name would reach the menu, the storefront, bills and exports).
/// `what` names it in the refusal; an empty one is refused only when `required`.
pub fn text(value: &str, what: &str, required: bool) -> Result<String, String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if v.chars().count() > MAX_TEXT {
        return Err(format!("{what} can be at most {MAX_TEXT} characters"));
    }
    if v.chars().any(char::is_control) {
        return Err(format!("{what} holds a control character or a line break"));
    }
    Ok(v.to_owned())
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub unit: Unit,
    /// Per kg (unit kg) or per piece (unit pc).
    pub price: Money,
    pub aliases: Vec<String>,
    pub image: Option<String>,
    pub image_type: Option<String>,
    pub active: bool,
    /// Grams or pieces left.
    pub stock: i64,
    pub low_stock: i64,
    pub variants: Vec<Variant>,
}

impl Product {
    /// A fingerprint of what the product form edits (not stock, which moves on every order):
    /// a form carries it, so a save from a page opened before someone else's save is known.
    pub fn edit_version(&self) -> String {
        let fields = format!(
            "{:?}",
            (
                &self.sku,
                &self.name,
                &self.category,
                self.unit,
                self.price,
                &self.aliases,
                self.active,
                self.low_stock,
                &self.variants
            )
        );
        crate::secret::fingerprint(&fields)
    }

    /// What one of `variant` costs: its own price, else the product's price for its amount.
    pub fn variant_price(&self, variant: &Variant) -> Option<Money> {
        match variant.price {
            Some(p) => Some(p),
            None => line_total(self.unit, self.price, Quantity::new(variant.amount).ok()?),
        }
    }

    pub fn variant(&self, label: &str) -> Option<&Variant> {
        let wanted = label.trim();
        self.variants
            .iter()
            .find(|v| v.label.eq_ignore_ascii_case(wanted))
    }

    pub fn is_low(&self) -> bool {
        self.stock <= self.low_stock
    }
}

/// The low-stock level a new product gets when none is given: a kilo of what is sold by
/// weight, ten of what is sold by the piece. Zero would never warn before running out.
pub const fn default_low_stock(unit: Unit) -> i64 {
    match unit {
        Unit::Kg => 1000,
        Unit::Pc => 10,
    }
}

/// A product as written by a form, an import or the API (stock is set separately, through
/// stock moves, so every change to it has a reason).
#[derive(Debug, Clone)]
pub struct ProductInput {
    pub sku: Sku,
    pub name: String,
    pub category: String,
    pub unit: Unit,
    pub price: Money,
    pub aliases: Vec<String>,
    pub active: bool,
    pub low_stock: i64,
    pub variants: Vec<VariantInput>,
}

#[derive(Debug, Clone)]
pub struct VariantInput {
    pub label: String,
    pub amount: u32,
    pub price: Option<Money>,
}

const COLUMNS: &str = "id, sku, name, category, unit, price_minor, aliases, image, image_type, \
                       active, stock, low_stock";

fn from_row(row: &Row) -> rusqlite::Result<Product> {
    let unit: String = row.get(4)?;
    let aliases: String = row.get(6)?;
    Ok(Product {
        id: row.get(0)?,
        sku: row.get(1)?,
        name: row.get(2)?,
        category: row.get(3)?,
        unit: unit.parse().unwrap_or(Unit::Pc),
        price: Money::from_minor(row.get(5)?),
        aliases: aliases
            .split('|')
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect(),
        image: row.get(7)?,
        image_type: row.get(8)?,
        active: row.get(9)?,
        stock: row.get(10)?,
        low_stock: row.get(11)?,
        variants: Vec::new(),
    })
}

fn load_variants(conn: &Connection, product: &mut Product) -> AppResult<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, label, amount, price_minor, is_default FROM variants
         WHERE product_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([product.id], |r| {
        Ok(Variant {
            id: r.get(0)?,
            label: r.get(1)?,
            amount: r.get(2)?,
            price: r.get::<_, Option<i64>>(3)?.map(Money::from_minor),
            is_default: r.get(4)?,
        })
    })?;
    product.variants = rows.collect::<Result<_, _>>()?;
    Ok(())
}

fn query(
    conn: &Connection,
    where_sql: &str,
    args: impl rusqlite::Params,
) -> AppResult<Vec<Product>> {
    let sql = format!("SELECT {COLUMNS} FROM products WHERE {where_sql}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut found: Vec<Product> = stmt.query_map(args, from_row)?.collect::<Result<_, _>>()?;
    for p in &mut found {
        load_variants(conn, p)?;
    }
    Ok(found)
}

pub fn by_sku(conn: &Connection, business_id: i64, sku: &str) -> AppResult<Option<Product>> {
    let found = query(
        conn,
        "business_id = ?1 AND sku = ?2",
        params![business_id, sku],
    )?;
    Ok(found.into_iter().next())
}

pub fn by_id(conn: &Connection, business_id: i64, id: i64) -> AppResult<Option<Product>> {
    let found = query(
        conn,
        "business_id = ?1 AND id = ?2",
        params![business_id, id],
    )?;
    Ok(found.into_iter().next())
}

/// Narrows a product list; empty fields do not filter.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Matches sku, name or aliases.
    pub q: String,
    pub category: String,
    pub active_only: bool,
}

/// Every product on sale, as customers may order them.
pub fn on_sale(conn: &Connection, business_id: i64) -> AppResult<Vec<Product>> {
    let filter = Filter {
        active_only: true,
        ..Filter::default()
    };
    list(conn, business_id, &filter)
}

/// The shop's catalog-index stamp: it changes whenever something the message reader indexes
/// changes (a product or variant added, removed, renamed, switched on or off; not stock or
/// prices), whoever writes (see migration V43). `None` for a shop that never had a product.
pub fn index_stamp(conn: &Connection, business_id: i64) -> AppResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT stamp FROM catalog_index_stamps WHERE business_id = ?1")?
        .query_row([business_id], |r| r.get(0))
        .optional()?)
}

/// Each category with products on sale and how many, by category: the storefront's shelves.
pub fn on_sale_categories(conn: &Connection, business_id: i64) -> AppResult<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT category, COUNT(*) FROM products WHERE business_id = ?1 AND active = 1
         GROUP BY category ORDER BY category",
    )?;
    let rows = stmt.query_map([business_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Products on sale in any of `categories`, by name, `limit` of them from `offset`: one page
/// of a storefront category (or its first few), without reading the rest of the catalog.
pub fn on_sale_in(
    conn: &Connection,
    business_id: i64,
    categories: &[String],
    limit: u32,
    offset: u32,
) -> AppResult<Vec<Product>> {
    if categories.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..categories.len())
        .map(|i| format!("?{}", i + 4))
        .collect();
    let where_sql = format!(
        "business_id = ?1 AND active = 1 AND category IN ({})
         ORDER BY name, id LIMIT ?2 OFFSET ?3",
        marks.join(", ")
    );
    let mut args: Vec<Value> = vec![business_id.into(), limit.into(), offset.into()];
    args.extend(categories.iter().map(|c| Value::from(c.clone())));
    query(conn, &where_sql, params_from_iter(args))
}

pub fn list(conn: &Connection, business_id: i64, f: &Filter) -> AppResult<Vec<Product>> {
    let like = crate::db::like_containing(f.q.trim());
    query(
        conn,
        "business_id = ?1
         AND (?2 = '%%' OR sku LIKE ?2 ESCAPE '\\' OR name LIKE ?2 ESCAPE '\\' OR aliases LIKE ?2 ESCAPE '\\')
         AND (?3 = '' OR category = ?3)
         AND (?4 = 0 OR active = 1)
         ORDER BY category, name",
        params![business_id, like, f.category.trim(), f.active_only],
    )
}

pub fn categories(conn: &Connection, business_id: i64) -> AppResult<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT category FROM products WHERE business_id = ?1 AND category != ''
         ORDER BY category",
    )?;
    let rows = stmt.query_map([business_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn sku_taken(sku: &Sku) -> AppError {
    AppError::Conflict(format!("a product with sku \"{sku}\" already exists"))
}

/// The last check before a product is written, whichever way it came: its prices, packs and
/// low-stock level within `domain::limits` (each form and file says so beside the field first).
fn check_limits(p: &ProductInput) -> AppResult<()> {
    let mut problems = Vec::new();
    problems.extend(limits::check_price("the price", p.price).err());
    for v in &p.variants {
        let own = v.price.unwrap_or(Money::ZERO);
        let what = format!("the price of {}", v.label);
        problems.extend(limits::check_price(&what, own).err());
        let pack = limits::check_line_amount(p.unit, u64::from(v.amount));
        problems.extend(pack.err().map(|e| format!("variant \"{}\": {e}", v.label)));
    }
    if !(0..=MAX_STOCK).contains(&p.low_stock) {
        problems.push(format!("the low-stock level must be from 0 to {MAX_STOCK}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(problems.join("; ")))
    }
}

/// Creates a product with no stock; returns its id.
pub fn insert(conn: &Connection, business_id: i64, p: &ProductInput) -> AppResult<i64> {
    check_limits(p)?;
    let t = now();
    let result = conn.execute(
        "INSERT INTO products (business_id, sku, name, category, unit, price_minor, aliases,
                               active, low_stock, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![
            business_id,
            p.sku.as_str(),
            p.name,
            p.category,
            p.unit.as_str(),
            p.price.minor(),
            p.aliases.join("|"),
            p.active,
            p.low_stock,
            t
        ],
    );
    match result {
        Ok(_) => {
            let id = conn.last_insert_rowid();
            replace_variants(conn, business_id, id, &p.variants)?;
            Ok(id)
        }
        Err(e) if is_unique_violation(&e) => Err(sku_taken(&p.sku)),
        Err(e) => Err(e.into()),
    }
}

/// Rewrites a product's details and variants (not its stock). A new low-stock level that puts
/// the stock on the other side of it raises or clears the product's alert, as a move would.
pub fn update(conn: &Connection, business_id: i64, id: i64, p: &ProductInput) -> AppResult<()> {
    check_limits(p)?;
    let before = level(conn, business_id, id)?.ok_or(AppError::NotFound)?;
    let result = conn.execute(
        "UPDATE products SET sku = ?3, name = ?4, category = ?5, unit = ?6, price_minor = ?7,
                aliases = ?8, active = ?9, low_stock = ?10, updated_at = ?11
         WHERE business_id = ?1 AND id = ?2",
        params![
            business_id,
            id,
            p.sku.as_str(),
            p.name,
            p.category,
            p.unit.as_str(),
            p.price.minor(),
            p.aliases.join("|"),
            p.active,
            p.low_stock,
            now()
        ],
    );
    match result {
        Ok(0) => return Err(AppError::NotFound),
        Ok(_) => replace_variants(conn, business_id, id, &p.variants)?,
        Err(e) if is_unique_violation(&e) => return Err(sku_taken(&p.sku)),
        Err(e) => return Err(e.into()),
    }
    let after = Level {
        low: p.low_stock,
        ..before
    };
    super::alerts::on_change(conn, business_id, id, before, after)
}

/// A product's stock and low-stock level as they are now; None if there is no such product.
pub fn level(conn: &Connection, business_id: i64, id: i64) -> AppResult<Option<Level>> {
    Ok(conn
        .prepare_cached("SELECT stock, low_stock FROM products WHERE business_id = ?1 AND id = ?2")?
        .query_row(params![business_id, id], |r| {
            Ok(Level {
                stock: r.get(0)?,
                low: r.get(1)?,
            })
        })
        .optional()?)
}

/// The first variant is the default. A variant kept under its label keeps its id (shoppers'
/// carts name variants by id, and a product saved for a new alias or price must not empty
/// them); one no longer listed goes, a new one is added.
fn replace_variants(
    conn: &Connection,
    business_id: i64,
    product_id: i64,
    vs: &[VariantInput],
) -> AppResult<()> {
    for (i, v) in vs.iter().enumerate() {
        if vs[..i].iter().any(|w| w.label == v.label) {
            return Err(AppError::Invalid(format!(
                "variant \"{}\" is listed twice",
                v.label
            )));
        }
    }
    let labels: Vec<&str> = vs.iter().map(|v| v.label.as_str()).collect();
    let kept: Vec<String> = conn
        .prepare_cached("SELECT label FROM variants WHERE product_id = ?1")?
        .query_map([product_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for gone in kept.iter().filter(|l| !labels.contains(&l.as_str())) {
        conn.prepare_cached("DELETE FROM variants WHERE product_id = ?1 AND label = ?2")?
            .execute(params![product_id, gone])?;
    }
    let mut upsert = conn.prepare_cached(
        "INSERT INTO variants (business_id, product_id, label, amount, price_minor, is_default, position)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (product_id, label) DO UPDATE SET
             amount = excluded.amount, price_minor = excluded.price_minor,
             is_default = excluded.is_default, position = excluded.position",
    )?;
    for (i, v) in vs.iter().enumerate() {
        upsert.execute(params![
            business_id,
            product_id,
            v.label,
            v.amount,
            v.price.map(Money::minor),
            i == 0,
            // rusqlite 0.39 binds no `usize` (it may not fit an SQLite integer).
            i64::try_from(i).unwrap_or(i64::MAX)
        ])?;
    }
    Ok(())
}

pub fn set_image(
    conn: &Connection,
    business_id: i64,
    id: i64,
    file: &str,
    mime: &str,
) -> AppResult<()> {
    conn.execute(
        "UPDATE products SET image = ?3, image_type = ?4, updated_at = ?5 WHERE business_id = ?1 AND id = ?2",
        params![business_id, id, file, mime, now()],
    )?;
    Ok(())
}

/// `words` written the way names are compared: lowercase, single-spaced.
fn comparable(words: &str) -> String {
    words
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The product (id and name) whose name or alias is `words`, ignoring case and spacing.
pub fn named_by(
    conn: &Connection,
    business_id: i64,
    words: &str,
) -> AppResult<Option<(i64, String)>> {
    let wanted = comparable(words);
    let mut stmt =
        conn.prepare_cached("SELECT id, name, aliases FROM products WHERE business_id = ?1")?;
    let rows = stmt.query_map([business_id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (id, name, aliases) = row?;
        let names = std::iter::once(name.as_str()).chain(aliases.split('|'));
        if names.map(comparable).any(|n| n == wanted) {
            return Ok(Some((id, name)));
        }
    }
    Ok(None)
}

/// Adds `alias` to a product's aliases (once); the reader's catalog is built from them for
/// every batch of messages, so the next message reads it.
pub fn add_alias(conn: &Connection, business_id: i64, id: i64, alias: &str) -> AppResult<()> {
    let p = by_id(conn, business_id, id)?.ok_or(AppError::NotFound)?;
    let alias = comparable(alias);
    if alias.is_empty() || alias.contains('|') || p.aliases.iter().any(|a| comparable(a) == alias) {
        return Ok(());
    }
    let mut aliases = p.aliases;
    aliases.push(alias);
    conn.execute(
        "UPDATE products SET aliases = ?3, updated_at = ?4 WHERE business_id = ?1 AND id = ?2",
        params![business_id, id, aliases.join("|"), now()],
    )?;
    Ok(())
}
