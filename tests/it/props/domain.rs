//! The value types' parsers: money, phone numbers, amounts and SKUs take any text without a
//! panic and in bounded memory, and read back exactly what Novi writes.

use novi::domain::{format_amount, limits, parse_amount, parse_change, Money, Phone, Sku, Unit};
use proptest::prelude::*;

use super::{config, gen, within_bound, PER_BYTE};
use crate::support::alloc::measure;

/// The largest amount a form takes (a million kilos or pieces, in grams or pieces).
const MAX_AMOUNT: u64 = 1_000_000_000;

fn unit() -> impl Strategy<Value = Unit> {
    prop_oneof![Just(Unit::Kg), Just(Unit::Pc)]
}

/// A valid full number (a country code of 1 to 3 digits not starting with 0, then enough
/// digits for 9 to 15 in all) as `(code, rest)`, and the shop's own country code. Real country
/// codes are prefix-free, which `Phone::parse` relies on, so the two codes are the same or
/// neither starts the other.
fn phone_and_home() -> impl Strategy<Value = ((String, String), String)> {
    let code = "[1-9][0-9]{0,2}";
    let number = (code, "[0-9]{8,12}").prop_filter("at most 15 digits", |(cc, rest)| {
        cc.len() + rest.len() <= 15
    });
    let home = prop_oneof![Just(None), code.prop_map(Some)];
    (number, home)
        .prop_map(|((cc, rest), home)| {
            let home = home.unwrap_or_else(|| cc.clone());
            ((cc, rest), home)
        })
        .prop_filter("prefix-free codes", |((cc, _), home)| {
            cc == home || !(cc.starts_with(home.as_str()) || home.starts_with(cc.as_str()))
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_parses_in_bounded_memory(text in gen::text(), unit in unit()) {
        let (_, usage) = measure(|| {
            let _ = Money::parse_major(&text);
            let _ = Phone::parse(&text, "91");
            let _ = Phone::parse("9812345678", &text);
            let _ = Phone::from_digits(&text);
            let _ = parse_amount(unit, &text);
            let _ = parse_change(unit, &text);
            let _ = Sku::parse(&text);
            let _ = Sku::from_name(&text);
            let _ = text.parse::<Unit>();
        });
        within_bound("domain parsers", text.len(), PER_BYTE, usage)?;
    }

    #[test]
    fn money_reads_back_what_it_writes(minor in any::<i64>()) {
        let m = Money::from_minor(minor);
        let (plain, shown) = (m.to_major_string(), m.format("INR"));
        if minor > limits::MAX_PRICE.minor() || minor < -limits::MAX_PRICE.minor() {
            // Beyond the stated limit an amount is refused, whichever way it is written.
            prop_assert!(Money::parse_major(&plain).is_err(), "{}", plain);
        } else if minor >= 0 {
            prop_assert_eq!(Money::parse_major(&plain), Ok(m), "{}", plain);
            prop_assert_eq!(Money::parse_major(&shown), Ok(m), "{}", shown);
        } else {
            // Amounts typed in are never negative: refused as such, not misread.
            prop_assert!(matches!(Money::parse_major(&plain), Err(novi::domain::MoneyError::Negative(_))));
        }
    }

    #[test]
    fn money_that_parses_is_written_back_the_same(text in gen::text()) {
        if let Ok(m) = Money::parse_major(&text) {
            prop_assert_eq!(Money::parse_major(&m.to_major_string()), Ok(m));
        }
    }

    #[test]
    fn phones_read_back_what_they_write(((cc, rest), home) in phone_and_home()) {
        let p = Phone::from_digits(&format!("{cc}{rest}")).expect("a valid number");
        // Through Display on purpose: that is what pages and files show.
        let shown = p.to_string();
        prop_assert_eq!(Phone::from_digits(&shown), Ok(p.clone()));
        prop_assert_eq!(Phone::parse(&p.to_e164(), &home), Ok(p.clone()));
        // Written without the +, a number of the shop's own country reads back the same when
        // its national part has the 10 digits of a local number.
        if rest.len() == 10 {
            let local = Phone::parse(&format!("{cc}{rest}"), &cc).expect("a home number");
            let shown = local.to_string();
            prop_assert_eq!(Phone::parse(&shown, &cc), Ok(local));
        }
    }

    #[test]
    fn a_number_novi_shows_finds_it(((cc, rest), home) in phone_and_home()) {
        let p = Phone::from_digits(&format!("{cc}{rest}")).expect("a valid number");
        // Ten digits without a + are a local number, whatever they were written for.
        if p.as_str().len() != 10 {
            let shown = p.to_string();
            prop_assert_eq!(Phone::parse_lookup(&shown, &home), Ok(p.clone()));
        }
        prop_assert_eq!(Phone::parse_lookup(&p.to_e164(), &home), Ok(p));
    }

    #[test]
    fn phones_that_parse_survive_from_digits(text in gen::text()) {
        if let Ok(p) = Phone::parse(&text, "91") {
            prop_assert_eq!(Phone::from_digits(p.as_str()), Ok(p.clone()));
            prop_assert_eq!(Phone::parse(&p.to_e164(), "91"), Ok(p));
        }
    }

    #[test]
    fn amounts_read_back_what_they_write(unit in unit(), amount in 0..=MAX_AMOUNT) {
        let shown = format_amount(unit, amount);
        let signed = i64::try_from(amount).expect("small");
        prop_assert_eq!(parse_amount(unit, &shown), Ok(signed), "{}", shown);
        if amount > 0 {
            prop_assert_eq!(parse_change(unit, &format!("+{shown}")), Ok(signed));
            prop_assert_eq!(parse_change(unit, &format!("-{shown}")), Ok(-signed));
        }
    }

    #[test]
    fn amounts_that_parse_are_written_back_the_same(unit in unit(), text in gen::text()) {
        if let Ok(n) = parse_amount(unit, &text) {
            let shown = format_amount(unit, u64::try_from(n).expect("never negative"));
            prop_assert_eq!(parse_amount(unit, &shown), Ok(n), "{}", shown);
        }
    }

    #[test]
    fn skus_read_back_what_they_write(text in gen::text()) {
        if let Ok(sku) = Sku::parse(&text) {
            let shown = sku.to_string();
            prop_assert_eq!(Sku::parse(&shown), Ok(sku));
        }
        if let Some(sku) = Sku::from_name(&text) {
            prop_assert_eq!(Sku::parse(sku.as_str()), Ok(sku));
        }
    }
}
