//! Taking an order, moving it along, and changing its lines. Each runs inside one write
//! transaction: the order, its stock moves and its timeline entry are written together or not
//! at all, and `BEGIN IMMEDIATE` makes two orders for the last kilo queue up, so one wins.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use rusqlite::Connection;

use super::error::{OrderError, Shortage};
use super::learn;
use super::model::{Fulfilment, Line, LineRequest, NewOrder, Order, Said};
use super::status::Status;
use super::store::{self, Header, NewEvent, Totals};
use super::unread;
use crate::accounts::businesses::Business;
use crate::catalog::products::{self, Product, Variant};
use crate::catalog::stock::{self, Cause};
use crate::catalog::suggestions;
use crate::customers;
use crate::domain::limits;
use crate::domain::{line_total, Money, Quantity};
use crate::error::AppResult;

pub use crate::domain::limits::MAX_LINES;

type OrderResult<T> = Result<T, OrderError>;

/// Looks up each requested line in the catalog and prices it as of now.
pub fn price_lines(
    conn: &Connection,
    business_id: i64,
    reqs: &[LineRequest],
) -> OrderResult<Vec<Line>> {
    price_lines_on(conn, business_id, reqs, None)
}

/// Products read within one write transaction, each once: for pricing, and the list on sale
/// for the menu. The conversation worker prices a summary for nearly every message of a
/// batch, mostly of the same few products, and sends the menu to many; nothing it writes
/// changes a price, a pack, a name or whether a product is on sale, and its transaction keeps
/// anyone else from changing them meanwhile. Keep one no longer than that transaction.
#[derive(Default)]
pub struct Shelf {
    by_sku: RefCell<HashMap<i64, BySku>>,
    on_sale: RefCell<HashMap<i64, Rc<[Product]>>>,
    stock: RefCell<Stock>,
}

/// Stock figures by product id, as read after [`stock::moves`] reached `moves`. Stock moves
/// inside the worker's own transaction (an order taken reserves it), so the copies go as soon
/// as any move is begun.
#[derive(Default)]
struct Stock {
    moves: u64,
    by_product: HashMap<i64, i64>,
}

/// One business's products on a shelf, by sku; `None` for a sku it does not have.
type BySku = HashMap<String, Option<Rc<Product>>>;

impl Shelf {
    fn product(
        &self,
        conn: &Connection,
        business_id: i64,
        sku: &str,
    ) -> OrderResult<Option<Rc<Product>>> {
        // Looked up by the borrowed sku: a product already on the shelf costs no allocation.
        if let Some(found) = self
            .by_sku
            .borrow()
            .get(&business_id)
            .and_then(|b| b.get(sku))
        {
            return Ok(found.clone());
        }
        let found = products::by_sku(conn, business_id, sku)?.map(Rc::new);
        let mut shelf = self.by_sku.borrow_mut();
        shelf
            .entry(business_id)
            .or_default()
            .insert(sku.to_owned(), found.clone());
        Ok(found)
    }

    /// Product `sku` and its stock now. A chat checks stock before every summary, so a
    /// batch would otherwise read the same few figures for nearly every message.
    pub fn stock(
        &self,
        conn: &Connection,
        business_id: i64,
        sku: &str,
    ) -> OrderResult<Option<(Rc<Product>, i64)>> {
        let Some(product) = self.product(conn, business_id, sku)? else {
            return Ok(None);
        };
        let mut held = self.stock.borrow_mut();
        let moves = stock::moves();
        if held.moves != moves {
            held.by_product.clear();
            held.moves = moves;
        }
        if let Some(&figure) = held.by_product.get(&product.id) {
            return Ok(Some((product, figure)));
        }
        let Some(level) = products::level(conn, business_id, product.id)? else {
            return Ok(None);
        };
        held.by_product.insert(product.id, level.stock);
        Ok(Some((product, level.stock)))
    }

