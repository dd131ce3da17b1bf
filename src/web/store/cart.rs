//! The storefront's cart, kept in a cookie signed with the server's key: no table to fill with
//! abandoned carts or clean up, nothing lost on a restart, and a shopper cannot change a line
//! they were not allowed (the stock check at adding) without breaking the signature. Each cart
//! has a random id; its forms carry a token made from that id (the per-cart CSRF token).

use axum::http::{header, HeaderMap, HeaderValue};

use crate::catalog::products::Product;
use crate::domain::Unit;
use crate::orders::LineRequest;
use crate::secret::{self, ServerKey};
use crate::web::cookie;

/// The most lines a cart holds, and of one line; well within a cookie's 4 KB.
pub const MAX_LINES: usize = 30;
pub const MAX_COUNT: u32 = 99;

/// What a cart's form token signs, with the cart's id.
const FORM: &str = "storefront-cart-form";

/// One line: a product, the variant picked (`0`: the product itself), and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CartLine {
    pub product_id: i64,
    pub variant_id: i64,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    pub id: String,
    pub lines: Vec<CartLine>,
}

impl Cart {
    pub fn new() -> Self {
        Self {
            id: secret::new_token(),
            lines: Vec::new(),
        }
    }

    /// The cart in the request's cookie for shop `code`, if it is there and signed by us;
    /// a missing or altered one is a new, empty cart.
    pub fn from_headers(headers: &HeaderMap, key: &ServerKey, code: &str, https: bool) -> Self {
        cookie::get(headers, &cookie_name(code, https))
            .and_then(|v| Self::decode(&v, key, code))
            .unwrap_or_default()
    }

    /// The token the cart's forms carry.
    pub fn token(&self, key: &ServerKey) -> String {
        key.sign(FORM, &self.id)
    }

    /// Whether `submitted` is this cart's form token.
    pub fn token_ok(&self, key: &ServerKey, submitted: &str) -> bool {
        Self::signs(key, &self.id, submitted)
    }

    /// Whether `token` is the form token of the cart with id `id`, this cookie's or not.
    pub fn signs(key: &ServerKey, id: &str, token: &str) -> bool {
        secret::equal(token, &key.sign(FORM, id))
    }

    /// How many of a product's variant the cart holds.
    pub fn count_of(&self, product_id: i64, variant_id: i64) -> u32 {
        self.lines
            .iter()
            .find(|l| l.product_id == product_id && l.variant_id == variant_id)
            .map_or(0, |l| l.count)
    }

    /// Adds `count` of a product's variant, joining a line for the same one.
    pub fn add(&mut self, product_id: i64, variant_id: i64, count: u32) -> Result<(), String> {
        if let Some(l) = self
            .lines
            .iter_mut()
            .find(|l| l.product_id == product_id && l.variant_id == variant_id)
        {
            l.count = (l.count + count).min(MAX_COUNT);
            return Ok(());
        }
        if self.lines.len() >= MAX_LINES {
            return Err(format!("A cart holds at most {MAX_LINES} items."));
        }
        self.lines.push(CartLine {
            product_id,
            variant_id,
            count: count.min(MAX_COUNT),
        });
        Ok(())
    }

    /// Sets line `index` to `count`; zero takes it out.
    pub fn set(&mut self, index: usize, count: u32) {
        if count == 0 {
            if index < self.lines.len() {
                self.lines.remove(index);
            }
        } else if let Some(l) = self.lines.get_mut(index) {
            l.count = count.min(MAX_COUNT);
        }
    }

    /// The `Set-Cookie` header value for this cart.
    pub fn cookie(&self, key: &ServerKey, code: &str, https: bool) -> HeaderValue {
        let value = self.encode(key, code);
        let c = cookie::build(&cookie_name(code, https), &value, None, https, "Lax");
        HeaderValue::from_str(&c).expect("cookie values are ASCII")
    }

    /// Adds the cart's cookie to a response's headers.
    pub fn set_cookie(&self, headers: &mut HeaderMap, key: &ServerKey, code: &str, https: bool) {
        headers.append(header::SET_COOKIE, self.cookie(key, code, https));
    }

