//! The dashboard's storefront block: the shop's public link and a QR code to print, for the
//! counter or a flyer. Its own function so the dashboard only places it.

use maud::{html, Markup, PreEscaped};

use crate::web::extract::ShopPage;
use crate::web::qr;

/// The block for `shop`, its link starting with `origin` (`https://shop.example`).
pub fn block(shop: &ShopPage, origin: &str) -> Markup {
    let link = format!("{origin}/s/{}", shop.business.short_code);
    html! {
        div.card.store-promo {
            h2 { "Your online shop" }
            p { "Customers can order from this page, no app or login needed:" }
            p { a.go href=(link) { (link) } }
            @if let Some(svg) = qr::svg(&link) {
                figure.qr aria-label="QR code of the shop's link" {
                    (PreEscaped(svg))
                    figcaption { "Print this QR code for your counter: it opens the shop's page." }
                }
            }
        }
    }
}
