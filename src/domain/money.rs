//! Money as whole minor units (paise) in an `i64`, so no price ever passes through a float.
//! Parses amounts as people type them ("1,200.50") and formats them for people and for CSV.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::limits::MAX_PRICE;

const MINOR_PER_MAJOR: i64 = 100;

/// An amount in minor units (paise for INR). Arithmetic is checked: overflow gives `None`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

/// Why an amount of money was rejected. Each variant keeps the text as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    Empty,
    NotANumber(String),
    Negative(String),
    TooManyDecimals(String),
    TooLarge(String),
}

impl MoneyError {
    /// One sentence naming the field, e.g. `price "12x0" is not a number`.
    pub fn describe(&self, field: &str) -> String {
        match self {
            MoneyError::Empty => format!("{field} is empty"),
            MoneyError::NotANumber(s) => format!("{field} \"{s}\" is not a number"),
            MoneyError::Negative(s) => format!("{field} \"{s}\" cannot be negative"),
            MoneyError::TooManyDecimals(s) => {
                format!("{field} \"{s}\" has more than 2 digits after the decimal point")
            }
            MoneyError::TooLarge(s) => format!(
                "{field} \"{s}\" is more than the highest price Novi takes ({})",
                MAX_PRICE.to_major_string()
            ),
        }
    }
}

impl std::fmt::Display for MoneyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe("amount"))
    }
}

impl std::error::Error for MoneyError {}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_minor(minor: i64) -> Money {
        Money(minor)
    }

    /// The amount in minor units (paise).
    pub const fn minor(self) -> i64 {
        self.0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// Multiplies by a count, e.g. a per-piece price by the number of pieces.
    pub fn checked_mul(self, factor: u64) -> Option<Money> {
        let factor = i64::try_from(factor).ok()?;
        self.0.checked_mul(factor).map(Money)
    }

    /// Adds up amounts, giving `None` if the total overflows.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Money>) -> Option<Money> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, Money::checked_add)
    }

    /// Parses a price or fee in major units (rupees): `1200`, `1200.50`, `1,200.5`, `1,20,000`.
    /// A leading `₹`, `Rs` or `Rs.` is allowed because owners type it. It is never negative
    /// and at most [`MAX_PRICE`], the bound every price Novi takes is held to.
    pub fn parse_major(input: &str) -> Result<Money, MoneyError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(MoneyError::Empty);
        }
        match strip_currency(text).strip_prefix('-') {
            // Check the rest so "-abc" is reported as junk, not as a negative.
            Some(rest) => parse_unsigned(rest.trim_start(), text)
                .and(Err(MoneyError::Negative(text.to_owned()))),
            None => parse_unsigned(strip_currency(text), text),
        }
    }

    /// Formats for people: `₹1,20,000.00` for INR (Indian grouping), `$1,200.00` for USD.
    /// Unknown codes are written before the number, e.g. `AED 1,200.00`.
    pub fn format(&self, currency_code: &str) -> String {
        // Written into one string: every line of every summary and page shows amounts.
        let (symbol, indian) = currency_style(currency_code);
        let abs = self.0.unsigned_abs();
        let per = MINOR_PER_MAJOR.unsigned_abs();
        let mut out = String::with_capacity(32);
        if self.is_negative() {
            out.push('-');
        }
        out.push_str(&symbol);
        group_digits(&mut out, abs / per, indian);
        let cents = abs % per;
        out.push('.');
        out.push(char::from(b'0' + (cents / 10) as u8));
        out.push(char::from(b'0' + (cents % 10) as u8));
        out
    }

    /// Plain major units for files: `1200` when whole, `1200.50` otherwise; no grouping.
    pub fn to_major_string(&self) -> String {
        let sign = if self.is_negative() { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let per = MINOR_PER_MAJOR.unsigned_abs();
        let (whole, frac) = (abs / per, abs % per);
        if frac == 0 {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{frac:02}")
        }
    }
}

fn strip_currency(text: &str) -> &str {
    ["₹", "Rs.", "Rs", "rs.", "rs", "RS.", "RS"]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .unwrap_or(text)
        .trim_start()
}

/// `original` is the whole input, kept for the error message.
fn parse_unsigned(body: &str, original: &str) -> Result<Money, MoneyError> {
    let junk = || MoneyError::NotANumber(original.to_owned());
    let (whole, frac) = match body.split_once('.') {
        Some((whole, frac)) => (whole, Some(frac)),
        None => (body, None),
    };
    let whole = ungroup(whole).ok_or_else(junk)?;
    let frac_minor = match frac {
        None => 0,
        Some(f) if f.is_empty() || !all_digits(f) => return Err(junk()),
        Some(f) if f.len() > 2 => return Err(MoneyError::TooManyDecimals(original.to_owned())),
        Some(f) => format!("{f:0<2}").parse::<i64>().map_err(|_| junk())?,
    };
    whole
        .parse::<i64>()
        .ok()
        .and_then(|w| w.checked_mul(MINOR_PER_MAJOR))
        .and_then(|w| w.checked_add(frac_minor))
        .map(Money)
        .filter(|m| *m <= MAX_PRICE)
        .ok_or_else(|| MoneyError::TooLarge(original.to_owned()))
}

