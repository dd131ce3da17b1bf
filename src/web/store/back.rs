//! The storefront's pages a shopper browses (the shop's own page, a page of a category), their
//! paths, and the add-to-cart form's `back` field, which names the page to return to. `back`
//! is parsed into a [`Page`] and its path written out anew, never echoed: whatever is posted,
//! the shopper is only ever sent to a page of this shop's storefront.

/// The most pages a category may be asked for; far past any catalog's size.
const MAX_PAGE: u32 = 100_000;

/// A page of the storefront's catalog.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Page {
    /// `/s/{code}`: the shop, its categories and (for a small catalog) every product.
    Landing,
    /// `/s/{code}/c/{slug}?page=N`: one category, a page of its products (from 1).
    Category { slug: String, page: u32 },
}

impl Page {
    /// The page's path on shop `code`'s storefront.
    pub fn path(&self, code: &str) -> String {
        match self {
            Self::Landing => format!("/s/{code}"),
            Self::Category { slug, page: 1 } => format!("/s/{code}/c/{slug}"),
            Self::Category { slug, page } => format!("/s/{code}/c/{slug}?page={page}"),
        }
    }

    /// The path back to this page after product `id` was added, at the product's card.
    pub fn added(&self, code: &str, id: i64) -> String {
        let path = self.path(code);
        let join = if path.contains('?') { '&' } else { '?' };
        format!("{path}{join}added={id}#p{id}")
    }

    /// The page a `back` field names on shop `code`'s storefront; empty is the shop's page.
    /// Anything else (another site, another shop, another kind of page) is `None`.
    pub fn from_back(code: &str, back: &str) -> Option<Self> {
        let rest = if back.is_empty() {
            ""
        } else {
            back.strip_prefix("/s/")?.strip_prefix(code)?
        };
        if rest.is_empty() {
            return Some(Self::Landing);
        }
        let rest = rest.strip_prefix("/c/")?;
        let (slug, query) = match rest.split_once('?') {
            Some((slug, query)) => (slug, Some(query)),
            None => (rest, None),
        };
        if !super::shelf::is_slug(slug) {
            return None;
        }
        let page = match query {
            None => 1,
            Some(q) => number(q.strip_prefix("page=")?)?,
        };
        Some(Self::Category {
            slug: slug.to_owned(),
            page,
        })
    }
}

/// A page number as typed in a link: a whole number from 1, digits only.
pub fn number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| (1..=MAX_PAGE).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(slug: &str, page: u32) -> Page {
        Page::Category {
            slug: slug.into(),
            page,
        }
    }

    #[test]
    fn back_names_only_pages_of_this_shop() {
        assert_eq!(Page::from_back("sharma", ""), Some(Page::Landing));
        assert_eq!(Page::from_back("sharma", "/s/sharma"), Some(Page::Landing));
        assert_eq!(
            Page::from_back("sharma", "/s/sharma/c/sweets"),
            Some(cat("sweets", 1))
        );
        assert_eq!(
            Page::from_back("sharma", "/s/sharma/c/dry-fruits?page=3"),
            Some(cat("dry-fruits", 3))
        );
        for bad in [
            "https://evil.example/s/sharma",
            "//evil.example",
            "/\\evil.example",
            "/s/sharmax",
            "/s/other/c/sweets",
            "/s/sharma/",
            "/s/sharma/cart",
            "/s/sharma/c/",
            "/s/sharma/c/../../login",
            "/s/sharma/c/sweets/",
            "/s/sharma/c/sweets?page=0",
            "/s/sharma/c/sweets?page=-1",
            "/s/sharma/c/sweets?page=+2",
            "/s/sharma/c/sweets?page=2&next=//evil.example",
            "/s/sharma/c/sweets#x",
            "/s/sharma?x=1",
            "/s/sharma/c/Sweets",
            "s/sharma",
        ] {
            assert_eq!(Page::from_back("sharma", bad), None, "{bad}");
        }
    }

    #[test]
    fn paths_go_back_to_the_card_added() {
        assert_eq!(Page::Landing.added("sharma", 7), "/s/sharma?added=7#p7");
        assert_eq!(
            cat("sweets", 1).added("sharma", 7),
            "/s/sharma/c/sweets?added=7#p7"
        );
        assert_eq!(
            cat("sweets", 2).added("sharma", 7),
            "/s/sharma/c/sweets?page=2&added=7#p7"
        );
        for p in [Page::Landing, cat("sweets", 1), cat("sweets", 4)] {
            assert_eq!(Page::from_back("sharma", &p.path("sharma")), Some(p));
        }
    }
}