    /// The business's products on sale, as [`products::on_sale`] lists them.
    pub fn on_sale(&self, conn: &Connection, business_id: i64) -> AppResult<Rc<[Product]>> {
        if let Some(all) = self.on_sale.borrow().get(&business_id) {
            return Ok(all.clone());
        }
        let all: Rc<[Product]> = products::on_sale(conn, business_id)?.into();
        self.on_sale.borrow_mut().insert(business_id, all.clone());
        Ok(all)
    }
}

fn price_lines_on(
    conn: &Connection,
    business_id: i64,
    reqs: &[LineRequest],
    shelf: Option<&Shelf>,
) -> OrderResult<Vec<Line>> {
    if reqs.is_empty() {
        return Err(OrderError::Invalid(
            "an order needs at least one line".into(),
        ));
    }
    if reqs.len() > MAX_LINES {
        return Err(OrderError::Invalid(format!(
            "an order can have at most {MAX_LINES} lines"
        )));
    }
    reqs.iter()
        .enumerate()
        .map(|(i, r)| price_line(conn, business_id, i + 1, r, shelf))
        .collect()
}

/// Prices one line. A variant with its own price is sold at that price however it is asked
/// for: by name (`2 × Box of 12`) or as a quantity that is an exact multiple of it (24 pieces
/// are 2 boxes of 12; the largest such variant is used). Any other quantity is priced per kg or
/// per piece.
fn price_line(
    conn: &Connection,
    business_id: i64,
    n: usize,
    req: &LineRequest,
    shelf: Option<&Shelf>,
) -> OrderResult<Line> {
    let bad = |msg: &str| OrderError::Invalid(format!("line {n}: {msg}"));
    let sku = req.sku().trim();
    let found = match shelf {
        Some(shelf) => shelf.product(conn, business_id, sku)?,
        None => products::by_sku(conn, business_id, sku)?.map(Rc::new),
    };
    let product = found.ok_or_else(|| bad(&format!("no product with sku \"{sku}\"")))?;
    if !product.active {
        return Err(bad(&format!("{} is not on sale", product.name)));
    }
    // Every line is held to the limits, whichever way it came in, so no total overflows.
    let what = format!("the price of {}", product.name);
    limits::check_price(&what, product.price).map_err(|m| bad(&m))?;
    let priced = match req {
        LineRequest::Qty { qty, .. } => {
            let q = Quantity::new(*qty).map_err(|_| bad("quantity must be more than zero"))?;
            limits::check_line_amount(product.unit, u64::from(*qty)).map_err(|m| bad(&m))?;
            match own_priced_pack(&product, *qty) {
                Some((v, count)) => variant_line(&product, v, count),
                None => line_total(product.unit, product.price, q)
                    .map(|total| (None, None, *qty, product.price, total))
                    .ok_or_else(too_large),
            }
        }
        LineRequest::Variant { variant, count, .. } => {
            let v = product
                .variant(variant)
                .ok_or_else(|| bad(&no_such_variant(&product, variant)))?;
            if *count == 0 {
                return Err(bad("count must be more than zero"));
            }
            variant_line(&product, v, *count)
        }
    };
    let (variant, variant_count, qty, unit_price, total) = priced.map_err(|m| bad(&m))?;
    Ok(Line {
        product_id: product.id,
        sku: product.sku.clone(),
        name: product.name.clone(),
        unit: product.unit,
        variant,
        variant_count,
        qty,
        unit_price,
        total,
        said: None,
    })
}

/// A line's variant label and count, amount, unit price and total.
type Priced = (Option<String>, Option<u32>, u32, Money, Money);

fn too_large() -> String {
    "amount too large".to_owned()
}

/// `count` of variant `v`, at the variant's price; refused past the limits.
fn variant_line(product: &Product, v: &Variant, count: u32) -> Result<Priced, String> {
    let qty = u64::from(v.amount) * u64::from(count);
    limits::check_line_amount(product.unit, qty)?;
    if let Some(own) = v.price {
        limits::check_price(&format!("the price of {}", v.label), own)?;
    }
    let qty = u32::try_from(qty).map_err(|_| too_large())?;
    let each = product.variant_price(v).ok_or_else(too_large)?;
    let total = each.checked_mul(u64::from(count)).ok_or_else(too_large)?;
    Ok((Some(v.label.clone()), Some(count), qty, each, total))
}

