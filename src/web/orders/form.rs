//! Taking an order by hand, and changing an order's lines. Works without script: each row
//! picks an item (a product's variant, or the product by weight or piece) and a count or an
//! amount; "Preview" prices the rows and shows the totals, "Save" takes the order. Both price
//! through `orders::service` (`quote`, `quote_edit`), so the preview is what is stored.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use rusqlite::Connection;

use super::{fee_row, money};
use crate::accounts::businesses::Business;
use crate::catalog::products::{self, Product};
use crate::domain::limits;
use crate::domain::{parse_amount, Phone, Unit};
use crate::error::{AppError, AppResult};
use crate::orders::once::{self, Source};
use crate::orders::service::Quote;
use crate::orders::{
    parse_deliver_on, service, store, Channel, Fulfilment, LineRequest, NewOrder, Order,
    OrderError, PaymentMode,
};
use crate::payments;
use crate::web::extract::ShopPage;
use crate::web::layout::{csrf_field, error_box, field, page, Nav, LINES};
use crate::AppState;

/// Blank rows offered for new lines.
const SPARE_ROWS: usize = 3;

/// Above the form when a row is wrong; what is wrong is said beside the row.
const MARKED: &str = "Please correct the line marked below.";

#[derive(Default, Clone)]
struct Row {
    /// `sku|variant label`, or `sku|` for an amount by weight or piece.
    item: String,
    count: String,
    amount: String,
    /// When editing: the position of the order line the row started as, so a line read from a
    /// message keeps the customer's words (and a changed product learns them).
    from: String,
}

impl Row {
    fn edits_line(&self) -> Option<usize> {
        self.from.parse().ok()
    }
}

#[derive(Default)]
struct OrderForm {
    phone: String,
    name: String,
    address: String,
    notes: String,
    payment_mode: String,
    /// `delivery` or `pickup`; blank is delivery.
    fulfilment: String,
    /// `YYYY-MM-DD` from a date input; blank is no day.
    deliver_on: String,
    rows: Vec<Row>,
    save: bool,
    /// The address field was posted: the edit form carries the order's terms (a post of the
    /// lines alone leaves them as they are).
    terms: bool,
    /// The New order form's own key, made when it is first shown and kept through previews: a
    /// second tap on Save (or the form sent again) finds the order the first made.
    once: String,
    /// The edit form's version of the order ([`service::edit_version`]) when it was opened:
    /// a save from a page older than the order's latest change is refused.
    seen: String,
    /// Not posted: the shop takes Razorpay (it has keys), so an order may be paid that way.
    razorpay: bool,
}

impl OrderForm {
    /// Reads the posted pairs; rows come as `item_N`, `count_N`, `amount_N`.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = OrderForm::default();
        for (k, v) in pairs {
            let (name, index) = match k.rsplit_once('_') {
                Some((n, i)) if i.chars().all(|c| c.is_ascii_digit()) => {
                    (n.to_owned(), i.parse::<usize>().ok())
                }
                _ => (k.clone(), None),
            };
            match (name.as_str(), index) {
                ("item" | "count" | "amount" | "line", Some(i)) if i < service::MAX_LINES => {
                    if f.rows.len() <= i {
                        f.rows.resize(i + 1, Row::default());
                    }
                    let row = &mut f.rows[i];
                    *match name.as_str() {
                        "item" => &mut row.item,
                        "count" => &mut row.count,
                        "line" => &mut row.from,
                        _ => &mut row.amount,
                    } = v;
                }
                ("phone", None) => f.phone = v,
                ("name", None) => f.name = v,
                ("address", None) => {
                    f.address = v;
                    f.terms = true;
                }
                ("notes", None) => f.notes = v,
                ("payment_mode", None) => f.payment_mode = v,
                ("fulfilment", None) => f.fulfilment = v,
                ("deliver_on", None) => f.deliver_on = v,
                ("action", None) => f.save = v == "save",
                ("once", None) => f.once = v,
                ("seen", None) => f.seen = v,
                _ => {}
            }
        }
        f.rows.retain(|r| !r.item.is_empty());
        f
    }

    fn from_order(o: &crate::orders::Order) -> Self {
        let rows = o.lines.iter().enumerate().map(|(i, l)| Row {
            from: i.to_string(),
            item: format!("{}|{}", l.sku, l.variant.clone().unwrap_or_default()),
            count: l.variant_count.map(|c| c.to_string()).unwrap_or_default(),
            amount: if l.variant.is_some() {
                String::new()
            } else {
                crate::domain::format_amount(l.unit, u64::from(l.qty))
            },
        });
        OrderForm {
            rows: rows.collect(),
            address: o.address.clone(),
            notes: o.notes.clone(),
            fulfilment: o.fulfilment.as_str().to_owned(),
            seen: service::edit_version(o).to_string(),
            ..Default::default()
        }
    }
}

