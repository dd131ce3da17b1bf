//! The kitchen ticket (KOT) and the bill as lines of text for a thermal printer: what each
//! holds, laid out to the roll's width. The KOT never shows a price.

use crate::accounts::businesses::Business;
use crate::domain::{Money, Phone};
use crate::orders::{Fulfilment, Order, Status};

use super::PrintSettings;

/// One printed line; `large` ones are printed double height and width (half as many columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub large: bool,
}

fn line(text: impl Into<String>) -> Line {
    Line {
        text: text.into(),
        large: false,
    }
}

fn large(text: impl Into<String>) -> Line {
    Line {
        text: text.into(),
        large: true,
    }
}

/// `left` and `right` on one line of `width` columns, the right flush with the edge.
fn spread(left: &str, right: &str, width: usize) -> String {
    let used = left.chars().count() + right.chars().count();
    let gap = width.saturating_sub(used).max(1);
    format!("{left}{}{right}", " ".repeat(gap))
}

/// "Delivery" or "Pickup", and the day the customer wants it when they named one.
pub fn handover(o: &Order) -> String {
    match o.deliver_on {
        Some(day) => format!("{} on {}", o.fulfilment.label(), day.format("%a %d %b")),
        None => o.fulfilment.label().to_owned(),
    }
}

/// Printed across a cancelled order's ticket and bill, so neither is prepared or paid by mistake.
pub const CANCELLED: &str = "*** CANCELLED ***";

/// Whether the order's ticket and bill say [`CANCELLED`].
pub fn cancelled(o: &Order) -> bool {
    o.status == Status::Cancelled
}

/// A number as people write it ("+91 98000 00001"); as stored when it does not read as one.
pub fn readable_phone(digits: &str) -> String {
    Phone::from_digits(digits.trim()).map_or_else(|_| digits.trim().to_owned(), |p| p.readable())
}

/// Where a delivery goes and whom to call there; nothing for a pickup.
pub fn deliver_to(o: &Order) -> Option<(String, String)> {
    (o.fulfilment == Fulfilment::Delivery)
        .then(|| (o.address.trim().to_owned(), o.customer.phone.readable()))
}

/// What the kitchen needs: the order's number and time, each item and amount in large type,
/// and the notes. No prices.
pub fn kot(b: &Business, o: &Order) -> Vec<Line> {
    let mut out = vec![large(format!("KOT #{}", o.number))];
    if cancelled(o) {
        out.push(large(CANCELLED));
    }
    out.extend([
        line(b.local_time(o.created_at)),
        line(handover(o)),
        line(""),
    ]);
    for l in &o.lines {
        out.push(large(format!("{}  {}", l.amount_label(), l.name)));
    }
    if !o.notes.trim().is_empty() {
        out.push(line(""));
        out.push(line(format!("Note: {}", o.notes.trim())));
    }
    out
}

/// "Cash · Unpaid", as the bill says it.
pub fn payment(o: &Order) -> String {
    format!("{} · {}", o.payment_mode.label(), o.payment_status.label())
}

/// What has been paid towards an order (less refunds), refunded for good, owed back to the
/// customer, and still to pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    pub received: Money,
    pub refunded_for_good: Money,
    pub give_back: Money,
    pub due: Money,
}

/// The bill's money lines under the total: paid, and to pay, so a part-paid order (or one
/// owing again after a refund) says what the customer hands over; a refund given for good
/// and money to give back when there are any, so that the total less what was paid and
/// refunded is what is to pay. A cancelled bill has nothing to pay: it says only what was paid
/// and is to be given back, if anything.
pub fn settled_lines(o: &Order, s: &Settled) -> Vec<(&'static str, Money)> {
    if cancelled(o) {
        let lines = [("Paid", s.received), ("To give back", s.give_back)];
        return lines.into_iter().filter(|(_, m)| m.minor() > 0).collect();
    }
    let mut lines = vec![("Paid", s.received)];
    if s.refunded_for_good.minor() > 0 {
        lines.push(("Refunded", s.refunded_for_good));
    }
    if s.give_back.minor() > 0 {
        lines.push(("To give back", s.give_back));
    }
    lines.push(("To pay", s.due));
    lines
}

/// The customer's bill: the shop, the items with their amounts, the fee, the total, whether
/// it is paid, and a thank-you.
pub fn bill(
    b: &Business,
    s: &PrintSettings,
    o: &Order,
    width: usize,
    settled: &Settled,
) -> Vec<Line> {
    let money = |m: Money| m.format(&o.currency);
    let mut out = vec![large(b.name.clone())];
    if !b.address.trim().is_empty() {
        out.push(line(b.address.trim()));
    }
    if !b.phone.trim().is_empty() {
        out.push(line(readable_phone(&b.phone)));
    }
    if !s.gstin.is_empty() {
        out.push(line(format!("GSTIN {}", s.gstin)));
    }
    out.push(line("-".repeat(width)));
    out.push(line(spread(
        &format!("Bill #{}", o.number),
        &b.local_time(o.created_at),
        width,
    )));
    out.push(line(format!("{} · {}", o.customer.name, handover(o))));
    if let Some((address, phone)) = deliver_to(o) {
        out.push(line(address));
        out.push(line(phone));
    }
    if cancelled(o) {
        out.push(large(CANCELLED));
    }
    out.push(line("-".repeat(width)));
    for l in &o.lines {
        out.push(line(l.name.clone()));
        out.push(line(spread(
            &format!("  {}", l.amount_label()),
            &money(l.total),
            width,
        )));
    }
    out.push(line("-".repeat(width)));
    out.push(line(spread("Subtotal", &money(o.subtotal), width)));
    if o.fulfilment == Fulfilment::Delivery {
        out.push(line(spread("Delivery fee", &money(o.delivery_fee), width)));
    }
    out.push(large(spread("Total", &money(o.total), width / 2)));
    for (what, amount) in settled_lines(o, settled) {
        out.push(line(spread(what, &money(amount), width)));
    }
    out.push(line(payment(o)));
    out.push(line(""));
    out.push(line("Thank you! Please visit again."));
    out
}
