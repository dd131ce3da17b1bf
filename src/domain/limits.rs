//! The largest values Novi takes, stated once: prices, the amount on one order line, lines in
//! one order, stock, and how much of a customer's message it reads. Every way in checks them.
//!
//! Why these bounds: far above any real shop, and low enough that sums cannot overflow. The
//! dearest order is 100 lines × 1,00,000 pieces × ₹10,00,000 = 10^15 paise, a thousandth of
//! what an `i64` holds, and sums over many orders are worked out so that they cannot fail.

use super::money::Money;
use super::quantity::{format_amount, Unit};

/// The highest price: ₹10,00,000 (10^8 paise). It bounds a product's price per kg or per
/// piece, a variant's own price, and a business's delivery fee.
pub const MAX_PRICE: Money = Money::from_minor(100_000_000);

/// The most one order line holds of a product sold by weight: 1,000 kg, in grams.
pub const MAX_LINE_GRAMS: u32 = 1_000_000;

/// The most one order line holds of a product sold by the piece: 1,00,000 pieces.
pub const MAX_LINE_PIECES: u32 = 100_000;

/// The longest delivery address, in characters, wherever one is written: an order's (the API,
/// the storefront) becomes the customer's, so the customer's page takes the same.
pub const MAX_ADDRESS: usize = 500;

/// The most lines one order has.
pub const MAX_LINES: usize = 100;

/// The most stock a catalog file or a form sets, and the largest stock change or low-stock
/// level: 10^9 grams or pieces (a million kg). Stock is never priced, so this bound is loose.
pub const MAX_STOCK: i64 = 1_000_000_000;

/// How much of a customer's message is read: its first 4,000 characters. WhatsApp allows
/// 65,536; an order is rarely more than a few hundred, and reading the rest would only cost
/// time and memory (the reading is kept as a draft between messages).
pub const MAX_READ_CHARS: usize = 4_000;

/// The most questions one message raises (lines that could not be read for sure, and names
/// the shop does not sell): past this, lines are counted but not kept, and the customer is
/// told how many more there were.
pub const MAX_QUESTIONS: usize = 5;

/// The most one order line holds of a product sold in `unit`, in grams or pieces.
pub const fn max_line_amount(unit: Unit) -> u32 {
    match unit {
        Unit::Kg => MAX_LINE_GRAMS,
        Unit::Pc => MAX_LINE_PIECES,
    }
}

/// Refuses an amount (grams or pieces) more than one order line holds, saying the limit.
pub fn check_line_amount(unit: Unit, amount: u64) -> Result<(), String> {
    let max = max_line_amount(unit);
    if amount > u64::from(max) {
        return Err(format!(
            "{} is more than one order line can hold (at most {})",
            format_amount(unit, amount),
            format_amount(unit, u64::from(max))
        ));
    }
    Ok(())
}

/// Refuses a price above [`MAX_PRICE`]; `what` names it ("the price of Kaju Katli").
pub fn check_price(what: &str, price: Money) -> Result<(), String> {
    if price > MAX_PRICE {
        return Err(format!(
            "{what} is more than the highest price Novi takes ({})",
            MAX_PRICE.to_major_string()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_amounts_stop_at_the_limit_for_their_unit() {
        assert_eq!(check_line_amount(Unit::Kg, 1_000_000), Ok(()));
        assert_eq!(check_line_amount(Unit::Pc, 100_000), Ok(()));
        assert_eq!(
            check_line_amount(Unit::Kg, 1_000_001),
            Err("1000.001 kg is more than one order line can hold (at most 1000 kg)".into())
        );
        assert_eq!(
            check_line_amount(Unit::Pc, u64::MAX),
            Err(format!(
                "{} pc is more than one order line can hold (at most 100000 pc)",
                u64::MAX
            ))
        );
    }

    #[test]
    fn prices_stop_at_ten_lakh() {
        assert_eq!(check_price("price", MAX_PRICE), Ok(()));
        let over = Money::from_minor(MAX_PRICE.minor() + 1);
        assert_eq!(
            check_price("the price of Kaju Katli", over),
            Err(
                "the price of Kaju Katli is more than the highest price Novi takes (1000000)"
                    .into()
            )
        );
    }

    #[test]
    fn the_dearest_orders_sum_far_below_overflow() {
        let line = i64::from(MAX_LINE_PIECES.max(MAX_LINE_GRAMS / 1000)) * MAX_PRICE.minor();
        let order = line * MAX_LINES as i64 + MAX_PRICE.minor();
        assert!(order.checked_mul(1000).is_some());
    }
}
