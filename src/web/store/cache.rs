//! The storefront's catalog pages, rendered once per catalog version and served from memory:
//! every change to a product, a variant or stock moves the business's `catalog_version`
//! (triggers, migration V13), so a cached page is used only while it is still true, whichever
//! path (a form, an import, the CLI, an order taking stock) changed the catalog. Each page (the
//! shop's, each page of each category) is its own entry; the cache holds at most
//! [`MAX_BYTES`] of pages in all, however many shops and pages that is.

use std::sync::Arc;
use std::time::Duration;

use super::back::Page;
use super::pages;
use crate::accounts::businesses::{self, Business};
use crate::error::AppResult;
use crate::AppState;

/// Stands for the cart's form token in the cached HTML; replaced on every request.
pub const TOKEN_MARK: &str = "__NOVI_CART_TOKEN__";

/// What the cached pages may weigh in all: a large shop's pages are some tens of KB each, so
/// many shops' pages fit; past it, the pages least used leave first.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// A page as rendered: the catalog version it shows, its title, its HTML with [`TOKEN_MARK`].
pub struct Rendered {
    pub version: i64,
    pub title: String,
    pub html: String,
}

/// Rendered pages by business id and page.
#[derive(Clone)]
pub struct Catalogs(moka::sync::Cache<(i64, Page), Arc<Rendered>>);

impl Catalogs {
    pub fn new() -> Self {
        Self::with_capacity(MAX_BYTES)
    }

    /// A cache holding at most `bytes` of pages.
    pub fn with_capacity(bytes: u64) -> Self {
        Self(
            moka::sync::Cache::builder()
                .weigher(|(_, page): &(i64, Page), r: &Arc<Rendered>| weight(page, r))
                .max_capacity(bytes)
                // Idle shops' pages leave memory; a busy shop's stay while they are current.
                .time_to_idle(Duration::from_secs(3600))
                .build(),
        )
    }

    /// The catalog version the business's cached shop page was rendered at, if one is cached.
    pub fn entry_version(&self, business_id: i64) -> Option<i64> {
        self.version(business_id, &Page::Landing)
    }

    /// The catalog version a cached page was rendered at, if it is cached.
    pub fn version(&self, business_id: i64, page: &Page) -> Option<i64> {
        self.0.get(&(business_id, page.clone())).map(|r| r.version)
    }

    /// What the cached pages weigh now, in bytes (after pending upkeep).
    pub fn weight(&self) -> u64 {
        self.0.run_pending_tasks();
        self.0.weighted_size()
    }

    fn get(&self, business_id: i64, page: &Page) -> Option<Arc<Rendered>> {
        self.0.get(&(business_id, page.clone()))
    }

    fn insert(&self, business_id: i64, page: Page, r: Arc<Rendered>) {
        self.0.insert((business_id, page), r);
    }
}

impl Default for Catalogs {
    fn default() -> Self {
        Self::new()
    }
}

/// An entry's weight: its text, and a little for the entry itself.
fn weight(page: &Page, r: &Rendered) -> u32 {
    let slug = match page {
        Page::Landing => 0,
        Page::Category { slug, .. } => slug.len(),
    };
    let bytes = r.html.len() + r.title.len() + slug + 64;
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

/// Page `page` of business `b`'s storefront, with [`TOKEN_MARK`] where the cart token goes:
/// from the cache when the catalog has not changed since it was rendered, else rendered now.
/// `None` when there is no such page.
pub async fn page(state: &AppState, b: &Business, page: &Page) -> AppResult<Option<Arc<Rendered>>> {
    let id = b.id;
    let version = state
        .db
        .read(move |c| businesses::catalog_version(c, id))
        .await?;
    let cache = &state.storefront.catalogs;
    if let Some(r) = cache.get(id, page) {
        if r.version == version {
            return Ok(Some(r));
        }
    }
    let (b, wanted) = (b.clone(), page.clone());
    let rendered = state
        .db
        .read(move |c| {
            // One read transaction: the version and every row the page shows come from the
            // same snapshot, so the page is stored under the version it shows.
            let tx = c.unchecked_transaction()?;
            let version = businesses::catalog_version(&tx, id)?;
            let body = pages::render(&tx, &b, &wanted)?;
            Ok(body.map(|body| Rendered {
                version,
                title: body.title,
                html: body.html,
            }))
        })
        .await?;
    Ok(rendered.map(|r| {
        let r = Arc::new(r);
        cache.insert(id, page.clone(), r.clone());
        r
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(bytes: usize) -> Arc<Rendered> {
        Arc::new(Rendered {
            version: 1,
            title: String::new(),
            html: "x".repeat(bytes),
        })
    }

    #[test]
    fn the_cache_is_bounded_by_the_bytes_it_holds() {
        let cache = Catalogs::with_capacity(100_000);
        for n in 1..=50 {
            let page = Page::Category {
                slug: "sweets".into(),
                page: n,
            };
            cache.insert(1, page, rendered(10_000));
        }
        assert!(cache.weight() <= 100_000, "{}", cache.weight());
        assert!(cache.weight() > 0);
        // One page larger than the whole cache is not kept.
        cache.insert(2, Page::Landing, rendered(200_000));
        assert!(cache.weight() <= 100_000, "{}", cache.weight());
    }
}
