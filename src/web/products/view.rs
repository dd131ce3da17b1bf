//! One product's page: its details form, image, stock figure with the adjustment form, and
//! the stock history. Staff who may not change the catalog see the same facts without forms.

use maud::{html, Markup};

use super::form::{self, Problems, ProductForm};
use super::suggestions;
use crate::catalog::products::Product;
use crate::catalog::stock::Move;
use crate::catalog::suggestions::Suggestion;
use crate::domain::{format_amount, Money, Unit};
use crate::web::layout::{csrf_field, error_box, notice, page, Nav};
use crate::web::{csrf, extract::ShopPage};

/// What to show besides the product itself: a form being corrected, errors, a notice.
#[derive(Default)]
pub struct View {
    /// The details form as typed, when it is shown again with an error.
    pub form: Option<ProductForm>,
    /// What is wrong with it, beside each field.
    pub form_problems: Problems,
    pub image_error: Option<String>,
    pub stock_error: Option<String>,
    /// The stock form as typed.
    pub change: String,
    pub reason: String,
    pub notice: Option<&'static str>,
    /// An alias suggestion that could not be added, and why.
    pub suggestion_error: Option<(i64, String)>,
}

pub fn render(
    shop: &ShopPage,
    p: &Product,
    history: &[Move],
    words: &[Suggestion],
    view: &View,
) -> Markup {
    let manage = shop.role.can_manage_catalog();
    let content = html! {
        p { a.go href=(shop.url("/products")) { "← All products" } }
        (notice(view.notice))
        div.product-page {
            section.card {
                h2 { "Details" }
                @if manage {
                    @let form = view.form.clone().unwrap_or_else(|| ProductForm::from_product(p));
                    (form::render(&shop.url(&format!("/products/{}", p.id)), &shop.csrf, &form, &view.form_problems, false))
                } @else {
                    (details(shop, p))
                }
            }
            div.side {
                (suggestions::section(shop, p, words, view.suggestion_error.as_ref()))
                (image_section(shop, p, view, manage))
                (stock_section(shop, p, history, view, manage))
            }
        }
    };
    page(shop, Nav::Products, &p.name, content)
}

/// A price for people: `₹1,200.00 / kg`.
pub fn price_label(currency: &str, price: Money, unit: Unit) -> String {
    format!("{} / {}", price.format(currency), unit)
}

fn details(shop: &ShopPage, p: &Product) -> Markup {
    let currency = &shop.business.currency;
    html! {
        dl {
            dt { "SKU" } dd { code { (p.sku) } }
            dt { "Category" } dd { (p.category) }
            dt { "Price" } dd { (price_label(currency, p.price, p.unit)) }
            dt { "Aliases" } dd { (p.aliases.join(", ")) }
            dt { "Active" } dd { (if p.active { "yes" } else { "no" }) }
            dt { "Variants" }
            dd {
                ul.list {
                    @for v in &p.variants {
                        li {
                            (v.label) " (" (format_amount(p.unit, u64::from(v.amount))) ")"
                            @if let Some(price) = p.variant_price(v) { " · " (price.format(currency)) }
                        }
                    }
                }
            }
        }
    }
}

fn image_section(shop: &ShopPage, p: &Product, view: &View, manage: bool) -> Markup {
    let base = shop.url(&format!("/products/{}/image", p.id));
    // The query names the stored file, so a new upload is a new URL and caches stay right.
    let version = p.image.as_deref().unwrap_or_default();
    // The token rides in the address (a multipart body is read after the check); the answer
    // to a refused file opens at this card (`#image`), where its error is.
    let upload = format!("{base}?{}={}#image", csrf::FIELD, shop.csrf);
    html! {
        section.card #image {
            h2 { "Image" }
            @if p.image.is_some() {
                img.product-image src={ (base) "?v=" (version) } alt=(p.name);
            } @else {
                p.muted { "No image yet." }
            }
            @if manage {
                (error_box(view.image_error.as_deref()))
                form.stack method="post" action=(upload) enctype="multipart/form-data" {
                    label {
                        span { "JPEG, PNG, WebP or GIF, up to 2 MiB" }
                        input type="file" name="image" accept="image/jpeg,image/png,image/webp,image/gif" required;
                    }
                    button type="submit" { "Upload image" }
                }
            }
        }
    }
}

fn stock_section(
    shop: &ShopPage,
    p: &Product,
    history: &[Move],
    view: &View,
    manage: bool,
) -> Markup {
    html! {
        section.card #stock {
            h2 { "Stock" }
            p.stock-figure {
                strong { (format_amount(p.unit, p.stock.unsigned_abs())) }
                " " (low_marker(p))
            }
            @if manage {
                (error_box(view.stock_error.as_deref()))
                // "#stock": the page answering it (its error, or the new figure) opens at this
                // card, not at the top of a phone-long page.
                form.stack method="post" action=(shop.url(&format!("/products/{}/stock#stock", p.id))) {
                    (csrf_field(&shop.csrf))
                    label {
                        span { "Change (+ to add, - to take away, e.g. " (change_example(p.unit)) ")" }
                        input type="text" name="change" value=(view.change) required autocomplete="off";
                    }
                    label {
                        span { "Reason" }
                        input type="text" name="reason" value=(view.reason) required autocomplete="off"
                              placeholder="fresh batch, spoilt, counted";
                    }
                    button type="submit" { "Adjust stock" }
                }
            }
            (history_table(shop, p.unit, history))
        }
    }
}

fn change_example(unit: Unit) -> &'static str {
    match unit {
        Unit::Kg => "+2 kg or -500 g",
        Unit::Pc => "+12 or -3",
    }
}

/// "out of stock" or "low" beside a stock figure, or nothing.
pub fn low_marker(p: &Product) -> Markup {
    html! {
        @if p.stock == 0 {
            span.badge.off { "out of stock" }
        } @else if p.is_low() {
            span.badge.low { "low" }
        }
    }
}

fn history_table(shop: &ShopPage, unit: Unit, history: &[Move]) -> Markup {
    html! {
        h3 { "History" }
        @if history.is_empty() {
            p.muted { "No stock changes yet." }
        } @else {
            table.history {
                thead { tr { th { "Change" } th { "After" } th { "Reason" } th { "Who" } th { "When" } } }
                tbody {
                    @for m in history {
                        tr {
                            td.change { (signed_amount(unit, m.delta)) }
                            td.after data-label="After" { (format_amount(unit, m.stock_after.unsigned_abs())) }
                            td.reason { (m.reason) }
                            td.who { (m.actor) }
                            td.when { (shop.business.local_time(m.created_at)) }
                        }
                    }
                }
            }
        }
    }
}

fn signed_amount(unit: Unit, delta: i64) -> String {
    let sign = if delta < 0 { "-" } else { "+" };
    format!("{sign}{}", format_amount(unit, delta.unsigned_abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_amounts_read_like_the_form() {
        assert_eq!(signed_amount(Unit::Kg, 2000), "+2 kg");
        assert_eq!(signed_amount(Unit::Kg, -500), "-500 g");
        assert_eq!(signed_amount(Unit::Pc, 12), "+12 pc");
    }
}
