//! Print pages for one order: the kitchen ticket (KOT, no prices) and the bill, sized by
//! `@page` CSS for the paper chosen in Settings; and the same tickets sent to a network
//! thermal printer in ESC/POS from the order's page.

pub mod counter;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

use crate::accounts::businesses::Business;
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::orders::{store, Fulfilment, Order};
use crate::printing::{self, escpos, ticket, Paper, PrintSettings};
use crate::web::assets;
use crate::web::extract::ShopPage;
use crate::web::layout::{csrf_field, head_start};
use crate::AppState;

/// Which ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Kot,
    Bill,
}

impl Kind {
    fn parse(text: &str) -> AppResult<Kind> {
        match text {
            "kot" => Ok(Kind::Kot),
            "bill" => Ok(Kind::Bill),
            _ => Err(AppError::NotFound),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Kot => "kitchen ticket",
            Kind::Bill => "bill",
        }
    }
}

/// The order and how the shop prints, read together.
async fn load(state: &AppState, shop: &ShopPage, number: i64) -> AppResult<(Order, PrintSettings)> {
    let (order, settings, _) = load_settled(state, shop, number).await?;
    Ok((order, settings))
}

/// [`load`], with what has been paid and is still to pay, for the bill.
async fn load_settled(
    state: &AppState,
    shop: &ShopPage,
    number: i64,
) -> AppResult<(Order, PrintSettings, ticket::Settled)> {
    let id = shop.business.id;
    state
        .db
        .read(move |c| {
            let order = store::by_number(c, id, number)?.ok_or(AppError::NotFound)?;
            let m = crate::payments::summary(c, &order)?;
            let settled = ticket::Settled {
                received: m.paid,
                refunded_for_good: m.refunded_for_good,
                give_back: m.owed_back,
                due: m.due,
            };
            Ok((order, printing::load(c, id)?, settled))
        })
        .await
}

/// `GET /b/{code}/orders/{number}/kot`
pub async fn kot(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, number)): Path<(String, i64)>,
) -> AppResult<Markup> {
    let (order, settings) = load(&state, &shop, number).await?;
    let title = format!("KOT #{}", order.number);
    Ok(sheet(
        &shop,
        &title,
        Some(order.number),
        settings.paper,
        kot_body(&shop.business, &order),
    ))
}

/// `GET /b/{code}/orders/{number}/bill`
pub async fn bill(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, number)): Path<(String, i64)>,
) -> AppResult<Markup> {
    let (order, settings, settled) = load_settled(&state, &shop, number).await?;
    let title = format!("Bill #{}", order.number);
    let body = bill_body(&shop.business, &settings, &order, &settled);
    Ok(sheet(
        &shop,
        &title,
        Some(order.number),
        settings.paper,
        body,
    ))
}

/// A print page: the ticket alone, with a Print button and a way back to the order (where
/// the payment is recorded or the order moved on after printing) that never print.
/// `number` is the order's; the counter's sheet of many tickets has none and leads to the list.
pub(super) fn sheet(
    shop: &ShopPage,
    title: &str,
    number: Option<i64>,
    paper: Paper,
    ticket: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                (head_start(title, &shop.business.name))
                link rel="stylesheet" href=(assets::url("print.css"));
                link rel="stylesheet" href=(assets::url(&format!("print-{}.css", paper.as_str())));
                script src=(assets::url("print.js")) defer {}
            }
            body.print-page {
                nav.no-print {
                    button type="button" data-print-now { "Print" }
                    " "
                    @match number {
                        Some(n) => a href=(shop.url(&format!("/orders/{n}"))) { "Back to order #" (n) },
                        None => a href=(shop.url("/orders")) { "Back to orders" },
                    }
                    " · " (paper.label()) " (change in Settings → Printing)"
                }
                (ticket)
            }
        }
    }
}

/// The kitchen ticket's markup: number, time, each item in large type, notes. No prices.
pub fn kot_body(b: &Business, o: &Order) -> Markup {
    html! {
        article.ticket.kot {
            h1.large { "KOT #" (o.number) }
            @if ticket::cancelled(o) { p.large.cancelled { (ticket::CANCELLED) } }
            p { (b.local_time(o.created_at)) br; (ticket::handover(o)) }
            table.items.large {
                tbody {
                    @for l in &o.lines {
                        tr { td.qty { (l.amount_label()) } td { (l.name) } }
                    }
                }
            }
            @if !o.notes.trim().is_empty() {
                p.notes { strong { "Note: " } (o.notes.trim()) }
            }
        }
    }
}