/// An amount typed for a line by weight or piece, read by the one amount rule (a bare number
/// is pieces for `pc` and refused for `kg`); a line must come to at least 1 g or 1 piece, and
/// to no more than one line holds.
fn line_amount(unit: Unit, text: &str) -> Result<u32, String> {
    let amount = parse_amount(unit, text)?;
    limits::check_line_amount(unit, amount.unsigned_abs())?;
    match u32::try_from(amount) {
        Ok(0) => Err(format!("\"{}\" must be more than zero", text.trim())),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("\"{}\" is too large", text.trim())),
    }
}

/// A count of packs of `variant`: a whole number from 1, coming to no more than one line holds.
fn pack_count(product: &Product, variant: &str, text: &str) -> Result<u32, String> {
    let count = match text.trim() {
        "" => 1,
        c => c
            .parse::<u32>()
            .ok()
            .filter(|c| *c > 0)
            .ok_or("count must be a whole number from 1")?,
    };
    if let Some(v) = product.variant(variant) {
        limits::check_line_amount(product.unit, u64::from(v.amount) * u64::from(count))?;
    }
    Ok(count)
}

/// One row as a line request.
fn line_request(r: &Row, catalog: &[Product]) -> Result<LineRequest, String> {
    let item = super::pick::resolve(&r.item, catalog);
    let (sku, variant) = item.split_once('|').unwrap_or((&item, ""));
    let product = catalog
        .iter()
        .find(|p| p.sku == sku)
        .ok_or_else(|| match r.item.trim() {
            "" => "pick an item".to_owned(),
            typed => format!("no item called \"{typed}\"; pick one from the list"),
        })?;
    let sku = sku.to_owned();
    if variant.is_empty() {
        let qty = line_amount(product.unit, &r.amount)?;
        return Ok(LineRequest::Qty { sku, qty });
    }
    let count = pack_count(product, variant, &r.count)?;
    let variant = variant.to_owned();
    Ok(LineRequest::Variant {
        sku,
        variant,
        count,
    })
}

/// One line typed beside an unread line of an order: an item with a count or an amount.
pub(super) fn one_line(
    item: &str,
    count: &str,
    amount: &str,
    catalog: &[Product],
) -> Result<LineRequest, String> {
    let row = Row {
        item: item.to_owned(),
        count: count.to_owned(),
        amount: amount.to_owned(),
        from: String::new(),
    };
    line_request(&row, catalog)
}

/// Turns the rows into line requests, or says which row (0-based) is wrong and why.
fn line_requests(rows: &[Row], catalog: &[Product]) -> Result<Vec<LineRequest>, RowError> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            line_request(r, catalog).map_err(|e| RowError {
                row: i,
                message: format!("line {}: {e}", i + 1),
            })
        })
        .collect()
}

/// What is wrong with one row of the form, shown beside it.
struct RowError {
    row: usize,
    message: String,
}

pub(super) fn item_select(name: &str, selected: &str, catalog: &[Product]) -> Markup {
    html! {
        select name=(name) aria-label="Item" {
            option value="" { "—" }
            @for p in catalog {
                optgroup label=(p.name) {
                    @for v in &p.variants {
                        @let value = format!("{}|{}", p.sku, v.label);
                        option value=(value) selected[selected == value] { (p.name) " — " (v.label) }
                    }
                    @let loose = format!("{}|", p.sku);
                    option value=(loose) selected[selected == loose] {
                        (p.name) " — " (if p.unit == Unit::Kg { "by weight" } else { "by piece" })
                    }
                }
            }
        }
    }
}

