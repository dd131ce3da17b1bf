//! Amounts as people type them into forms ("1.5 kg", "500 g", "12", "+2 kg", "-500 g"),
//! turned into whole grams or pieces for a product's unit; junk is refused with a reason.
//!
//! The one rule for a bare number: it means pieces for a `pc` product, and is refused for a
//! `kg` product, since "2" could mean 2 kg or 2 g and guessing wrong is costly (an order for
//! 2 g of sweets, or stock of 2 kg recorded as 2 g). Every form that takes an amount uses
//! this module, so the product form, stock changes and orders taken by hand agree.

use super::limits::MAX_STOCK;
use super::quantity::Unit;

/// The largest amount a form accepts: a million kilos or pieces is beyond any shop. It also
/// fits in a `u32`; an order line is held to less (`limits::check_line_amount`).
const MAX: i64 = MAX_STOCK;

/// A stock change: it must start with `+` (add) or `-` (take away), and is never zero.
pub fn parse_change(unit: Unit, input: &str) -> Result<i64, String> {
    let text = input.trim();
    let (sign, rest) = match text.chars().next() {
        Some('+') => (1, &text[1..]),
        Some('-') => (-1, &text[1..]),
        // A typographic minus, as phones and word processors type it.
        Some('−') => (-1, &text['−'.len_utf8()..]),
        _ => {
            return Err(format!(
                "change \"{text}\" must start with + to add or - to take away, e.g. {}",
                example(unit, "+")
            ))
        }
    };
    match parse_amount(unit, rest)? {
        0 => Err("the change cannot be zero".to_owned()),
        n => Ok(sign * n),
    }
}

/// A non-negative amount in grams (`kg` products) or pieces (`pc` products): `1.5 kg`,
/// `500 g` or `500 gm` for kg products; `12` or `12 pc` for pc products. A bare number for a
/// kg product is refused (see the module's rule). Zero is allowed, since a stock level or a
/// variant may be zero; callers that need more than zero check for it.
pub fn parse_amount(unit: Unit, input: &str) -> Result<i64, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err(format!("amount is empty; write e.g. {}", example(unit, "")));
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let junk = || {
        format!(
            "\"{text}\" is not an amount; write e.g. {}",
            example(unit, "")
        )
    };
    let per_unit = scale(unit, &suffix.trim().to_ascii_lowercase()).ok_or_else(junk)?;
    if per_unit == 0 {
        return Err(format!(
            "\"{text}\" needs a unit: write kg or g, e.g. {}",
            example(unit, "")
        ));
    }
    let value = scaled(number, per_unit).ok_or_else(junk)?;
    if value > MAX {
        return Err(format!("\"{text}\" is too large"));
    }
    Ok(value)
}

/// How many base units one of `suffix` is; `Some(0)` means a unit is needed but missing.
fn scale(unit: Unit, suffix: &str) -> Option<i64> {
    match (unit, suffix) {
        (Unit::Kg, "") => Some(0),
        (Unit::Kg, "kg" | "kgs" | "kilo" | "kilos" | "kilogram" | "kilograms") => Some(1000),
        (Unit::Kg, "g" | "gm" | "gms" | "gram" | "grams") => Some(1),
        (Unit::Pc, "" | "pc" | "pcs" | "piece" | "pieces") => Some(1),
        _ => None,
    }
}