/// Removes thousands separators, accepting Indian (`1,20,000`) and Western
/// (`120,000`) grouping but not `12,00`, which may be a European decimal.
fn ungroup(whole: &str) -> Option<String> {
    let groups: Vec<&str> = whole.split(',').collect();
    let (first, rest) = groups.split_first()?;
    let last = rest.len().checked_sub(1);
    let shapes_ok = rest.iter().enumerate().all(|(i, g)| {
        if Some(i) == last {
            g.len() == 3
        } else {
            (2..=3).contains(&g.len())
        }
    });
    let first_ok = !first.is_empty() && (rest.is_empty() || first.len() <= 3);
    let digits: String = groups.concat();
    (shapes_ok && first_ok && all_digits(&digits)).then_some(digits)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// ISO 4217's current codes for money counted in hundredths, as Novi keeps it (paise, cents):
/// a code outside this list names no currency, or one with no minor unit (JPY) or thousandths
/// (KWD), whose amounts every page, bill and payment would show wrong.
const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CNY",
    "COP", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD",
    "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR",
    "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK",
    "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP",
    "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP",
    "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP", "TRY",
    "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES", "WST", "XCD", "XCG", "YER", "ZAR",
    "ZMW", "ZWG",
];

/// The currency code as a shop would store it (`INR`), or why it cannot be one.
pub fn parse_currency(text: &str) -> Result<String, String> {
    let code = text.trim().to_ascii_uppercase();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err("currency must be a three-letter ISO code such as INR".into());
    }
    if CURRENCIES.binary_search(&code.as_str()).is_err() {
        return Err(format!(
            "{code} is not a currency Novi can keep: it counts money in hundredths (paise, cents), \
             as INR, USD or EUR do"
        ));
    }
    Ok(code)
}

fn currency_style(code: &str) -> (Cow<'static, str>, bool) {
    let code = code.trim();
    let known = [("INR", "₹"), ("USD", "$"), ("EUR", "€"), ("GBP", "£")];
    match known.iter().find(|(c, _)| c.eq_ignore_ascii_case(code)) {
        Some(&(c, symbol)) => (Cow::Borrowed(symbol), c == "INR"),
        None => (Cow::Owned(format!("{} ", code.to_ascii_uppercase())), false),
    }
}