fn rows_table(f: &OrderForm, catalog: &[Product], wrong: Option<&RowError>) -> Markup {
    let blank = std::iter::repeat_n(Row::default(), SPARE_ROWS);
    let rows: Vec<Row> = f.rows.iter().cloned().chain(blank).collect();
    html! {
        (super::pick::datalist(catalog))
        table.form-rows.stacked {
            thead { tr { th { "Item" } th { "Count (packs)" } th { "Or amount (750 g, 1.5 kg, 12)" } } }
            tbody {
                @for (i, r) in rows.iter().enumerate() {
                    @let error = wrong.filter(|w| w.row == i);
                    tr.invalid[error.is_some()] {
                        td data-label="Item" {
                            (super::pick::field(&format!("item_{i}"), &r.item, catalog))
                            @if !r.from.is_empty() { input type="hidden" name={ "line_" (i) } value=(r.from); }
                        }
                        td data-label="Count (packs)" { input type="number" min="1" name={ "count_" (i) } value=(r.count) aria-label="count"; }
                        td data-label="Or amount (750 g, 1.5 kg, 12)" { input type="text" name={ "amount_" (i) } value=(r.amount) aria-label="amount"; }
                    }
                    @if let Some(e) = error {
                        tr.row-error { td colspan="3" { small.field-error id="line-error" { (e.message) } } }
                    }
                }
            }
        }
    }
}

/// The order priced by `quote` for a preview, exactly as saving would price it; a refusal
/// comes back as the message to show.
async fn quoted<F>(state: &AppState, quote: F) -> AppResult<Result<Quote, String>>
where
    F: FnOnce(&Connection) -> Result<Quote, OrderError> + Send + 'static,
{
    match state.db.read(move |c| Ok(quote(c))).await? {
        Ok(q) => Ok(Ok(q)),
        Err(e) => Ok(Err(e.into_refusal()?)),
    }
}

fn preview(shop: &ShopPage, q: &Quote) -> Markup {
    html! {
        section.preview {
            h2 { "Preview" }
            table.lines {
                tbody {
                    @for l in &q.lines { tr { td { (l.name) } td { (l.amount_label()) } td.num { (money(shop, l.total)) } } }
                }
                tfoot {
                    (fee_row(shop, 2, q.fulfilment, q.totals.delivery_fee))
                    tr.total { td colspan="2" { "Total" } td.num { (money(shop, q.totals.total)) } }
                }
            }
        }
    }
}

/// Delivery or pickup, and the day the order is wanted.
fn terms_fields(f: &OrderForm) -> Markup {
    html! {
        (delivery_or_pickup(f))
        (field("Wanted on (optional)", "deliver_on", "date", &f.deliver_on, false))
    }
}

fn delivery_or_pickup(f: &OrderForm) -> Markup {
    let pickup = f.fulfilment == Fulfilment::Pickup.as_str();
    html! {
        fieldset {
            legend { "Delivery or pickup" }
            label.check { input type="radio" name="fulfilment" value="delivery" checked[!pickup]; span { "Delivery" } }
            label.check { input type="radio" name="fulfilment" value="pickup" checked[pickup]; span { "Pickup at the shop (no delivery fee)" } }
        }
    }
}

/// The address, notes and delivery or pickup an edited order is to have.
fn terms_of(f: &OrderForm) -> Result<service::Terms, String> {
    let fulfilment = match f.fulfilment.trim() {
        "" => Fulfilment::Delivery,
        text => text
            .parse()
            .map_err(|e| format!("delivery or pickup: {e}"))?,
    };
    Ok(service::Terms {
        address: f.address.clone(),
        notes: f.notes.clone(),
        fulfilment,
    })
}