/// The variant with its own price that `qty` is an exact multiple of, and how many of it:
/// the largest such variant, the first listed among equals. `None` when there is none.
fn own_priced_pack(product: &Product, qty: u32) -> Option<(&Variant, u32)> {
    product
        .variants
        .iter()
        .filter(|v| v.price.is_some() && qty.is_multiple_of(v.amount))
        // `max_by_key` keeps the last of equal keys; reversed, that is the first listed.
        .rev()
        .max_by_key(|v| v.amount)
        .map(|v| (v, qty / v.amount))
}

fn no_such_variant(p: &Product, asked: &str) -> String {
    let labels: Vec<&str> = p.variants.iter().map(|v| v.label.as_str()).collect();
    if labels.is_empty() {
        format!("{} has no variants; give a quantity instead", p.name)
    } else {
        format!(
            "{} has no variant \"{}\"; it comes as {}",
            p.name,
            asked.trim(),
            labels.join(", ")
        )
    }
}

/// Adds up what the lines take from each product, in the order products first appear, with
/// the lines (1-based) that ask for it.
fn demand(lines: &[Line]) -> Vec<(Vec<usize>, &Line, i64)> {
    let mut per_product: BTreeMap<i64, (Vec<usize>, &Line, i64)> = BTreeMap::new();
    for (i, l) in lines.iter().enumerate() {
        let e = per_product
            .entry(l.product_id)
            .or_insert((Vec::new(), l, 0));
        e.0.push(i + 1);
        e.2 += i64::from(l.qty);
    }
    let mut v: Vec<_> = per_product.into_values().collect();
    v.sort_by_key(|(n, _, _)| n[0]);
    v
}

/// Takes the lines' stock, or refuses naming the lines of the first product short and what is left.
pub(super) fn take_stock(
    conn: &Connection,
    business_id: i64,
    lines: &[Line],
    cause: &Cause,
) -> OrderResult<()> {
    for (n, line, wanted) in demand(lines) {
        let left = products::by_id(conn, business_id, line.product_id)?.map_or(0, |p| p.stock);
        if wanted > left {
            return Err(OrderError::ShortOfStock(Shortage {
                lines: n,
                product_id: line.product_id,
                name: line.name.clone(),
                unit: line.unit,
                wanted,
                left,
            }));
        }
        stock::adjust(conn, business_id, line.product_id, -wanted, cause)?;
    }
    Ok(())
}

pub(super) fn return_stock(
    conn: &Connection,
    business_id: i64,
    lines: &[Line],
    cause: &Cause,
) -> OrderResult<()> {
    for (_, line, qty) in demand(lines) {
        stock::adjust(conn, business_id, line.product_id, qty, cause)?;
    }
    Ok(())
}

/// The lines' subtotal and the order's total with `delivery_fee`; exact, or refused on overflow.
pub fn totals(lines: &[Line], delivery_fee: Money) -> OrderResult<Totals> {
    let too_large = || OrderError::Invalid("the order's total is too large".into());
    let subtotal = Money::checked_sum(lines.iter().map(|l| l.total)).ok_or_else(too_large)?;
    let total = subtotal.checked_add(delivery_fee).ok_or_else(too_large)?;
    Ok(Totals {
        subtotal,
        delivery_fee,
        total,
    })
}

/// An order's lines priced as of now, with its totals: what the customer or the staff are shown
/// before the order is taken, and exactly what [`create`] and [`edit_lines`] then store.
#[derive(Debug, Clone)]
pub struct Quote {
    pub lines: Vec<Line>,
    pub totals: Totals,
    /// Delivery, with the fee in `totals`, or pickup, with none.
    pub fulfilment: Fulfilment,
}

/// Prices a new order: its lines, and the shop's delivery fee unless it is picked up.
/// Every channel's preview or summary calls this, and [`create`] stores what it returns.
pub fn quote(
    conn: &Connection,
    business: &Business,
    reqs: &[LineRequest],
    fulfilment: Fulfilment,
) -> OrderResult<Quote> {
    quote_from(conn, business, reqs, fulfilment, None)
}