/// Indian grouping puts a comma after the last three digits, then every two.
/// Writes `n` onto `out`, grouped.
fn group_digits(out: &mut String, n: u64, indian: bool) {
    // A u64 has at most 20 digits, written from the right.
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    let mut rest = n;
    loop {
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let digits = &buf[at..];
    let head = digits.len().saturating_sub(3);
    let size = if indian { 2 } else { 3 };
    for (i, &d) in digits.iter().enumerate() {
        if i > 0 && i <= head && (head - i) % size == 0 {
            out.push(',');
        }
        out.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_currency_is_a_known_code_counted_in_hundredths() {
        assert!(
            CURRENCIES.windows(2).all(|w| w[0] < w[1]),
            "sorted, for the search"
        );
        assert_eq!(parse_currency(" inr ").as_deref(), Ok("INR"));
        assert_eq!(parse_currency("USD").as_deref(), Ok("USD"));
        for refused in ["XYZ", "JPY", "KWD", "RUPEES", "IN", ""] {
            assert!(parse_currency(refused).is_err(), "{refused}");
        }
    }

    fn minor(input: &str) -> Result<i64, MoneyError> {
        Money::parse_major(input).map(Money::minor)
    }

    #[test]
    fn parses_rupee_amounts() {
        let cases = [
            ("1200", 120_000),
            ("1200.50", 120_050),
            ("1200.5", 120_050),
            ("1,200.5", 120_050),
            ("1,20,000", 12_000_000),
            ("1,000,000.00", 100_000_000),
            ("9,34,567.89", 93_456_789),
            ("0", 0),
            ("0.05", 5),
            ("007", 700),
            (" 15 ", 1500),
            ("₹1,200", 120_000),
            ("₹ 99.99", 9999),
            ("Rs. 20", 2000),
            ("Rs20", 2000),
            ("10,00,000", 100_000_000),
            ("1000000.00", 100_000_000),
        ];
        for (input, expected) in cases {
            assert_eq!(minor(input), Ok(expected), "{input}");
        }
    }

    #[test]
    fn rejects_junk() {
        for input in [
            "12x0",
            "1.",
            ".5",
            "1.2.3",
            "1,2",
            "12,00",
            ",100",
            "100,",
            "1,,000",
            "1234,567",
            "+5",
            "1e3",
            "NaN",
            "inf",
            "₹",
            "१२००",
            "1 200",
            "1.5a",
            "1.-5",
            "- ",
        ] {
            assert_eq!(
                minor(input),
                Err(MoneyError::NotANumber(input.trim().to_owned())),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_empty_negative_precise_and_huge() {
        assert_eq!(minor("  "), Err(MoneyError::Empty));
        assert_eq!(minor("-5"), Err(MoneyError::Negative("-5".into())));
        assert_eq!(minor("₹-5"), Err(MoneyError::Negative("₹-5".into())));
        assert_eq!(minor("-abc"), Err(MoneyError::NotANumber("-abc".into())));
        assert_eq!(
            minor("1.234"),
            Err(MoneyError::TooManyDecimals("1.234".into()))
        );
        for huge in [
            "1000000.01",
            "10,00,001",
            "500000000000000",
            "92233720368547758.08",
            "99999999999999999999",
            &"9".repeat(500),
        ] {
            assert_eq!(minor(huge), Err(MoneyError::TooLarge(huge.to_string())));
        }
    }

    #[test]
    fn formats_inr_with_indian_grouping() {
        let cases = [
            (0, "₹0.00"),
            (5, "₹0.05"),
            (99_900, "₹999.00"),
            (120_000, "₹1,200.00"),
            (12_000_000, "₹1,20,000.00"),
            (123_456_789, "₹12,34,567.89"),
            (1_234_567_890, "₹1,23,45,678.90"),
            (-120_050, "-₹1,200.50"),
        ];
        for (paise, expected) in cases {
            assert_eq!(Money::from_minor(paise).format("INR"), expected);
        }
    }

    #[test]
    fn formats_other_currencies_with_western_grouping() {
        let m = Money::from_minor(123_456_789);
        assert_eq!(m.format("USD"), "$1,234,567.89");
        assert_eq!(m.format("eur"), "€1,234,567.89");
        assert_eq!(Money::from_minor(120_000).format("AED"), "AED 1,200.00");
    }

    #[test]
    fn formats_extremes_without_panicking() {
        assert_eq!(
            Money::from_minor(i64::MIN).format("INR"),
            "-₹92,23,37,20,36,85,47,758.08"
        );
        assert_eq!(
            Money::from_minor(i64::MAX).to_major_string(),
            "92233720368547758.07"
        );
    }

    #[test]
    fn major_string_drops_zero_paise() {
        assert_eq!(Money::from_minor(120_000).to_major_string(), "1200");
        assert_eq!(Money::from_minor(120_050).to_major_string(), "1200.50");
        assert_eq!(Money::from_minor(5).to_major_string(), "0.05");
        assert_eq!(Money::from_minor(-550).to_major_string(), "-5.50");
    }

    #[test]
    fn major_string_round_trips() {
        for paise in [0, 1, 10, 99, 100, 120_050, 12_000_000, MAX_PRICE.minor()] {
            let m = Money::from_minor(paise);
            assert_eq!(Money::parse_major(&m.to_major_string()), Ok(m));
        }
    }

    #[test]
    fn arithmetic_is_checked() {
        let max = Money::from_minor(i64::MAX);
        let one = Money::from_minor(1);
        assert_eq!(one.checked_add(one), Some(Money::from_minor(2)));
        assert_eq!(max.checked_add(one), None);
        assert_eq!(Money::from_minor(i64::MIN).checked_sub(one), None);
        assert_eq!(
            Money::from_minor(2000).checked_mul(12),
            Some(Money::from_minor(24_000))
        );
        assert_eq!(max.checked_mul(2), None);
        assert_eq!(one.checked_mul(u64::MAX), None);
        assert_eq!(
            Money::checked_sum([one, one, one]),
            Some(Money::from_minor(3))
        );
        assert_eq!(Money::checked_sum([max, one]), None);
        assert_eq!(Money::checked_sum([]), Some(Money::ZERO));
    }

    #[test]
    fn serializes_as_integer_paise() {
        let m = Money::from_minor(120_050);
        assert_eq!(serde_json::to_string(&m).unwrap(), "120050");
        assert_eq!(serde_json::from_str::<Money>("120050").unwrap(), m);
        assert!(serde_json::from_str::<Money>("1200.5").is_err());
        assert!(serde_json::from_str::<Money>("\"1200\"").is_err());
    }

    #[test]
    fn errors_name_the_field() {
        let err = MoneyError::NotANumber("12x0".into());
        assert_eq!(err.describe("price"), "price \"12x0\" is not a number");
        assert_eq!(err.to_string(), "amount \"12x0\" is not a number");
        assert_eq!(
            MoneyError::TooLarge("5e16".into()).describe("price"),
            "price \"5e16\" is more than the highest price Novi takes (1000000)"
        );
        assert_eq!(
            MoneyError::TooManyDecimals("1.234".into()).to_string(),
            "amount \"1.234\" has more than 2 digits after the decimal point"
        );
    }
}
