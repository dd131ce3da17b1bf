//! The cart page's markup: the lines with their counts and stock, the totals, and the checkout
//! form with each field's error beside it.

use maud::{html, Markup};

use super::cart::Cart;
use super::checkout::{CheckoutForm, Errors, Priced};
use super::pay;
use super::view::{self, Shop};
use crate::accounts::businesses::Business;
use crate::domain::Hours;
use crate::orders::store::Totals;

pub struct View<'a> {
    pub b: &'a Business,
    pub hours: &'a Hours,
    pub cart: &'a Cart,
    pub priced: &'a Priced,
    pub form: &'a CheckoutForm,
    pub errors: &'a Errors,
    pub refused: Option<&'a str>,
    pub token: &'a str,
    /// The shop takes payments through Razorpay.
    pub online: bool,
}

impl View<'_> {
    fn base(&self) -> String {
        format!("/s/{}", self.b.short_code)
    }

    pub fn render(&self) -> Markup {
        let shop = Shop {
            business: self.b,
            hours: self.hours,
            // What can be ordered: an item no longer sold is said below, not counted.
            in_cart: Some(self.priced.rows.len()),
        };
        let body = html! {
            @if let Some(m) = self.refused { p.error role="alert" { (m) } }
            @if !self.priced.gone.is_empty() {
                p.notice role="status" {
                    "No longer sold, so not in your order: " (self.priced.gone.join(", ")) "."
                }
            }
            (self.summary())
            @if self.priced.rows.is_empty() {
                p { "Your cart is empty. " a.go href=(self.base()) { "Back to the shop" } }
            } @else {
                (self.lines())
                (self.totals())
                (self.checkout())
            }
        };
        view::page(&shop, "Your cart", body)
    }

    fn lines(&self) -> Markup {
        let money = |m: crate::domain::Money| m.format(&self.b.currency);
        let totals = self.priced.quote.as_ref().map(|q| &q.lines);
        html! {
            ul.store-lines {
                @for (i, row) in self.priced.rows.iter().enumerate() {
                    li.store-line {
                        div {
                            strong { (row.name) } " · " (row.pack)
                            @if let Some(l) = totals.and_then(|t| t.get(i)) { span.price { (money(l.total)) } }
                            @if let Some(s) = &row.short { p.error { (s) } }
                        }
                        form method="post" action={ (self.base()) "/cart/update" } {
                            input type="hidden" name="_cart" value=(self.token);
                            input type="hidden" name="item" value=(row.item);
                            label {
                                span { "How many" }
                                input type="number" name="count" value=(row.count) min="0" max="99" inputmode="numeric";
                            }
                            button.secondary type="submit" { "Update" }
                        }
                    }
                }
            }
            p.muted { "Set a count to 0 to take it out." }
        }
    }

    /// The totals for the way chosen; the script changes them when the choice changes (each
    /// choice also says its own total, for a page without it).
    fn totals(&self) -> Markup {
        let money = |m: crate::domain::Money| m.format(&self.b.currency);
        html! {
            @if let Some(q) = &self.priced.quote {
                dl.store-totals {
                    dt { "Items" } dd { (money(q.totals.subtotal)) }
                    dt { "Delivery" } dd data-shown="fee" { (money(q.totals.delivery_fee)) }
                    dt { "Total" } dd { strong data-shown="total" { (money(q.totals.total)) } }
                }
            }
        }
    }

    /// One way to get the order, with what it comes to that way.
    fn way(&self, value: &str, label: &str, totals: Option<&Totals>, checked: bool) -> Markup {
        let money = |m: crate::domain::Money| m.format(&self.b.currency);
        html! {
            label.choice {
                input type="radio" name="fulfilment" value=(value) checked[checked]
                      data-fee=[totals.map(|t| money(t.delivery_fee))]
                      data-total=[totals.map(|t| money(t.total))];
                " " (label)
                @if let Some(t) = totals { " · " strong { (money(t.total)) } " in all" }
            }
        }
    }

    /// The totals the page shows, sent back with the order so it is taken at them.
    fn shown(&self) -> Markup {
        let minor = |t: Option<&Totals>| t.map(|t| t.total.minor().to_string());
        html! {
            input type="hidden" name="cart" value=(self.cart.id);
            @if let Some(t) = minor(self.priced.delivery.as_ref()) { input type="hidden" name="total_delivery" value=(t); }
            @if let Some(t) = minor(self.priced.pickup.as_ref()) { input type="hidden" name="total_pickup" value=(t); }
        }
    }

    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    /// A labelled text field with its error right below it.
    fn field(
        &self,
        label: &str,
        name: &'static str,
        value: &str,
        kind: &str,
        auto: &str,
    ) -> Markup {
        let error = self.error(name);
        let id = format!("{name}-error");
        html! {
            label {
                span { (label) }
                input type=(kind) name=(name) value=(value) autocomplete=(auto) maxlength=[longest(name)]
                      aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| id.as_str())];
                @if let Some(m) = error { small.field-error id=(id) { (m) } }
            }
        }
    }

    /// The ways this shop takes money ([`pay::choices`]), the one typed (else the first) chosen.
    fn payment(&self) -> Markup {
        let choices = pay::choices(self.b, self.online);
        let typed = choices.iter().any(|c| c.value == self.form.payment);
        let error = self.error("payment");
        html! {
            fieldset aria-describedby=[error.map(|_| "payment-error")] {
                legend { "Payment" }
                @for (i, c) in choices.iter().enumerate() {
                    @let checked = if typed { c.value == self.form.payment } else { i == 0 };
                    label.choice { input type="radio" name="payment" value=(c.value) checked[checked]; " " (c.label) }
                }
                @if let Some(m) = error { small.field-error id="payment-error" { (m) } }
            }
        }
    }

    /// What is wrong, at the top of the page: on a phone the fields are far below, and a
    /// refused form would otherwise look as if *Place order* did nothing.
    fn summary(&self) -> Markup {
        const FIELDS: &[(&str, &str)] = &[
            ("cart", "Your cart"),
            ("name", "Your name"),
            ("phone", "WhatsApp number"),
            ("fulfilment", "Delivery or pickup"),
            ("address", "Address"),
            ("note", "Note"),
            ("payment", "Payment"),
        ];
        let wrong: Vec<(&str, &str, &str)> = FIELDS
            .iter()
            .filter_map(|(f, label)| self.error(f).map(|m| (*f, *label, m)))
            .collect();
        html! {
            @if !wrong.is_empty() {
                div.error.store-errors role="alert" {
                    p { strong { "Your order was not placed." } " Please check:" }
                    ul { @for (f, label, m) in &wrong {
                        li { a href={ "#" (f) "-error" } { (label) } ": " (m) }
                    } }
                }
            }
        }
    }

    fn checkout(&self) -> Markup {
        let f = self.form;
        let pickup = f.fulfilment == "pickup";
        html! {
            form.store-checkout-form method="post" action={ (self.base()) "/checkout" } novalidate {
                h2 { "Checkout" }
                input type="hidden" name="_cart" value=(self.token);
                (self.shown())
                @if let Some(m) = self.error("cart") { p.error id="cart-error" { (m) } }
                (self.field("Your name", "name", &f.name, "text", "name"))
                (self.field("WhatsApp number", "phone", &f.phone, "tel", "tel"))
                fieldset {
                    legend { "Delivery or pickup" }
                    (self.way("delivery", "Deliver to me", self.priced.delivery.as_ref(), !pickup))
                    (self.way("pickup", "I will pick it up", self.priced.pickup.as_ref(), pickup))
                    @if let Some(m) = self.error("fulfilment") { small.field-error id="fulfilment-error" { (m) } }
                }
                div.store-address { (self.field("Delivery address", "address", &f.address, "text", "street-address")) }
                label {
                    span { "Note for the shop (optional)" }
                    textarea name="note" rows="2" maxlength="500" { (f.note) }
                    @if let Some(m) = self.error("note") { small.field-error id="note-error" { (m) } }
                }
                (self.payment())
                button type="submit" { "Place order" }
            }
        }
    }
}

/// The most characters checkout takes in a field (as `checkout::check` refuses past it), so a
/// phone stops the typing there rather than refuse it after.
fn longest(field: &str) -> Option<usize> {
    match field {
        "name" => Some(100),
        "address" => Some(500),
        _ => None,
    }
}