/// What a form page shows besides its fields.
#[derive(Default)]
struct Extra<'a> {
    error: Option<&'a str>,
    /// A row that is wrong, marked beside it.
    row: Option<&'a RowError>,
    priced: Option<&'a Quote>,
}

impl<'a> Extra<'a> {
    fn refused(error: &'a str, row: Option<&'a RowError>) -> Self {
        Extra {
            error: Some(error),
            row,
            priced: None,
        }
    }
}

fn render(
    shop: &ShopPage,
    title: &str,
    action: &str,
    f: &OrderForm,
    catalog: &[Product],
    with_customer: bool,
    x: Extra,
) -> Markup {
    page(
        shop,
        Nav::Orders,
        title,
        html! {
            (error_box(x.error))
            form.stack.wide method="post" action=(action) {
                (csrf_field(&shop.csrf))
                @if !f.seen.is_empty() { input type="hidden" name="seen" value=(f.seen); }
                @if with_customer {
                    input type="hidden" name="once" value=(f.once);
                    label { span { "Customer's WhatsApp number" }
                        input type="tel" name="phone" value=(f.phone) required autocomplete="off"
                              data-customer-lookup=(shop.url("/customers/lookup"));
                        small.muted { "A known customer's name and address fill in (or press Preview totals)." }
                    }
                    (field("Customer's name", "name", "text", &f.name, false))
                    (field("Delivery address", "address", LINES, &f.address, false))
                    (field("Notes", "notes", "text", &f.notes, false))
                    label { span { "Payment" }
                        select name="payment_mode" {
                            @for m in PaymentMode::ALL.iter().filter(|m| f.razorpay || **m != PaymentMode::Razorpay) {
                                option value=(m.as_str()) selected[mode_of(&f.payment_mode) == *m] { (m.label()) }
                            }
                        }
                    }
                    (terms_fields(f))
                } @else {
                    (field("Delivery address", "address", LINES, &f.address, false))
                    (field("Notes", "notes", "text", &f.notes, false))
                    (delivery_or_pickup(f))
                }
                (rows_table(f, catalog, x.row))
                @if let Some(p) = x.priced { (preview(shop, p)) }
                div.actions {
                    button.secondary type="submit" name="action" value="preview" { "Preview totals" }
                    button type="submit" name="action" value="save" { "Save" }
                }
            }
        },
    )
}

/// Whether the shop takes Razorpay, as its storefront does.
async fn takes_razorpay(state: &AppState, shop: &ShopPage) -> AppResult<bool> {
    Ok(crate::web::store::pay::razorpay(state, &shop.business)
        .await?
        .is_some())
}

pub(super) async fn catalog(state: &AppState, shop: &ShopPage) -> AppResult<Vec<Product>> {
    let id = shop.business.id;
    state.db.read(move |c| products::on_sale(c, id)).await
}

pub async fn new(State(state): State<AppState>, shop: ShopPage) -> AppResult<Markup> {
    let catalog = catalog(&state, &shop).await?;
    Ok(render(
        &shop,
        "New order",
        &shop.url("/orders/new"),
        &OrderForm {
            once: crate::secret::new_token(),
            razorpay: takes_razorpay(&state, &shop).await?,
            ..OrderForm::default()
        },
        &catalog,
        true,
        Extra::default(),
    ))
}

fn problem(
    shop: &ShopPage,
    title: &str,
    action: &str,
    f: &OrderForm,
    catalog: &[Product],
    with_customer: bool,
    extra: Extra,
) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        render(shop, title, action, f, catalog, with_customer, extra),
    )
        .into_response()
}