/// [`quote`], taking products from `shelf` (see [`Shelf`]).
pub fn quote_on(
    conn: &Connection,
    business: &Business,
    reqs: &[LineRequest],
    fulfilment: Fulfilment,
    shelf: &Shelf,
) -> OrderResult<Quote> {
    quote_from(conn, business, reqs, fulfilment, Some(shelf))
}

fn quote_from(
    conn: &Connection,
    business: &Business,
    reqs: &[LineRequest],
    fulfilment: Fulfilment,
    shelf: Option<&Shelf>,
) -> OrderResult<Quote> {
    let lines = price_lines_on(conn, business.id, reqs, shelf)?;
    let fee = fulfilment.fee(Money::from_minor(business.delivery_fee_minor));
    let totals = totals(&lines, fee)?;
    Ok(Quote {
        lines,
        totals,
        fulfilment,
    })
}

/// Prices new lines for order `number`, keeping the delivery fee it was taken with; what
/// [`edit_lines`] stores.
pub fn quote_edit(
    conn: &Connection,
    business: &Business,
    number: i64,
    reqs: &[LineRequest],
    fulfilment: Option<Fulfilment>,
) -> OrderResult<Quote> {
    let order = load(conn, business.id, number)?;
    let quote = requote(conn, business.id, &order, reqs)?;
    // Switched between delivery and pickup in the same form: priced as saving it will be.
    match fulfilment {
        Some(f) if f != order.fulfilment => {
            let fee = f.fee(Money::from_minor(business.delivery_fee_minor));
            Ok(Quote {
                totals: totals(&quote.lines, fee)?,
                fulfilment: f,
                ..quote
            })
        }
        _ => Ok(quote),
    }
}

fn requote(
    conn: &Connection,
    business_id: i64,
    order: &Order,
    reqs: &[LineRequest],
) -> OrderResult<Quote> {
    let mut lines = price_lines(conn, business_id, reqs)?;
    keep_prices(&order.lines, &mut lines);
    let totals = totals(&lines, order.delivery_fee)?;
    Ok(Quote {
        lines,
        totals,
        fulfilment: order.fulfilment,
    })
}

/// A line left as it was (the same product, pack and amount) keeps the price the order was
/// taken at: the customer agreed to it, and fixing an address or adding an item must not
/// reprice the rest. Only a line added or changed is priced as the catalog is now.
fn keep_prices(taken: &[Line], lines: &mut [Line]) {
    let mut left: Vec<&Line> = taken.iter().collect();
    for line in lines {
        let same = |t: &&Line| {
            (t.product_id, &t.variant, t.variant_count, t.qty)
                == (line.product_id, &line.variant, line.variant_count, line.qty)
        };
        if let Some(i) = left.iter().position(same) {
            let t = left.swap_remove(i);
            (line.unit_price, line.total) = (t.unit_price, t.total);
        }
    }
}

fn load(conn: &Connection, business_id: i64, number: i64) -> OrderResult<Order> {
    store::by_number(conn, business_id, number)?.ok_or(OrderError::NotFound)
}

/// Takes an order: prices it, checks and takes stock, files the customer and their address,
/// and starts the timeline. Call inside a write transaction.
pub fn create(conn: &Connection, business: &Business, req: &NewOrder) -> OrderResult<Order> {
    let Quote { lines, totals, .. } = quote(conn, business, &req.lines, req.fulfilment)?;
    let number = store::next_number(conn, business.id)?;
    let customer_id =
        customers::upsert(conn, business.id, &req.customer_phone, &req.customer_name)?;
    customers::remember_address(conn, business.id, customer_id, &req.address)?;
    let header = Header {
        number,
        customer_id,
        currency: &business.currency,
        totals: &totals,
        status: Status::Pending,
    };
    let order_id = store::insert(conn, business.id, req, &header)?;
    store::replace_lines(conn, business.id, order_id, &lines)?;
    let reason = format!("order #{number}");
    take_stock(
        conn,
        business.id,
        &lines,
        &Cause {
            reason: &reason,
            order_id: Some(order_id),
            actor: &req.actor,
        },
    )?;
    let event = NewEvent {
        kind: "created",
        from: None,
        to: Some(Status::Pending),
        actor: &req.actor,
        note: &format!("via {}", req.channel),
    };
    store::add_event(conn, business.id, order_id, &event)?;
    load(conn, business.id, number)
}

