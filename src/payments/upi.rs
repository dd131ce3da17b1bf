//! UPI to the shop's own UPI id, with no gateway: the `upi://pay` link any UPI app opens, for an
//! exact amount with the order as the note, and the same link as a QR code (SVG).

use crate::accounts::businesses::Business;
use crate::domain::Money;

/// The longest UPI id taken; NPCI allows 256 characters before the `@`.
const MAX_UPI_ID: usize = 255;

/// Reads a UPI id as typed in Settings: `name@bank` (letters, digits, `.`, `-`, `_` before the
/// `@`, letters after it), lowercased, since UPI ids are not case-sensitive. Blank is none.
pub fn parse_upi_id(text: &str) -> Result<String, String> {
    let id = text.trim().to_ascii_lowercase();
    if id.is_empty() {
        return Ok(id);
    }
    let good = match id.split_once('@') {
        Some((name, bank)) => {
            name.len() >= 2
                && id.len() <= MAX_UPI_ID
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                && bank.len() >= 2
                && bank.chars().all(|c| c.is_ascii_alphabetic())
        }
        None => false,
    };
    if good {
        Ok(id)
    } else {
        Err(format!(
            "\"{}\" is not a UPI id; it looks like name@bank (for example sharmasweets@okaxis)",
            text.trim()
        ))
    }
}

/// Percent-encodes a query value: everything but RFC 3986's unreserved characters and `@`
/// (which a query may hold as it is, and which UPI ids are always shown with).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Rupees with exactly two decimals, as `am` must be: 640.00, 0.50.
fn rupees(amount: Money) -> String {
    let minor = amount.minor().max(0);
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// `upi://pay?pa=<UPI id>&pn=<payee>&am=<rupees>&cu=INR&tn=Order <number>`: with `am` set, the
/// customer's app cannot change the amount.
pub fn pay_link(upi_id: &str, payee: &str, amount: Money, order_number: i64) -> String {
    format!(
        "upi://pay?pa={}&pn={}&am={}&cu=INR&tn={}",
        encode(upi_id),
        encode(payee),
        rupees(amount),
        encode(&format!("Order {order_number}"))
    )
}

/// Whether shop `b` can be paid by UPI: it has a UPI id and trades in rupees (UPI moves
/// nothing else).
pub fn takes_upi(b: &Business) -> bool {
    !b.upi_id.is_empty() && b.currency == "INR"
}

/// The link for paying `due` on order `number` to the shop, when there is one: the shop
/// [takes UPI](takes_upi) and something is due.
pub fn order_link(b: &Business, number: i64, due: Money) -> Option<String> {
    let usable = takes_upi(b) && due.minor() > 0;
    usable.then(|| pay_link(&b.upi_id, &b.name, due, number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_upi_id_is_name_at_bank() {
        assert_eq!(
            parse_upi_id(" SharmaSweets@OKAXIS "),
            Ok("sharmasweets@okaxis".into())
        );
        assert_eq!(
            parse_upi_id("98123.45678-1_a@ybl"),
            Ok("98123.45678-1_a@ybl".into())
        );
        assert_eq!(parse_upi_id(""), Ok(String::new()), "blank unsets it");
        for bad in [
            "sharma",
            "@okaxis",
            "a@okaxis",
            "sharma@",
            "sharma@ok axis",
            "s h@ybl",
            "a@b@c",
            "sharma@ok1",
        ] {
            let err = parse_upi_id(bad).unwrap_err();
            assert!(err.contains("name@bank"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_link_carries_the_exact_amount_and_the_order() {
        let link = pay_link(
            "sharma@okaxis",
            "Sharma Sweets & Co",
            Money::from_minor(64_050),
            12,
        );
        assert_eq!(
            link,
            "upi://pay?pa=sharma@okaxis&pn=Sharma%20Sweets%20%26%20Co&am=640.50&cu=INR&tn=Order%2012"
        );
        let small = pay_link("a1@ybl", "Café", Money::from_minor(5), 1);
        assert!(small.contains("&pn=Caf%C3%A9&am=0.05&"), "{small}");
    }
}