/// The order the form describes with `lines`, or what is wrong with it.
fn new_order(shop: &ShopPage, f: &OrderForm, lines: Vec<LineRequest>) -> Result<NewOrder, String> {
    let phone = Phone::parse(&f.phone, &shop.business.country_code)
        .map_err(|e| format!("customer's number: {e}"))?;
    let fulfilment = match f.fulfilment.trim() {
        "" => Fulfilment::Delivery,
        text => text
            .parse()
            .map_err(|e| format!("delivery or pickup: {e}"))?,
    };
    let deliver_on = parse_deliver_on(&f.deliver_on).map_err(|e| format!("wanted on: {e}"))?;
    let payment_mode = mode_of(&f.payment_mode);
    if payment_mode == PaymentMode::Razorpay && !f.razorpay {
        // Nobody could pay it: the shop has no Razorpay keys to make a link or checkout with.
        return Err(
            "payment: this shop does not take Razorpay (no keys in Settings → Payments); \
                    choose cash or UPI"
                .into(),
        );
    }
    Ok(NewOrder {
        channel: Channel::Manual,
        customer_phone: phone,
        customer_name: f.name.clone(),
        lines,
        address: f.address.clone(),
        notes: f.notes.clone(),
        payment_mode,
        fulfilment,
        deliver_on,
        actor: shop.user.username.clone(),
    })
}

/// A known customer's name and latest address in the fields left blank: what the number
/// field's script does as one types, done by "Preview totals" for a browser without script.
async fn fill_known(state: &AppState, shop: &ShopPage, f: &mut OrderForm) -> AppResult<()> {
    let Ok(phone) = Phone::parse(&f.phone, &shop.business.country_code) else {
        return Ok(());
    };
    let id = shop.business.id;
    let known = state
        .db
        .read(move |c| crate::customers::by_phone(c, id, &phone))
        .await?;
    if let Some(c) = known {
        if f.name.trim().is_empty() {
            f.name = c.name;
        }
        if f.address.trim().is_empty() {
            f.address = c.addresses.into_iter().next().unwrap_or_default();
        }
    }
    Ok(())
}

pub async fn create(
    State(state): State<AppState>,
    shop: ShopPage,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let mut f = OrderForm::from_pairs(pairs);
    f.razorpay = takes_razorpay(&state, &shop).await?;
    if !f.save {
        fill_known(&state, &shop, &mut f).await?;
    }
    let catalog = catalog(&state, &shop).await?;
    let action = shop.url("/orders/new");
    let show = |x: Extra| problem(&shop, "New order", &action, &f, &catalog, true, x);
    let fail = |msg: &str| show(Extra::refused(msg, None));
    let lines = match line_requests(&f.rows, &catalog) {
        Ok(l) => l,
        Err(e) => return Ok(show(Extra::refused(MARKED, Some(&e)))),
    };
    let req = match new_order(&shop, &f, lines) {
        Ok(r) => r,
        Err(m) => return Ok(fail(&m)),
    };
    let business = shop.business.clone();
    if !f.save {
        let quote = move |c: &Connection| service::quote(c, &business, &req.lines, req.fulfilment);
        return match quoted(&state, quote).await? {
            Ok(q) => {
                let extra = Extra {
                    priced: Some(&q),
                    ..Extra::default()
                };
                Ok(render(&shop, "New order", &action, &f, &catalog, true, extra).into_response())
            }
            Err(refused) => Ok(fail(&refused)),
        };
    }
    let key = f.once.clone();
    match state
        .db
        .write(move |tx| create_once(tx, &business, &req, &key))
        .await
    {
        Ok((o, new)) => {
            if new {
                state.bridge.live.order(shop.business.id, o.number, true);
            }
            Ok(Redirect::to(&shop.url(&format!("/orders/{}", o.number))).into_response())
        }
        Err(e) => Ok(fail(&e.into_refusal()?)),
    }
}

/// Takes the order, or finds the one this form (`key`, when it has one) already made; whether
/// it is new.
fn create_once(
    tx: &Connection,
    b: &Business,
    req: &NewOrder,
    key: &str,
) -> Result<(Order, bool), OrderError> {
    if key.is_empty() {
        return Ok((service::create(tx, b, req)?, true));
    }
    if let Some(number) = once::placed(tx, b.id, Source::Form(key))? {
        let order = store::by_number(tx, b.id, number)?.ok_or(OrderError::NotFound)?;
        return Ok((order, false));
    }
    let order = service::create(tx, b, req)?;
    once::mark(tx, order.id, Source::Form(key))?;
    Ok((order, true))
}

