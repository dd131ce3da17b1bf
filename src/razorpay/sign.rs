//! Razorpay's signatures: hex HMAC-SHA256, compared in constant time. Each is computed over
//! what Novi stored (its own order or link id), never over ids the browser sent back, so a
//! signature for another order's payment does not fit this one.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Whether `signature` (hex) is the HMAC-SHA256 of `message` keyed with `secret`.
fn valid(secret: &str, message: &[u8], signature: &str) -> bool {
    let Ok(given) = hex::decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(message);
    // verify_slice compares in constant time.
    !secret.is_empty() && mac.verify_slice(&given).is_ok()
}

/// The signature Checkout returns: over `"<order_id>|<payment_id>"`, keyed with the key secret.
pub fn checkout(
    key_secret: &str,
    stored_order_id: &str,
    payment_id: &str,
    signature: &str,
) -> bool {
    let message = format!("{stored_order_id}|{payment_id}");
    valid(key_secret, message.as_bytes(), signature)
}

/// A webhook's `X-Razorpay-Signature`: over the raw body, keyed with the webhook secret.
pub fn webhook(webhook_secret: &str, raw_body: &[u8], signature: &str) -> bool {
    valid(webhook_secret, raw_body, signature)
}

/// What a Payment Link's callback says about a payment.
#[derive(Debug, Clone, Copy)]
pub struct LinkCallback<'a> {
    pub link_id: &'a str,
    pub reference_id: &'a str,
    pub status: &'a str,
    pub payment_id: &'a str,
}

/// The callback's signature: over `"<link_id>|<reference_id>|<status>|<payment_id>"`, keyed with
/// the key secret; the link and reference ids are the ones Novi stored.
pub fn link_callback(key_secret: &str, c: &LinkCallback, signature: &str) -> bool {
    let message = format!(
        "{}|{}|{}|{}",
        c.link_id, c.reference_id, c.status, c.payment_id
    );
    valid(key_secret, message.as_bytes(), signature)
}

/// The hex HMAC-SHA256 of `message` keyed with `secret`, as Razorpay would sign it (for the
/// fake Razorpay in tests, and nothing in the product).
pub fn sign(secret: &str, message: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Razorpay's own vectors (from its SDKs' tests).
    #[test]
    fn razorpays_test_vectors_check_out() {
        let sig = "0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f";
        assert!(checkout(
            "EnLs21M47BllR3X8PSFtjtbd",
            "order_IEIaMR65cu6nz3",
            "pay_IH4NVgf4Dreq1l",
            sig
        ));
        let body = br#"{"a":1,"b":2,"c":{"d":3}}"#;
        let sig = "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc";
        assert!(webhook("123456", body, sig));
        assert_eq!(sign("123456", body), sig);
    }

    #[test]
    fn anything_else_is_refused() {
        let sig = "0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f";
        let secret = "EnLs21M47BllR3X8PSFtjtbd";
        assert!(
            !checkout(secret, "order_other", "pay_IH4NVgf4Dreq1l", sig),
            "another order"
        );
        assert!(!checkout(
            "wrong",
            "order_IEIaMR65cu6nz3",
            "pay_IH4NVgf4Dreq1l",
            sig
        ));
        assert!(
            !checkout(secret, "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", "zz"),
            "not hex"
        );
        assert!(!checkout(
            secret,
            "order_IEIaMR65cu6nz3",
            "pay_IH4NVgf4Dreq1l",
            ""
        ));
        assert!(!checkout(
            secret,
            "order_IEIaMR65cu6nz3",
            "pay_IH4NVgf4Dreq1l",
            &sig[..62]
        ));
        assert!(!webhook("", b"{}", &sign("", b"{}")), "no secret, no trust");
        let body = br#"{"a":1,"b":2,"c":{"d":3}}"#;
        assert!(!webhook(
            "123456",
            b"{\"a\":1,\"b\":2,\"c\":{\"d\":4}}",
            &sign("123456", body)
        ));
    }

    #[test]
    fn a_link_callback_is_signed_over_what_novi_stored() {
        let c = LinkCallback {
            link_id: "plink_1",
            reference_id: "shop-42",
            status: "paid",
            payment_id: "pay_9",
        };
        let sig = sign("key", b"plink_1|shop-42|paid|pay_9");
        assert!(link_callback("key", &c, &sig));
        let other = LinkCallback {
            reference_id: "shop-43",
            ..c
        };
        assert!(!link_callback("key", &other, &sig));
    }
}
