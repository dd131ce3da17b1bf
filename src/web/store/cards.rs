//! A product's card on the storefront: image, price, packs and the add-to-cart form, which
//! carries the page it sits on (`back`) so the shopper returns there.

use maud::{html, Markup, PreEscaped};

use super::cache::TOKEN_MARK;
use crate::accounts::businesses::Business;
use crate::catalog::products::Product;
use crate::domain::{Money, Unit};

fn per(p: &Product) -> &'static str {
    match p.unit {
        Unit::Kg => "/kg",
        Unit::Pc => " each",
    }
}

/// The card of `p` on the page at path `back`.
pub fn card(b: &Business, p: &Product, back: &str) -> Markup {
    let money = |m: Money| m.format(&b.currency);
    let sold_out = p.stock <= 0;
    html! {
        article.store-card id={ "p" (p.id) } {
            @if p.image.is_some() {
                img src={ "/s/" (b.short_code) "/images/" (p.id) } alt=(p.name) loading="lazy" width="96" height="96";
            }
            div {
                h3 { (p.name) }
                p.price { (money(p.price)) (per(p)) }
                @if sold_out {
                    p.sold-out { "Sold out" }
                } @else {
                    form.add method="post" action={ "/s/" (b.short_code) "/cart" } {
                        input type="hidden" name="_cart" value=(PreEscaped(TOKEN_MARK));
                        input type="hidden" name="back" value=(back);
                        input type="hidden" name="product" value=(p.id);
                        @if p.variants.is_empty() {
                            input type="hidden" name="variant" value="0";
                        } @else {
                            label {
                                span { "Pack" }
                                select name="variant" {
                                    @for v in &p.variants {
                                        option value=(v.id) selected[v.is_default] {
                                            (v.label) " — " (p.variant_price(v).map(money).unwrap_or_default())
                                        }
                                    }
                                }
                            }
                        }
                        label {
                            span { "How many" @if p.variants.is_empty() && p.unit == Unit::Kg { " (kg)" } }
                            input type="number" name="count" value="1" min="1" max="99" inputmode="numeric";
                        }
                        button type="submit" { "Add to cart" }
                    }
                }
            }
        }
    }
}