fn bill_body(b: &Business, s: &PrintSettings, o: &Order, settled: &ticket::Settled) -> Markup {
    let money = |m: Money| m.format(&o.currency);
    html! {
        article.ticket.bill {
            header.shop {
                h1 { (b.name) }
                @if !b.address.trim().is_empty() { p { (b.address) } }
                @if !b.phone.trim().is_empty() { p { "Phone " (ticket::readable_phone(&b.phone)) } }
                @if !s.gstin.is_empty() { p { "GSTIN " (s.gstin) } }
            }
            p.meta {
                "Bill #" (o.number) " · " (b.local_time(o.created_at)) br; (o.customer.name) " · " (ticket::handover(o))
                @if let Some((address, phone)) = ticket::deliver_to(o) { br; (address) br; (phone) }
            }
            @if ticket::cancelled(o) { p.large.cancelled { (ticket::CANCELLED) } }
            table.items {
                thead { tr { th { "Item" } th.num { "Amount" } } }
                tbody {
                    @for l in &o.lines {
                        tr { td { (l.name) br; span.qty { (l.amount_label()) } } td.num { (money(l.total)) } }
                    }
                }
                tfoot {
                    tr { td { "Subtotal" } td.num { (money(o.subtotal)) } }
                    @if o.fulfilment == Fulfilment::Delivery {
                        tr { td { "Delivery fee" } td.num { (money(o.delivery_fee)) } }
                    }
                    tr.total { td { "Total" } td.num { (money(o.total)) } }
                    @for (what, amount) in ticket::settled_lines(o, settled) {
                        tr { td { (what) } td.num { (money(amount)) } }
                    }
                }
            }
            p.payment { "Payment: " (ticket::payment(o)) }
            p.thanks { "Thank you! Please visit again." }
        }
    }
}

/// The print buttons on an order's page: the two print pages always, and the network printer's
/// buttons only when Settings names one (without it they could only fail).
pub fn buttons(shop: &ShopPage, number: i64, has_printer: bool) -> Markup {
    let base = shop.url(&format!("/orders/{number}"));
    html! {
        a.button.secondary href={ (base) "/kot" } target="_blank" { "Print KOT" }
        a.button.secondary href={ (base) "/bill" } target="_blank" { "Print bill" }
        @if has_printer {
            form.inline method="post" action={ (base) "/print/kot" } {
                (csrf_field(&shop.csrf))
                button.secondary type="submit" title="Send the kitchen ticket to the network printer set in Settings" { "KOT to printer" }
            }
            form.inline method="post" action={ (base) "/print/bill" } {
                (csrf_field(&shop.csrf))
                button.secondary type="submit" title="Send the bill to the network printer set in Settings" { "Bill to printer" }
            }
        }
    }
}

/// `POST /b/{code}/orders/{number}/print/{kind}`: the ticket to the network printer, then the
/// order's page again saying how it went.
pub async fn to_printer(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, number, kind)): Path<(String, i64, String)>,
) -> AppResult<Response> {
    let kind = Kind::parse(&kind)?;
    let (order, settings, settled) = load_settled(&state, &shop, number).await?;
    let lines = match kind {
        Kind::Kot => ticket::kot(&shop.business, &order),
        Kind::Bill => {
            let width = settings.paper.columns();
            ticket::bill(&shop.business, &settings, &order, width, &settled)
        }
    };
    let outcome = if settings.printer.is_empty() {
        Err("no network printer is set: add its address in Settings → Printing".to_owned())
    } else {
        escpos::send(&settings.printer, &escpos::bytes(&lines), escpos::TIMEOUT).await
    };
    let shown = crate::web::orders::load(&state, &shop, number).await?;
    let page = |done: Option<&str>, error: Option<&str>| {
        crate::web::orders::order_page(&shop, &shown, done, error)
    };
    Ok(match outcome {
        Ok(()) => {
            let done = format!("The {} went to the printer.", kind.label());
            page(Some(&done), None).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, page(None, Some(&e))).into_response(),
    })
}
