//! The ways to pay the storefront's checkout offers a shop's customers, built in one place:
//! cash always, UPI when the shop has a UPI id it can take rupees on. The cart page lists them
//! and the checkout takes only a value listed, so a forged choice is refused beside the field.

use crate::accounts::businesses::Business;
use crate::orders::PaymentMode;
use crate::payments::upi;

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
pub fn choices(b: &Business) -> Vec<Choice> {
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
    list
}

/// The choice a posted `payment` value names, if shop `b` offers it.
pub fn chosen(b: &Business, value: &str) -> Option<Choice> {
    choices(b).into_iter().find(|c| c.value == value)
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
        let values = |b: &Business| choices(b).iter().map(|c| c.value).collect::<Vec<_>>();
        assert_eq!(values(&shop("", "INR")), ["cash"]);
        assert_eq!(values(&shop("sharma@okaxis", "INR")), ["cash", "upi"]);
        assert_eq!(values(&shop("sharma@okaxis", "USD")), ["cash"]);
        assert_eq!(
            chosen(&shop("sharma@okaxis", "INR"), "upi").map(|c| c.mode),
            Some(PaymentMode::Upi)
        );
        assert_eq!(chosen(&shop("", "INR"), "upi"), None, "a forged choice");
        assert_eq!(chosen(&shop("", "INR"), ""), None);
    }
}
