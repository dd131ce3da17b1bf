//! The dashboard's two short lists: the newest orders, and the conversations waiting longest
//! for a person.

use maud::{html, Markup};

use crate::domain::Money;
use crate::orders::figures::Recent;
use crate::web::extract::ShopPage;
use crate::web::format::{age, phone};
use crate::web::orders::status_badge;
use crate::whatsapp::attention::Waiting;

pub fn recent(shop: &ShopPage, orders: &[Recent]) -> Markup {
    html! {
        section.card aria-labelledby="recent-h" {
            h2 #recent-h { "Recent orders" }
            @if orders.is_empty() {
                p.muted { "No orders yet." }
            } @else {
                ul.plain {
                    @for o in orders {
                        li {
                            a href=(shop.url(&format!("/orders/{}", o.number))) { "#" (o.number) }
                            " " (o.customer) " · " (Money::from_minor(o.total_minor).format(&shop.business.currency)) " "
                            (status_badge(o.status, o.fulfilment))
                            br; span.muted { (shop.business.local_time(o.created_at)) " · " (crate::orders::Channel::label_of(&o.channel)) }
                        }
                    }
                }
            }
            p { a.go href=(shop.url("/orders")) { "All orders" } }
        }
    }
}

pub fn waiting(shop: &ShopPage, chats: &[Waiting], now: i64) -> Markup {
    html! {
        section.card aria-labelledby="waiting-h" {
            h2 #waiting-h { "Needs a person" }
            @if chats.is_empty() {
                p.muted { "No conversation is waiting for a person." }
            } @else {
                ul.plain {
                    @for c in chats {
                        li {
                            a href=(shop.url(&format!("/conversations/{}", c.phone))) {
                                @if c.name.is_empty() { (phone(&c.phone)) } @else { (c.name) }
                            }
                            " · waiting " (age(now - c.since))
                            br; span.muted { (c.reason) }
                        }
                    }
                }
            }
            p { a.go href=(shop.url("/conversations")) { "Conversations" } }
        }
    }
}