pub async fn edit(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, number)): Path<(String, i64)>,
) -> AppResult<Markup> {
    let id = shop.business.id;
    let order = state
        .db
        .read(move |c| store::by_number(c, id, number))
        .await?
        .ok_or(AppError::NotFound)?;
    let catalog = catalog(&state, &shop).await?;
    let title = format!("Edit order #{number}");
    let extra = Extra::default();
    let action = shop.url(&format!("/orders/{number}/edit"));
    Ok(render(
        &shop,
        &title,
        &action,
        &OrderForm::from_order(&order),
        &catalog,
        false,
        extra,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, number)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = OrderForm::from_pairs(pairs);
    let catalog = catalog(&state, &shop).await?;
    let (title, action) = (
        format!("Edit order #{number}"),
        shop.url(&format!("/orders/{number}/edit")),
    );
    let show = |x: Extra| problem(&shop, &title, &action, &f, &catalog, false, x);
    let fail = |msg: &str| show(Extra::refused(msg, None));
    let lines = match line_requests(&f.rows, &catalog) {
        Ok(l) => l,
        Err(e) => return Ok(show(Extra::refused(MARKED, Some(&e)))),
    };
    let terms = match terms_of(&f) {
        Ok(t) => f.terms.then_some(t),
        Err(m) => return Ok(fail(&m)),
    };
    let (business, actor) = (shop.business.clone(), shop.user.username.clone());
    let from: Vec<Option<usize>> = f.rows.iter().map(Row::edits_line).collect();
    let seen = f.seen.parse::<i64>().ok();
    if !f.save {
        let switched = terms.as_ref().map(|t| t.fulfilment);
        let quote =
            move |c: &Connection| service::quote_edit(c, &business, number, &lines, switched);
        return match quoted(&state, quote).await? {
            Ok(q) => {
                let extra = Extra {
                    priced: Some(&q),
                    ..Extra::default()
                };
                Ok(render(&shop, &title, &action, &f, &catalog, false, extra).into_response())
            }
            Err(refused) => Ok(fail(&refused)),
        };
    }
    match state
        .db
        .write(move |tx| {
            if let Some(seen) = seen {
                service::unchanged_since(tx, business.id, number, seen)?;
            }
            let edited = service::edit_lines(tx, &business, number, &lines, &from, &actor)?;
            let edited = match &terms {
                Some(t) => service::edit_terms(tx, &business, number, t, &actor)?,
                None => edited,
            };
            // A new total may leave a paid order partly paid, or a partly paid one paid.
            payments::settle(tx, &edited)?;
            Ok::<_, crate::orders::OrderError>(edited)
        })
        .await
    {
        Ok(_) => {
            state.bridge.live.order(shop.business.id, number, false);
            Ok(Redirect::to(&shop.url(&format!("/orders/{number}?done=1"))).into_response())
        }
        Err(e) => Ok(fail(&e.into_refusal()?)),
    }
}

/// The form's payment mode; the select offers only good ones, so anything else is cash.
fn mode_of(text: &str) -> PaymentMode {
    PaymentMode::parse_lenient(text).unwrap_or(PaymentMode::Cash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_amounts_follow_the_one_amount_rule() {
        assert_eq!(line_amount(Unit::Kg, "750 g"), Ok(750));
        assert_eq!(line_amount(Unit::Kg, "1.5 kg"), Ok(1500));
        assert_eq!(line_amount(Unit::Pc, "12"), Ok(12));
        let bare = line_amount(Unit::Kg, "750").unwrap_err();
        assert!(bare.contains("needs a unit"), "{bare}");
        let junk = line_amount(Unit::Kg, "lots").unwrap_err();
        assert!(junk.contains("not an amount"), "{junk}");
    }

    #[test]
    fn a_line_must_come_to_something() {
        for (unit, text) in [(Unit::Kg, "0 g"), (Unit::Kg, "0 kg"), (Unit::Pc, "0")] {
            let err = line_amount(unit, text).unwrap_err();
            assert!(err.contains("more than zero"), "{text}: {err}");
        }
    }
}
