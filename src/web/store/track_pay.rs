//! The tracking page's "Pay now" card: while an order taken for payment through Razorpay is
//! still to be paid, and the shop still has its Razorpay keys, a button to the order's payment
//! page (`/s/{code}/pay/{token}`) for exactly what is due.

use maud::{html, Markup};

use crate::accounts::businesses::Business;
use crate::domain::Money;
use crate::orders::{Order, PaymentMode, PaymentStatus, Status};

/// Whether `order` is to be paid online now: a Razorpay order, open, with money due, at a shop
/// with Razorpay keys (`online`).
pub fn shows(order: &Order, due: Money, online: bool) -> bool {
    online
        && order.payment_mode == PaymentMode::Razorpay
        && order.status != Status::Cancelled
        && matches!(
            order.payment_status,
            PaymentStatus::Unpaid | PaymentStatus::PartlyPaid
        )
        && due.minor() > 0
}

/// The card, or nothing when it does not [`shows`]. A payment of theirs set aside for the shop
/// to check (made for an amount the order no longer came to) is said instead of "Pay now":
/// paying again would take their money twice.
pub fn card(
    b: &Business,
    order: &Order,
    due: Money,
    online: bool,
    token: &str,
    set_aside: Money,
) -> Markup {
    if set_aside.minor() > 0 {
        return html! {
            section.store-pay aria-labelledby="pay-title" {
                h2 #pay-title { "Your payment" }
                p { "We have received " strong { (set_aside.format(&b.currency)) } " from you online. The order changed before it came, so the shop is checking it and will settle the difference with you. Please do not pay again." }
            }
        };
    }
    if !shows(order, due, online) {
        return html! {};
    }
    let amount = due.format(&b.currency);
    html! {
        section.store-pay aria-labelledby="pay-title" {
            h2 #pay-title { "Pay online" }
            p { "This order is waiting for your payment of " strong { (amount) } "." }
            p { a.button.store-pay-now href={ "/s/" (b.short_code) "/pay/" (token) } { "Pay now" } }
        }
    }
}