/// `number` (digits, at most one `.`) times `per_unit`, if that is a whole number. Worked in
/// integers so "1.005 kg" is exactly 1005 g and "1.2345 kg" is refused, not rounded.
fn scaled(number: &str, per_unit: i64) -> Option<i64> {
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || whole.len() > 12 {
        return None;
    }
    if number.contains('.') && frac.is_empty() {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let places = u32::try_from(frac.len()).ok()?;
    let denominator = 10_i64.checked_pow(places)?;
    if per_unit % denominator != 0 {
        return None;
    }
    let frac_value = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let whole_value: i64 = whole.parse().ok()?;
    whole_value
        .checked_mul(per_unit)?
        .checked_add(frac_value * (per_unit / denominator))
}

fn example(unit: Unit, sign: &str) -> String {
    match unit {
        Unit::Kg => format!("{sign}1.5 kg or {sign}500 g"),
        Unit::Pc => format!("{sign}12"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kilos_and_grams() {
        let cases = [
            ("1.5 kg", 1500),
            ("2kg", 2000),
            ("0.25 KG", 250),
            ("1.000 kg", 1000),
            ("1.005 kg", 1005),
            ("500 g", 500),
            ("500gm", 500),
            (" 750 grams ", 750),
            ("0 g", 0),
            ("750 g", 750),
            ("750gm", 750),
            ("1kg", 1000),
            (" 2 KG ", 2000),
        ];
        for (text, grams) in cases {
            assert_eq!(parse_amount(Unit::Kg, text), Ok(grams), "{text}");
        }
    }

    #[test]
    fn reads_pieces() {
        let cases = [
            ("12", 12),
            ("12 pc", 12),
            ("12 pcs", 12),
            ("3 pcs", 3),
            ("1 piece", 1),
        ];
        for (text, n) in cases {
            assert_eq!(parse_amount(Unit::Pc, text), Ok(n), "{text}");
        }
    }

    #[test]
    fn refuses_junk() {
        let kg = [
            "",
            "2",
            "abc",
            "1.5.5 kg",
            "1.0005 kg",
            "1.2345 kg",
            "1.5 g",
            ".5 kg",
            "5. kg",
            "2 pc",
            "-2 kg",
            "-5",
            "0",
            "0.5",
            "12 ltr",
            "1e3 g",
            "1e9 kg",
            "2 kg 5",
            "१ kg",
        ];
        for text in kg {
            assert!(parse_amount(Unit::Kg, text).is_err(), "{text}");
        }
        for text in ["1.5", "2 kg", "twelve", "", "12 boxes"] {
            assert!(parse_amount(Unit::Pc, text).is_err(), "{text}");
        }
        assert!(parse_amount(Unit::Pc, &"9".repeat(30)).is_err());
        assert!(parse_amount(Unit::Kg, "1000001 kg").is_err());
    }

    #[test]
    fn a_bare_number_is_refused_for_kg() {
        for text in ["2", "750", " 750 ", "1.5"] {
            let err = parse_amount(Unit::Kg, text).unwrap_err();
            assert!(err.contains("needs a unit: write kg or g"), "{text}: {err}");
        }
    }

    #[test]
    fn junk_is_called_not_an_amount() {
        let err = parse_amount(Unit::Kg, "lots").unwrap_err();
        assert!(err.contains("\"lots\" is not an amount"), "{err}");
    }

    #[test]
    fn changes_are_signed() {
        assert_eq!(parse_change(Unit::Kg, "+2 kg"), Ok(2000));
        assert_eq!(parse_change(Unit::Kg, "-500 g"), Ok(-500));
        assert_eq!(parse_change(Unit::Kg, "−1.5kg"), Ok(-1500));
        assert_eq!(parse_change(Unit::Pc, "+12"), Ok(12));
        assert_eq!(parse_change(Unit::Pc, " -3 pcs "), Ok(-3));
    }

    #[test]
    fn changes_refuse_missing_signs_zero_and_junk() {
        for text in ["12", "", "+", "+0", "-0 g", "++2", "+-2", "+abc"] {
            assert!(parse_change(Unit::Pc, text).is_err(), "{text}");
        }
        assert!(parse_change(Unit::Kg, "2 kg")
            .unwrap_err()
            .contains("start with +"));
        assert!(parse_change(Unit::Kg, "+0 kg")
            .unwrap_err()
            .contains("zero"));
        assert!(parse_change(Unit::Kg, "+2")
            .unwrap_err()
            .contains("needs a unit"));
    }
}
