//! The tracking page's "Pay by UPI" card: while an order is still to be paid, the `upi://pay`
//! link for exactly what is due, as a QR code to scan and as a button that opens the UPI app on
//! the phone the page is read on. No word comes back from UPI, so it says staff mark it paid.

use maud::{html, Markup, PreEscaped};

use crate::accounts::businesses::Business;
use crate::domain::Money;
use crate::orders::{Order, PaymentMode, PaymentStatus, Status};
use crate::payments::upi;
use crate::web::qr;

/// The link to show for `order` with `due` left to pay, if any: the shop takes UPI, the order
/// is neither cancelled nor paid (or refunded), and it is not paid through Razorpay.
pub fn link(b: &Business, order: &Order, due: Money) -> Option<String> {
    let open = order.status != Status::Cancelled
        && matches!(
            order.payment_status,
            PaymentStatus::Unpaid | PaymentStatus::PartlyPaid
        )
        && order.payment_mode != PaymentMode::Razorpay;
    open.then(|| upi::order_link(b, order.number, due))
        .flatten()
}

/// The card, or nothing when there is no [`link`] to show.
pub fn card(b: &Business, order: &Order, due: Money) -> Markup {
    let Some(link) = link(b, order, due) else {
        return html! {};
    };
    let amount = due.format(&b.currency);
    html! {
        section.store-upi aria-labelledby="upi-title" {
            h2 #upi-title { "Pay by UPI" }
            p { "Pay " strong { (amount) } " to " (b.name) ": scan the code with any UPI app, or tap the button on this phone. The amount is filled in." }
            @if let Some(svg) = qr::svg(&link) {
                div.qr role="img" aria-label={ "QR code to pay " (amount) " by UPI" } { (PreEscaped(svg)) }
            }
            p { a.button.store-upi-pay href=(link) { "Pay with a UPI app" } }
            p.muted {
                "To " code { (b.upi_id) } ", note “Order " (order.number) "”. "
                "The shop marks the order paid when the money arrives."
            }
        }
    }
}
