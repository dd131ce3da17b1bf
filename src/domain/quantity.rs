//! Quantities as whole grams (for `kg` products) or whole pieces (for `pc` products).
//! Also owns the line-price rule, so per-kg rounding is decided in exactly one place.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::money::Money;

const GRAMS_PER_KG: u64 = 1000;

/// How a product is sold: by weight (priced per kg, counted in grams) or by the piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Kg,
    Pc,
}

/// A unit other than `kg` or `pc`; keeps the text as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unit must be kg or pc, got \"{0}\"")]
pub struct UnitError(pub String);

impl Unit {
    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::Kg => "kg",
            Unit::Pc => "pc",
        }
    }
}

impl FromStr for Unit {
    type Err = UnitError;

    /// Accepts `kg` and `pc` in any case, ignoring surrounding spaces.
    fn from_str(s: &str) -> Result<Unit, UnitError> {
        let s = s.trim();
        match s.to_ascii_lowercase().as_str() {
            "kg" => Ok(Unit::Kg),
            "pc" => Ok(Unit::Pc),
            _ => Err(UnitError(s.to_owned())),
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An order quantity: a positive count of grams or pieces, depending on the product's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Quantity(NonZeroU32);

/// Why a quantity was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("quantity must be more than zero")]
    Zero,
}

impl Quantity {
    /// `amount` is in grams for `kg` products and in pieces for `pc` products.
    pub fn new(amount: u32) -> Result<Quantity, QuantityError> {
        NonZeroU32::new(amount)
            .map(Quantity)
            .ok_or(QuantityError::Zero)
    }

    pub const fn get(self) -> u32 {
        self.0.get()
    }

    /// For people, e.g. `250 g`, `1.5 kg`, `12 pc`.
    pub fn display(self, unit: Unit) -> String {
        format_amount(unit, u64::from(self.get()))
    }
}

impl TryFrom<u32> for Quantity {
    type Error = QuantityError;

    fn try_from(amount: u32) -> Result<Quantity, QuantityError> {
        Quantity::new(amount)
    }
}

impl From<Quantity> for u32 {
    fn from(q: Quantity) -> u32 {
        q.get()
    }
}

/// Formats grams or pieces for people: `250 g`, `1 kg`, `1.5 kg`, `1.25 kg`, `12 pc`.
/// Takes a plain `u64` so stock levels (which may be zero) format the same way.
pub fn format_amount(unit: Unit, amount: u64) -> String {
    match unit {
        Unit::Pc => format!("{amount} pc"),
        Unit::Kg if amount < GRAMS_PER_KG => format!("{amount} g"),
        Unit::Kg => {
            let (kg, grams) = (amount / GRAMS_PER_KG, amount % GRAMS_PER_KG);
            if grams == 0 {
                format!("{kg} kg")
            } else {
                let frac = format!("{grams:03}");
                format!("{kg}.{} kg", frac.trim_end_matches('0'))
            }
        }
    }
}

/// The price of one order line. For `kg`, `unit_price` is per kg and the total is
/// rounded half up to the paisa; for `pc` it is per piece. `None` on overflow.
pub fn line_total(unit: Unit, unit_price: Money, qty: Quantity) -> Option<Money> {
    match unit {
        Unit::Pc => unit_price.checked_mul(u64::from(qty.get())),
        Unit::Kg => {
            // i128 cannot overflow here: |i64| * u32 < 2^95.
            let scaled = i128::from(unit_price.minor()) * i128::from(qty.get());
            let per_kg = i128::from(GRAMS_PER_KG);
            let rounded = (scaled + per_kg / 2).div_euclid(per_kg);
            i64::try_from(rounded).ok().map(Money::from_minor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qty(n: u32) -> Quantity {
        Quantity::new(n).unwrap()
    }

    #[test]
    fn unit_parses_kg_and_pc() {
        assert_eq!("kg".parse(), Ok(Unit::Kg));
        assert_eq!(" PC ".parse(), Ok(Unit::Pc));
        assert_eq!("ltr".parse::<Unit>(), Err(UnitError("ltr".into())));
        assert_eq!(" ltr ".parse::<Unit>(), Err(UnitError("ltr".into())));
        assert_eq!("".parse::<Unit>(), Err(UnitError("".into())));
        assert_eq!(
            UnitError("ltr".into()).to_string(),
            "unit must be kg or pc, got \"ltr\""
        );
    }

    #[test]
    fn unit_round_trips_through_text_and_serde() {
        for unit in [Unit::Kg, Unit::Pc] {
            assert_eq!(unit.to_string().parse(), Ok(unit));
            let json = serde_json::to_string(&unit).unwrap();
            assert_eq!(json, format!("\"{unit}\""));
            assert_eq!(serde_json::from_str::<Unit>(&json).unwrap(), unit);
        }
        assert!(serde_json::from_str::<Unit>("\"Kg\"").is_err());
    }

    #[test]
    fn quantity_must_be_positive() {
        assert_eq!(Quantity::new(0), Err(QuantityError::Zero));
        assert_eq!(qty(250).get(), 250);
        assert_eq!(
            QuantityError::Zero.to_string(),
            "quantity must be more than zero"
        );
    }

    #[test]
    fn quantity_serde_validates() {
        assert_eq!(serde_json::to_string(&qty(250)).unwrap(), "250");
        assert_eq!(serde_json::from_str::<Quantity>("250").unwrap(), qty(250));
        assert!(serde_json::from_str::<Quantity>("0").is_err());
        assert!(serde_json::from_str::<Quantity>("-1").is_err());
        assert!(serde_json::from_str::<Quantity>("1.5").is_err());
    }

    #[test]
    fn formats_amounts_for_people() {
        let cases = [
            (Unit::Kg, 0, "0 g"),
            (Unit::Kg, 250, "250 g"),
            (Unit::Kg, 999, "999 g"),
            (Unit::Kg, 1000, "1 kg"),
            (Unit::Kg, 1500, "1.5 kg"),
            (Unit::Kg, 1250, "1.25 kg"),
            (Unit::Kg, 1005, "1.005 kg"),
            (Unit::Kg, 20_000, "20 kg"),
            (Unit::Pc, 1, "1 pc"),
            (Unit::Pc, 12, "12 pc"),
        ];
        for (unit, amount, expected) in cases {
            assert_eq!(format_amount(unit, amount), expected);
        }
        assert_eq!(qty(1500).display(Unit::Kg), "1.5 kg");
        assert!(format_amount(Unit::Kg, u64::MAX).ends_with(" kg"));
    }

    #[test]
    fn per_kg_prices_scale_by_grams() {
        let per_kg = Money::from_minor(120_000); // ₹1200/kg
        assert_eq!(
            line_total(Unit::Kg, per_kg, qty(250)),
            Some(Money::from_minor(30_000))
        );
        assert_eq!(
            line_total(Unit::Kg, per_kg, qty(1500)),
            Some(Money::from_minor(180_000))
        );
    }

    #[test]
    fn per_kg_totals_round_half_up_to_the_paisa() {
        let cases = [
            (333, 1, 0),
            (333, 2, 1),
            (500, 1, 1),
            (499, 1, 0),
            (1, 500, 1),
            (1, 499, 0),
        ];
        for (price, grams, expected) in cases {
            let total = line_total(Unit::Kg, Money::from_minor(price), qty(grams));
            assert_eq!(
                total,
                Some(Money::from_minor(expected)),
                "{price} x {grams} g"
            );
        }
    }

    #[test]
    fn per_piece_prices_multiply() {
        let each = Money::from_minor(2000);
        assert_eq!(
            line_total(Unit::Pc, each, qty(12)),
            Some(Money::from_minor(24_000))
        );
    }

    #[test]
    fn line_totals_detect_overflow() {
        let max = Money::from_minor(i64::MAX);
        assert_eq!(line_total(Unit::Kg, max, qty(1000)), Some(max));
        assert_eq!(line_total(Unit::Kg, max, qty(1001)), None);
        assert_eq!(line_total(Unit::Kg, max, qty(u32::MAX)), None);
        assert_eq!(line_total(Unit::Pc, max, qty(2)), None);
        let min = Money::from_minor(i64::MIN);
        assert_eq!(line_total(Unit::Kg, min, qty(u32::MAX)), None);
    }
}