    fn body(&self) -> String {
        let lines: Vec<String> = self
            .lines
            .iter()
            .map(|l| format!("{}-{}-{}", l.product_id, l.variant_id, l.count))
            .collect();
        format!("{}.{}", self.id, lines.join("_"))
    }

    fn encode(&self, key: &ServerKey, code: &str) -> String {
        let body = self.body();
        let sig = key.sign("storefront-cart", &format!("{code}.{body}"));
        format!("{body}.{sig}")
    }

    fn decode(value: &str, key: &ServerKey, code: &str) -> Option<Self> {
        let (body, sig) = value.rsplit_once('.')?;
        let expected = key.sign("storefront-cart", &format!("{code}.{body}"));
        if !secret::equal(sig, &expected) {
            return None;
        }
        let (id, lines) = body.split_once('.')?;
        let lines = lines
            .split('_')
            .filter(|l| !l.is_empty())
            .map(|l| {
                let mut p = l.split('-').map(str::parse::<i64>);
                let (a, b, c) = (p.next()?.ok()?, p.next()?.ok()?, p.next()?.ok()?);
                Some(CartLine {
                    product_id: a,
                    variant_id: b,
                    count: u32::try_from(c).ok()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            id: id.to_owned(),
            lines,
        })
    }
}

impl Default for Cart {
    fn default() -> Self {
        Self::new()
    }
}

/// The cart cookie's name for shop `code`: one cart per shop.
fn cookie_name(code: &str, https: bool) -> String {
    let code: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if https {
        format!("__Host-novi_cart_{code}")
    } else {
        format!("novi_cart_{code}")
    }
}

/// How much of the product's stock (grams or pieces) one of `variant_id` takes: the variant's
/// amount, or for the product itself a piece, or a kilo of what is sold by weight.
pub fn step(p: &Product, variant_id: i64) -> Option<u32> {
    if variant_id == 0 {
        return Some(match p.unit {
            Unit::Kg => 1000,
            Unit::Pc => 1,
        });
    }
    p.variants
        .iter()
        .find(|v| v.id == variant_id)
        .map(|v| v.amount)
}

/// The order line a cart line asks for.
pub fn request(p: &Product, line: &CartLine) -> Option<LineRequest> {
    if line.variant_id == 0 {
        let qty = step(p, 0)?.checked_mul(line.count)?;
        return Some(LineRequest::Qty {
            sku: p.sku.clone(),
            qty,
        });
    }
    let v = p.variants.iter().find(|v| v.id == line.variant_id)?;
    Some(LineRequest::Variant {
        sku: p.sku.clone(),
        variant: v.label.clone(),
        count: line.count,
    })
}

/// What the cart's lines take of product `p` in all, in its base unit.
pub fn demand(cart: &Cart, p: &Product) -> i64 {
    cart.lines
        .iter()
        .filter(|l| l.product_id == p.id)
        .map(|l| i64::from(step(p, l.variant_id).unwrap_or(0)) * i64::from(l.count))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cart_survives_its_cookie_and_an_altered_one_does_not() {
        let key = ServerKey::random();
        let mut cart = Cart::new();
        cart.add(3, 0, 2).unwrap();
        cart.add(4, 9, 1).unwrap();
        cart.add(3, 0, 1).unwrap();
        assert_eq!(cart.lines.len(), 2);
        assert_eq!(cart.lines[0].count, 3);
        let value = cart.encode(&key, "shop");
        assert_eq!(Cart::decode(&value, &key, "shop"), Some(cart.clone()));
        assert_eq!(Cart::decode(&value, &key, "other"), None, "another shop's");
        let altered = value.replacen("3-0-3", "3-0-9", 1);
        assert_eq!(Cart::decode(&altered, &key, "shop"), None);
        assert_eq!(Cart::decode(&value, &ServerKey::random(), "shop"), None);
        assert!(cart.token_ok(&key, &cart.token(&key)));
        assert!(!Cart::new().token_ok(&key, &cart.token(&key)));
        cart.set(0, 0);
        assert_eq!(cart.lines.len(), 1);
    }
}