/// Moves an order to `to`, or refuses with the reason. Cancelling puts its stock back.
pub fn change_status(
    conn: &Connection,
    business: &Business,
    number: i64,
    to: Status,
    actor: &str,
) -> OrderResult<Order> {
    let order = load(conn, business.id, number)?;
    order.status.check_move(to).map_err(OrderError::BadMove)?;
    if to == Status::Cancelled {
        let reason = format!("order #{number} cancelled");
        return_stock(
            conn,
            business.id,
            &order.lines,
            &Cause {
                reason: &reason,
                order_id: Some(order.id),
                actor,
            },
        )?;
    }
    store::save_status(conn, order.id, to)?;
    let event = NewEvent {
        kind: "status",
        from: Some(order.status),
        to: Some(to),
        actor,
        note: "",
    };
    store::add_event(conn, business.id, order.id, &event)?;
    load(conn, business.id, number)
}

/// Replaces an order's lines while it is pending or confirmed, with stock checked again.
/// `from[i]` is the position of the line the `i`th request edits, if it edits one: a line
/// read from a message keeps the customer's words, and a changed product learns them.
pub fn edit_lines(
    conn: &Connection,
    business: &Business,
    number: i64,
    reqs: &[LineRequest],
    from: &[Option<usize>],
    actor: &str,
) -> OrderResult<Order> {
    let order = load(conn, business.id, number)?;
    // A save that only fixed the address or notes posts the lines as they were: nothing to
    // rewrite, no stock to return and take again, no "lines changed" on the timeline.
    let same = reqs.len() == order.lines.len()
        && order
            .lines
            .iter()
            .enumerate()
            .all(|(i, l)| from.get(i) == Some(&Some(i)) && reqs[i] == l.request());
    if same {
        return Ok(order);
    }
    let said = learn::carry(&order, from, reqs.len());
    let note = format!(
        "lines changed; total was {}",
        order.total.format(&order.currency)
    );
    let lines = rewrite(conn, business, &order, reqs, said, actor, &note)?;
    learn::moved(conn, business.id, &order, &lines, from)?;
    load(conn, business.id, number)
}

/// The newest timeline entry of `order` that changed what an edit form shows (its lines,
/// terms or status): the version a form carries, so a save from an older page is known.
pub fn edit_version(order: &Order) -> i64 {
    order
        .events
        .iter()
        .filter(|e| matches!(e.kind.as_str(), "created" | "edited" | "status"))
        .map(|e| e.id)
        .max()
        .unwrap_or(0)
}

/// Refuses an edit made from a page that showed order `number` at version `seen`
/// ([`edit_version`]) when it has changed since: saving it would undo that change unseen.
pub fn unchanged_since(
    conn: &Connection,
    business_id: i64,
    number: i64,
    seen: i64,
) -> OrderResult<()> {
    let order = load(conn, business_id, number)?;
    if edit_version(&order) <= seen {
        return Ok(());
    }
    let who = order
        .events
        .iter()
        .rev()
        .find(|e| e.id > seen && matches!(e.kind.as_str(), "edited" | "status"))
        .map_or("someone", |e| e.actor.as_str());
    Err(OrderError::Changed(format!(
        "Order #{number} was changed by {who} since this page was opened, so nothing was saved. \
         Open the order again to see it as it is now."
    )))
}

/// Where and how an order goes, as staff change it.
pub struct Terms {
    pub address: String,
    pub notes: String,
    pub fulfilment: Fulfilment,
}

