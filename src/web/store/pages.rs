//! The storefront's catalog pages as HTML. A catalog of up to [`SINGLE_PAGE_MAX`] products is
//! one page, as it always was. A larger one would be too heavy for a phone on one page (a
//! 1,000-product shop's was 640 KB), so the shop's page shows each category's first few
//! products and a link to the category's own pages, [`PER_PAGE`] products at a time.

use maud::{html, Markup};
use rusqlite::Connection;

use super::back::Page;
use super::cards::card;
use super::shelf::{self, Shelf};
use crate::accounts::businesses::Business;
use crate::catalog::products::{self, Product};
use crate::error::AppResult;

/// The most products shown all on the shop's page.
pub const SINGLE_PAGE_MAX: u32 = 60;
/// Products of each category on the shop's page of a larger catalog: a phone's screenful.
pub const PREVIEW: u32 = 4;
/// Products on each page of a category.
pub const PER_PAGE: u32 = 24;

/// A rendered page: its title (the heading) and the HTML under it.
pub struct Body {
    pub title: String,
    pub html: String,
}

/// Page `page` of business `b`'s storefront as the catalog is now; `None` when there is no
/// such page (a slug no category has, a page past the last).
pub fn render(conn: &Connection, b: &Business, page: &Page) -> AppResult<Option<Body>> {
    let shelves = shelf::shelves(conn, b.id)?;
    match page {
        Page::Landing => landing(conn, b, &shelves).map(Some),
        Page::Category { slug, page } => match shelves.iter().find(|s| &s.slug == slug) {
            Some(s) => category(conn, b, &shelves, s, *page),
            None => Ok(None),
        },
    }
}

fn landing(conn: &Connection, b: &Business, shelves: &[Shelf]) -> AppResult<Body> {
    let total: u32 = shelves.iter().map(|s| s.count).sum();
    let single = total <= SINGLE_PAGE_MAX;
    let take = if single { SINGLE_PAGE_MAX } else { PREVIEW };
    let lists = shelves
        .iter()
        .map(|s| products::on_sale_in(conn, b.id, &s.categories, take, 0))
        .collect::<AppResult<Vec<_>>>()?;
    let html = if single {
        one_page(b, shelves, &lists)
    } else {
        previews(b, shelves, &lists)
    };
    Ok(Body {
        title: b.name.clone(),
        html: html.into_string(),
    })
}

/// Every product on one page, the category bar jumping within it.
fn one_page(b: &Business, shelves: &[Shelf], lists: &[Vec<Product>]) -> Markup {
    let back = Page::Landing.path(&b.short_code);
    html! {
        @if shelves.is_empty() {
            p.muted { "Nothing is on sale just now." }
        }
        @if shelves.len() > 1 {
            nav.store-cats aria-label="Categories" {
                @for (i, s) in shelves.iter().enumerate() { a href={ "#cat-" (i) } { (s.name) } }
            }
        }
        @for (i, (s, list)) in shelves.iter().zip(lists).enumerate() {
            section.store-cat aria-labelledby={ "cat-" (i) } {
                h2 id={ "cat-" (i) } { (s.name) }
                ul.store-products {
                    @for p in list { li { (card(b, p, &back)) } }
                }
            }
        }
    }
}

fn shelf_path(b: &Business, s: &Shelf) -> String {
    Page::Category {
        slug: s.slug.clone(),
        page: 1,
    }
    .path(&b.short_code)
}

/// The bar of links to each category's pages; `current` is marked as the page shown.
fn category_bar(b: &Business, shelves: &[Shelf], current: Option<&str>) -> Markup {
    html! {
        nav.store-cats aria-label="Categories" {
            @for s in shelves {
                a href=(shelf_path(b, s)) aria-current=[(current == Some(s.slug.as_str())).then_some("page")] { (s.name) }
            }
        }
    }
}

/// Each category's first few products and a link to all of them.
fn previews(b: &Business, shelves: &[Shelf], lists: &[Vec<Product>]) -> Markup {
    let back = Page::Landing.path(&b.short_code);
    html! {
        (category_bar(b, shelves, None))
        @for (i, (s, list)) in shelves.iter().zip(lists).enumerate() {
            section.store-cat aria-labelledby={ "cat-" (i) } {
                h2 id={ "cat-" (i) } { (s.name) }
                ul.store-products {
                    @for p in list { li { (card(b, p, &back)) } }
                }
                p.store-more { a.go href=(shelf_path(b, s)) { "See all " (s.count) " in " (s.name) } }
            }
        }
    }
}

/// Page `n` of shelf `s`, or `None` past its last page.
fn category(
    conn: &Connection,
    b: &Business,
    shelves: &[Shelf],
    s: &Shelf,
    n: u32,
) -> AppResult<Option<Body>> {
    let pages = s.count.div_ceil(PER_PAGE).max(1);
    if n == 0 || n > pages {
        return Ok(None);
    }
    let list = products::on_sale_in(conn, b.id, &s.categories, PER_PAGE, (n - 1) * PER_PAGE)?;
    let at = |page: u32| {
        Page::Category {
            slug: s.slug.clone(),
            page,
        }
        .path(&b.short_code)
    };
    let back = at(n);
    let html = html! {
        p.store-back { a.go href=(Page::Landing.path(&b.short_code)) { "← Back to the shop" } }
        (category_bar(b, shelves, Some(&s.slug)))
        p.muted {
            (s.count) @if s.count == 1 { " product" } @else { " products" }
            @if pages > 1 { " · page " (n) " of " (pages) }
        }
        ul.store-products {
            @for p in &list { li { (card(b, p, &back)) } }
        }
        @if pages > 1 {
            nav.store-pager aria-label="Pages" {
                @if n > 1 { a rel="prev" href=(at(n - 1)) { "← Previous" } } @else { span {} }
                span { "Page " (n) " of " (pages) }
                @if n < pages { a rel="next" href=(at(n + 1)) { "Next →" } } @else { span {} }
            }
        }
    };
    Ok(Some(Body {
        title: s.name.clone(),
        html: html.into_string(),
    }))
}
