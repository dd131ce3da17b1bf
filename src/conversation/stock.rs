//! Stock is checked before the summary is sent, not after the customer's yes. A line asking
//! for more than is left gets a plain offer of what there is ("We have 17 kg of Kaju Katli
//! today — send 17 kg?"); a line for something sold out is taken out and the customer told;
//! what cannot be settled goes to a person. An order larger than the shop lets a chat take
//! (per product, in Settings → Messages) goes to a person before anything is reserved.

use rusqlite::Connection;

use super::drafts::Draft;
use super::reply::{self, Turn};
use crate::domain::{format_amount, Unit};
use crate::error::AppResult;
use crate::reader::Item;
use crate::whatsapp::attention;

/// Checks the draft's lines against the shop's limit for a chat order and against stock now.
/// True when it has answered the customer and the summary must wait.
pub fn check(t: &Turn, conn: &Connection, d: &mut Draft) -> AppResult<bool> {
    for line in d.lines.clone() {
        let Some((product, stock)) = t.shelf.stock(conn, t.business.id, &line.sku)? else {
            continue;
        };
        let (name, unit) = (&product.name, product.unit);
        if over_limit(t, unit, line.qty) {
            return to_person(t, conn, d, name, format_amount(unit, u64::from(line.qty)));
        }
        let left = u32::try_from(stock.max(0)).unwrap_or(u32::MAX);
        if line.qty <= left {
            continue;
        }
        if left > 0 {
            d.terms.offer = Some(Item {
                sku: line.sku.clone(),
                qty: left,
            });
            t.save_draft(conn, d)?;
            let vars = [
                ("product", name.clone()),
                ("available", format_amount(unit, u64::from(left))),
                ("asked", format_amount(unit, u64::from(line.qty))),
            ];
            let offer = reply::render(t, conn, "stock_offer", &vars)?;
            reply::say(t, conn, &reply::after_changes(d, offer))?;
            return Ok(true);
        }
        d.lines.retain(|l| l.sku != line.sku);
        // Not in the order after all: the summary must not say it was added.
        d.changes.retain(|c| !c.contains(name.as_str()));
        reply::say_template(t, conn, "sold_out", &[("product", name.clone())])?;
        if d.lines.is_empty() {
            let why = format!("Wanted {name}, which is sold out");
            attention::flag(conn, t.business.id, &t.phone, &why)?;
            t.end_draft(conn)?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// More of one product than the shop lets a chat order take: one customer must not be able to
/// hold the whole stock, so a person decides.
fn over_limit(t: &Turn, unit: Unit, qty: u32) -> bool {
    let limit = match unit {
        Unit::Kg => t.business.chat_max_grams,
        Unit::Pc => t.business.chat_max_pieces,
    };
    i64::from(qty) > limit
}

/// A large order: flagged for a person, nothing reserved, the customer told someone will call.
fn to_person(
    t: &Turn,
    conn: &Connection,
    d: &Draft,
    product: &str,
    amount: String,
) -> AppResult<bool> {
    let why = format!("Large chat order: {amount} of {product}");
    attention::flag(conn, t.business.id, &t.phone, &why)?;
    t.save_draft(conn, d)?;
    reply::say_template(t, conn, "large_order", &[("product", product.to_owned())])?;
    Ok(true)
}

/// The customer took the smaller amount offered: it replaces the line.
pub fn accept(d: &mut Draft, offer: &Item) {
    if let Some(line) = d.lines.iter_mut().find(|l| l.sku == offer.sku) {
        line.qty = offer.qty;
    }
}

/// The customer said no to the smaller amount: a person takes it from here.
pub fn decline(t: &Turn, conn: &Connection, d: &Draft, offer: &Item) -> AppResult<()> {
    let name = t
        .catalog
        .find(&offer.sku)
        .map_or(offer.sku.as_str(), |p| p.name.as_str());
    let why = format!("Wants more {name} than is in stock");
    attention::flag(conn, t.business.id, &t.phone, &why)?;
    t.save_draft(conn, d)?;
    reply::say_template(t, conn, "stock_person", &[])
}
