//! The public pages' shell (storefront, cart, tracking): the shop's name, address, hours and
//! whether it is open now, made for a phone first; no staff navigation, no login.

use maud::{html, Markup, DOCTYPE};

use crate::accounts::businesses::Business;
use crate::domain::Hours;
use crate::web::assets;
use crate::web::layout::head_start;

/// What the shop header shows besides the business itself.
pub struct Shop<'a> {
    pub business: &'a Business,
    pub hours: &'a Hours,
    /// Lines in the cart, for the header's cart link; `None` on pages without a cart.
    pub in_cart: Option<usize>,
}

impl Shop<'_> {
    fn open_now(&self) -> Option<bool> {
        if self.hours.is_empty() {
            return None;
        }
        let now = chrono::Utc::now().with_timezone(&self.business.offset());
        Some(self.hours.is_open(now.naive_local()))
    }

    fn base(&self) -> String {
        format!("/s/{}", self.business.short_code)
    }
}

/// What a customer meets at a shop the platform admin deactivated (its storefront, a tracking
/// link): the shop is closed, said plainly, and nothing of its catalog or orders.
pub fn closed(name: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                (head_start("Closed", name))
                link rel="stylesheet" href=(assets::url("style.css"));
                link rel="stylesheet" href=(assets::url("store.css"));
            }
            body.store {
                header.store-head { span.store-name { (name) } }
                main.store-main {
                    h1 { "This shop is closed on Novi" }
                    p { (name) " is not taking orders on Novi at the moment, and its order pages are not shown." }
                    p { "To ask about an order, please contact the shop directly." }
                }
            }
        }
    }
}

/// A public page of shop `s`.
pub fn page(s: &Shop, title: &str, content: Markup) -> Markup {
    page_with(s, title, html! {}, content)
}

/// [`page`] with more in its head (the payment page's scripts).
pub fn page_with(s: &Shop, title: &str, extra_head: Markup, content: Markup) -> Markup {
    let b = s.business;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                (head_start(title, &b.name))
                link rel="stylesheet" href=(assets::url("style.css"));
                link rel="stylesheet" href=(assets::url("store.css"));
                script src=(assets::url("store.js")) defer {}
                (extra_head)
            }
            body.store {
                header.store-head {
                    a.store-name href=(s.base()) { (b.name) }
                    @if let Some(n) = s.in_cart {
                        a.store-cart-link href={ (s.base()) "/cart" } { "Cart (" (n) ")" }
                    }
                }
                main.store-main {
                    (shop_info(s))
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

fn shop_info(s: &Shop) -> Markup {
    let b = s.business;
    html! {
        section.store-info aria-label="About the shop" {
            @if !b.address.is_empty() { p { (b.address) } }
            @match s.open_now() {
                Some(true) => p.open { "Open now" },
                Some(false) => p.closed { "Closed now" },
                None => {},
            }
            @if !s.hours.is_empty() {
                details {
                    summary { "Opening hours" }
                    dl.store-hours {
                        @for (day, times) in s.hours.week() { dt { (day) } dd { (times) } }
                    }
                }
            }
            @if let Some(call) = call_shop(b) { p { "Call " (call) } }
        }
    }
}

/// The shop's number as people write it, a tap away from a call (`tel:` needs the `+` for the
/// country code, else a phone dials the digits as a local number); nothing without one.
pub fn call_shop(b: &Business) -> Option<Markup> {
    let phone = crate::domain::Phone::from_digits(&b.phone).ok()?;
    Some(html! { a.tel href={ "tel:+" (phone) } { (phone.readable()) } })
}