/// Changes an order's address, notes and delivery or pickup while its lines may change too;
/// a switch between delivery and pickup charges the shop's fee now, or none. Nothing changed
/// writes nothing.
pub fn edit_terms(
    conn: &Connection,
    business: &Business,
    number: i64,
    t: &Terms,
    actor: &str,
) -> OrderResult<Order> {
    let order = load(conn, business.id, number)?;
    let same = order.address == t.address.trim()
        && order.notes == t.notes.trim()
        && order.fulfilment == t.fulfilment;
    if same {
        return Ok(order);
    }
    if !order.status.can_edit_lines() {
        return Err(OrderError::LinesLocked {
            number,
            status: order.status,
        });
    }
    let fee = if t.fulfilment == order.fulfilment {
        order.delivery_fee
    } else {
        t.fulfilment
            .fee(Money::from_minor(business.delivery_fee_minor))
    };
    store::set_terms(conn, order.id, &t.address, &t.notes, t.fulfilment)?;
    store::set_totals(conn, order.id, &totals(&order.lines, fee)?)?;
    // The timeline says what changed, from what to what, as the audit log does.
    let mut said = vec![crate::audit::changes(&[
        ("address", &order.address, t.address.trim()),
        ("notes", &order.notes, t.notes.trim()),
    ])];
    if t.fulfilment != order.fulfilment {
        said.push(format!("now {}", t.fulfilment.label().to_lowercase()));
    }
    said.retain(|s| !s.is_empty());
    let event = NewEvent {
        kind: "edited",
        from: None,
        to: None,
        actor,
        note: &said.join("; "),
    };
    store::add_event(conn, business.id, order.id, &event)?;
    load(conn, business.id, number)
}

/// Staff say what an unread line of the order is: `req` is added as a new line (stock checked),
/// the unread line is marked answered, and its words are learnt for the product.
pub fn answer_unread(
    conn: &Connection,
    business: &Business,
    number: i64,
    unread_id: i64,
    req: LineRequest,
    actor: &str,
) -> OrderResult<Order> {
    let order = load(conn, business.id, number)?;
    let u = unread::find(conn, business.id, order.id, unread_id)?.ok_or(OrderError::NotFound)?;
    if u.answered.is_some() {
        return Err(OrderError::Invalid(format!(
            "\"{}\" has already been added to the order",
            u.line.text
        )));
    }
    let mut reqs: Vec<LineRequest> = order.lines.iter().map(Line::request).collect();
    reqs.push(req);
    let mut said: Vec<Option<Said>> = order.lines.iter().map(|l| l.said.clone()).collect();
    said.push((!u.line.words.is_empty()).then(|| Said {
        words: u.line.words.clone(),
        read_as: None,
    }));
    let note = format!("added a line for \"{}\"", u.line.text);
    let lines = rewrite(conn, business, &order, &reqs, said, actor, &note)?;
    if let Some(added) = lines.last() {
        unread::answer(conn, u.id, &added.sku, actor)?;
        suggestions::record(conn, business.id, added.product_id, &u.line.words)?;
    }
    load(conn, business.id, number)
}

/// Prices `reqs` as the order's new lines (each with its `said`), puts the old lines' stock
/// back and takes the new, and adds `note` to the timeline. Returns the lines stored.
fn rewrite(
    conn: &Connection,
    business: &Business,
    order: &Order,
    reqs: &[LineRequest],
    said: Vec<Option<Said>>,
    actor: &str,
    note: &str,
) -> OrderResult<Vec<Line>> {
    if !order.status.can_edit_lines() {
        return Err(OrderError::LinesLocked {
            number: order.number,
            status: order.status,
        });
    }
    let reason = format!("order #{} changed", order.number);
    let cause = Cause {
        reason: &reason,
        order_id: Some(order.id),
        actor,
    };
    let Quote {
        mut lines, totals, ..
    } = requote(conn, business.id, order, reqs)?;
    for (line, said) in lines.iter_mut().zip(said) {
        line.said = said;
    }
    return_stock(conn, business.id, &order.lines, &cause)?;
    take_stock(conn, business.id, &lines, &cause)?;
    store::replace_lines(conn, business.id, order.id, &lines)?;
    store::set_totals(conn, order.id, &totals)?;
    let event = NewEvent {
        kind: "edited",
        from: None,
        to: None,
        actor,
        note,
    };
    store::add_event(conn, business.id, order.id, &event)?;
    Ok(lines)
}
