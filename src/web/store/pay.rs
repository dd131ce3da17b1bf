//! The ways to pay the storefront's checkout offers a shop's customers, built in one place:
//! cash always, UPI when the shop has a UPI id it can take rupees on, Razorpay when it has
//! Razorpay keys and sells in rupees. The cart page lists them and the checkout takes only a
//! value listed, so a forged choice is refused beside the field.

use crate::accounts::businesses::Business;
use crate::error::AppResult;
use crate::orders::PaymentMode;
use crate::payments::upi;
use crate::razorpay::{settings, RazorpaySettings};
use crate::AppState;

/// Shop `b`'s Razorpay keys, when it can take rupees online through them.
pub async fn razorpay(state: &AppState, b: &Business) -> AppResult<Option<RazorpaySettings>> {
    let b = b.clone();
    state.db.read(move |c| settings::taking(c, &b)).await
}

/// One way to pay, as the checkout form offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The form's `payment` value.
    pub value: &'static str,
    pub label: &'static str,
    /// The order's payment mode when chosen.
    pub mode: PaymentMode,
}

/// What shop `b` offers at checkout, in the order shown; the first is chosen by default.
/// `online`: the shop has Razorpay keys ([`razorpay`]).
pub fn choices(b: &Business, online: bool) -> Vec<Choice> {
    let mut list = vec![Choice {
        value: "cash",
        label: "Cash on delivery or at pickup",
        mode: PaymentMode::Cash,
    }];
    if upi::takes_upi(b) {
        list.push(Choice {
            value: "upi",
            label: "UPI: pay from any UPI app after ordering",
            mode: PaymentMode::Upi,
        });
    }
    if online && b.currency == "INR" {
        list.push(Choice {
            value: "razorpay",
            label: "Pay online now (Razorpay): UPI, card or net banking",
            mode: PaymentMode::Razorpay,
        });
    }
    list
}

/// The choice a posted `payment` value names, if shop `b` offers it.
pub fn chosen(b: &Business, online: bool, value: &str) -> Option<Choice> {
    choices(b, online).into_iter().find(|c| c.value == value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop(upi_id: &str, currency: &str) -> Business {
        let mut b = Business::sample("Sweets");
        b.upi_id = upi_id.into();
        b.currency = currency.into();
        b
    }

    #[test]
    fn cash_always_and_upi_only_with_a_upi_id_in_rupees() {
        let values = |b: &Business| {
            choices(b, false)
                .iter()
                .map(|c| c.value)
                .collect::<Vec<_>>()
        };
        assert_eq!(values(&shop("", "INR")), ["cash"]);
        assert_eq!(values(&shop("sharma@okaxis", "INR")), ["cash", "upi"]);
        assert_eq!(values(&shop("sharma@okaxis", "USD")), ["cash"]);
        assert_eq!(
            chosen(&shop("sharma@okaxis", "INR"), false, "upi").map(|c| c.mode),
            Some(PaymentMode::Upi)
        );
        assert_eq!(
            chosen(&shop("", "INR"), false, "upi"),
            None,
            "a forged choice"
        );
        assert_eq!(chosen(&shop("", "INR"), false, ""), None);
    }

    #[test]
    fn razorpay_only_with_keys_and_in_rupees() {
        let values = |b: &Business| choices(b, true).iter().map(|c| c.value).collect::<Vec<_>>();
        assert_eq!(values(&shop("", "INR")), ["cash", "razorpay"]);
        assert_eq!(
            values(&shop("sharma@okaxis", "INR")),
            ["cash", "upi", "razorpay"]
        );
        assert_eq!(values(&shop("", "USD")), ["cash"]);
        assert_eq!(
            chosen(&shop("", "INR"), true, "razorpay").map(|c| c.mode),
            Some(PaymentMode::Razorpay)
        );
        assert_eq!(chosen(&shop("", "INR"), false, "razorpay"), None, "no keys");
    }
}
