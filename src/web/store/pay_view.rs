//! The payment page's markup: the Checkout button `pay.js` opens Razorpay with, the form it posts
//! Razorpay's answer back through, and what to do without JavaScript or without Razorpay.
//! Its Content-Security-Policy lets Razorpay's script and frames in; no other page's does.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use super::view::{self, Shop};
use crate::accounts::businesses::Business;
use crate::domain::Money;
use crate::orders::Order;
use crate::web::assets;

/// Razorpay's Checkout script, loaded from Razorpay (it may not be served from elsewhere).
pub const CHECKOUT_JS: &str = "https://checkout.razorpay.com/v1/checkout.js";

/// The site's policy plus what Checkout needs: its script, the payment window it opens in a
/// frame from api.razorpay.com, the calls and images that window makes, and the inline styles
/// it sets on its container.
pub const CSP: &str = "default-src 'self'; \
     script-src 'self' https://checkout.razorpay.com; \
     frame-src https://api.razorpay.com https://checkout.razorpay.com; \
     connect-src 'self' https://api.razorpay.com https://lumberjack.razorpay.com; \
     img-src 'self' data: https://*.razorpay.com; \
     style-src 'self' 'unsafe-inline'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// What the page can offer for an order still to be paid.
#[derive(Clone, Copy)]
pub enum Offer<'a> {
    /// A Razorpay order is ready for Checkout.
    Checkout {
        key_id: &'a str,
        razorpay_order: &'a str,
    },
    /// Razorpay did not answer when the order was made: try again.
    Unreachable,
    /// The shop has no Razorpay keys now.
    Closed,
}

pub struct PayPage<'a> {
    pub shop: Shop<'a>,
    pub order: &'a Order,
    pub due: Money,
    pub token: &'a str,
    pub offer: Offer<'a>,
    /// Why the last try did not count (a payment that could not be confirmed).
    pub refused: Option<&'a str>,
}

impl PayPage<'_> {
    fn b(&self) -> &Business {
        self.shop.business
    }

    fn pay_url(&self) -> String {
        format!("/s/{}/pay/{}", self.b().short_code, self.token)
    }

    /// The page, with its own Content-Security-Policy.
    pub fn respond(&self, status: axum::http::StatusCode) -> Response {
        let title = format!("Pay for order #{}", self.order.number);
        let extra = match self.offer {
            Offer::Checkout { .. } => html! {
                script src=(CHECKOUT_JS) defer {}
                script src=(assets::url("pay.js")) defer {}
            },
            _ => html! {},
        };
        let page = view::page_with(&self.shop, &title, extra, self.body());
        let mut res = (status, page).into_response();
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        res
    }

    fn body(&self) -> Markup {
        let amount = self.due.format(&self.b().currency);
        let track = format!("/t/{}", self.token);
        html! {
            @if let Some(m) = self.refused { p.error role="alert" { (m) } }
            p { "Order #" (self.order.number) " is placed. To pay: " strong { (amount) } "." }
            @match self.offer {
                Offer::Checkout { key_id, razorpay_order } => (self.checkout(key_id, razorpay_order, &amount)),
                Offer::Unreachable => (self.unreachable()),
                Offer::Closed => p { "This shop does not take payments online just now. Pay when your order arrives, or at pickup." },
            }
            p { a.go href=(track) { "See your order" } }
        }
    }

    fn checkout(&self, key_id: &str, razorpay_order: &str, amount: &str) -> Markup {
        let o = self.order;
        html! {
            section id="rzp" class="store-pay"
                data-key=(key_id) data-order=(razorpay_order) data-amount=(self.due.minor())
                data-currency="INR" data-shop=(self.b().name)
                data-description={ "Order #" (o.number) }
                data-name=(o.customer.name) data-contact={ "+" (o.customer.phone.as_str()) } {
                p { "Pay with UPI, a card or net banking through Razorpay." }
                button id="rzp-pay" type="button" hidden { "Pay " (amount) " online" }
                p id="rzp-note" class="error" role="alert" hidden {}
                noscript {
                    p.error { "Paying online needs JavaScript, which is off in this browser. Your order is placed and kept: turn JavaScript on and open this page again, or pay when your order arrives." }
                }
            }
            form id="rzp-done" method="post" action=(self.pay_url()) hidden {
                input type="hidden" name="razorpay_payment_id";
                input type="hidden" name="razorpay_order_id";
                input type="hidden" name="razorpay_signature";
            }
        }
    }

    fn unreachable(&self) -> Markup {
        html! {
            p.error role="alert" {
                "We could not start the online payment: Razorpay did not answer. Your order is placed and kept. Try again, or pay when your order arrives."
            }
            form method="post" action={ (self.pay_url()) "/start" } {
                button type="submit" { "Try again" }
            }
        }
    }
}
