//! WhatsApp phone numbers, held as E.164 digits: country code first, no `+`, no spaces.
//! `Phone::parse` accepts the many ways customers write a number; the rest of Novi sees one form.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// E.164 caps a full number, country code included, at 15 digits.
const MAX_DIGITS: usize = 15;
/// Shortest national number we accept after a country code.
const MIN_NATIONAL_DIGITS: usize = 8;
/// Country codes are 1 to 3 digits, so this is the shortest full number.
const MIN_DIGITS: usize = 1 + MIN_NATIONAL_DIGITS;
/// Indian mobile numbers are written as 10 digits without the country code.
const LOCAL_DIGITS: usize = 10;

/// A WhatsApp number as digits with country code, e.g. `919812345678`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

/// Why a phone number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number is empty")]
    Empty,
    #[error("phone number can only have digits, spaces, dashes, brackets and a + at the start, but it has \"{0}\"")]
    InvalidCharacter(char),
    #[error(
        "phone number must have 10 digits, or a country code and 8–15 digits (it has {0} digits)"
    )]
    WrongLength(usize),
    #[error("phone number has {0} digits; write it as 10 digits, or start it with + and the country code")]
    NeedsPlus(usize),
    #[error("phone number's country code cannot start with 0")]
    CountryCodeStartsWithZero,
    #[error("default country code must be 1 to 3 digits, not \"{0}\"")]
    BadDefaultCountryCode(String),
}

impl Phone {
    /// Parses a number as a customer or shop owner typed it.
    ///
    /// A leading `+` or `00` marks the number as international. Otherwise 10 digits
    /// (optionally after a trunk `0`) get `default_country_code`, and longer numbers
    /// must already start with it (`919812345678`). For numbers WhatsApp sends
    /// (`wa_id`), which are canonical but may be foreign, use [`Phone::from_digits`].
    pub fn parse(input: &str, default_country_code: &str) -> Result<Phone, PhoneError> {
        let country_code = check_country_code(default_country_code)?;
        let (has_plus, digits) = strip_formatting(input)?;
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        let full = if has_plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else {
            add_country_code(&digits, country_code)?
        };
        Self::check_full(full, country_code)
    }

    /// Accepts only the canonical form (as produced by `as_str`, optionally with a `+`),
    /// so stored numbers are never re-interpreted with a guessed country code.
    pub fn from_digits(input: &str) -> Result<Phone, PhoneError> {
        let digits = input.strip_prefix('+').unwrap_or(input);
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        if let Some(bad) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(PhoneError::InvalidCharacter(bad));
        }
        Self::check_full(digits.to_owned(), "")
    }

    /// A number to find a stored one by: any spelling [`Phone::parse`] takes, or the digits
    /// Novi itself shows ([`Phone::as_str`]), which `parse` refuses for a foreign number
    /// written without its `+`. Only for finding: a number to write to must pass `parse`, so
    /// a mistyped extra digit is caught. A foreign number of exactly 10 digits still reads as
    /// a local one; written with its `+` it is found.
    pub fn parse_lookup(input: &str, default_country_code: &str) -> Result<Phone, PhoneError> {
        Self::parse(input, default_country_code)
            .or_else(|e| Self::from_digits(input.trim()).map_err(|_| e))
    }

    /// The digits with country code, e.g. `919812345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with a leading `+`, e.g. `+919812345678`.
    pub fn to_e164(&self) -> String {
        format!("+{}", self.0)
    }

    /// The number as people write it: `+91 98123 45678`, `+1 415 555 0100`, `+44 2079 460958`.
    pub fn readable(&self) -> String {
        let code_len = country_code_len(&self.0);
        let (code, national) = self.0.split_at(code_len);
        let groups: &[usize] = match (code, national.len()) {
            // India writes mobiles as two fives; North America as 3-3-4.
            ("91", 10) => &[5, 5],
            ("1", 10) => &[3, 3, 4],
            (_, n) if n <= 8 => &[4, 4],
            (_, 9) => &[2, 3, 4],
            (_, 10) => &[4, 6],
            _ => &[3, 3, 4, 5],
        };
        let mut out = format!("+{code}");
        let mut rest = national;
        for &g in groups {
            if rest.is_empty() {
                break;
            }
            let (head, tail) = rest.split_at(g.min(rest.len()));
            out.push(' ');
            out.push_str(head);
            rest = tail;
        }
        out.push_str(rest);
        out
    }

    fn check_full(full: String, home_code: &str) -> Result<Phone, PhoneError> {
        if full.starts_with('0') {
            return Err(PhoneError::CountryCodeStartsWithZero);
        }
        // Country codes are prefix-free, so a number starting with the home code
        // really is a home number and its national part can be measured exactly.
        let min = match full.strip_prefix(home_code) {
            Some(_) if !home_code.is_empty() => home_code.len() + MIN_NATIONAL_DIGITS,
            _ => MIN_DIGITS,
        };
        if full.len() < min || full.len() > MAX_DIGITS {
            return Err(PhoneError::WrongLength(full.len()));
        }
        Ok(Phone(full))
    }
}

/// How many digits of a full number are its country code. Country codes are prefix-free:
/// 1 and 7 stand alone, these two-digit codes are the rest of the short ones, and every other
/// code has three digits.
fn country_code_len(digits: &str) -> usize {
    const TWO: &[&str] = &[
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    match digits.as_bytes().first() {
        Some(b'1' | b'7') => 1,
        _ if TWO.iter().any(|c| digits.starts_with(c)) => 2,
        _ => 3,
    }
}

fn check_country_code(code: &str) -> Result<&str, PhoneError> {
    let ok = (1..=3).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_digit())
        && !code.starts_with('0');
    if ok {
        Ok(code)
    } else {
        Err(PhoneError::BadDefaultCountryCode(code.to_owned()))
    }
}

/// Drops the separators people type and reports whether a leading `+` was present.
fn strip_formatting(input: &str) -> Result<(bool, String), PhoneError> {
    let mut digits = String::new();
    let mut has_plus = false;
    for c in input.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if !has_plus && digits.is_empty() => has_plus = true,
            ' ' | '\t' | '\u{a0}' | '-' | '.' | '(' | ')' => {}
            _ => return Err(PhoneError::InvalidCharacter(c)),
        }
    }
    Ok((has_plus, digits))
}

/// Adds the home country code to a 10-digit national number. A longer number must
/// already start with the home code; a foreign one needs its `+`, so that a mistyped
/// extra digit is caught instead of turning into another country's number.
fn add_country_code(digits: &str, country_code: &str) -> Result<String, PhoneError> {
    // A single leading 0 is the trunk prefix used inside India, as in 098123 45678.
    let national = digits.strip_prefix('0').unwrap_or(digits);
    if national.len() == LOCAL_DIGITS {
        Ok(format!("{country_code}{national}"))
    } else if !(LOCAL_DIGITS..=MAX_DIGITS).contains(&national.len()) || national != digits {
        Err(PhoneError::WrongLength(national.len()))
    } else if !digits.starts_with(country_code) {
        Err(PhoneError::NeedsPlus(digits.len()))
    } else {
        Ok(digits.to_owned())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Phone::from_digits(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str) -> Result<String, PhoneError> {
        Phone::parse(input, "91").map(|p| p.as_str().to_owned())
    }

    #[test]
    fn accepts_common_indian_spellings() {
        for input in [
            "98123 45678",
            "+91-9812345678",
            "919812345678",
            "09812345678",
            "(+91) 98123-45678",
            "0091 98123 45678",
            " 9812345678 ",
            "+91 98123.45678",
            "+91\u{a0}98123\u{a0}45678",
        ] {
            assert_eq!(parse(input).as_deref(), Ok("919812345678"), "{input}");
        }
    }

    #[test]
    fn keeps_foreign_numbers_as_given() {
        assert_eq!(parse("+1 415 555 0100").as_deref(), Ok("14155550100"));
        assert_eq!(parse("0044 20 7946 0958").as_deref(), Ok("442079460958"));
        assert_eq!(parse("+65 8123 4567").as_deref(), Ok("6581234567"));
        assert_eq!(parse("+971501234567").as_deref(), Ok("971501234567"));
        assert_eq!(
            parse("91 1234 5678 90123").as_deref(),
            Ok("911234567890123")
        );
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        let readable = |d: &str| Phone::from_digits(d).unwrap().readable();
        assert_eq!(readable("919876543210"), "+91 98765 43210");
        assert_eq!(readable("14155550100"), "+1 415 555 0100");
        assert_eq!(readable("6581234567"), "+65 8123 4567");
        assert_eq!(readable("971501234567"), "+971 50 123 4567");
        assert_eq!(readable("442079460958"), "+44 2079 460958");
        assert_eq!(readable("911234567890123"), "+91 123 456 7890 123");
    }

    #[test]
    fn uses_the_given_default_country_code() {
        let phone = Phone::parse("415 555 0100", "1").unwrap();
        assert_eq!(phone.as_str(), "14155550100");
        assert_eq!(phone.to_e164(), "+14155550100");
    }

    #[test]
    fn rejects_empty_input() {
        for input in ["", "   ", "+", "()", "- -"] {
            assert_eq!(parse(input), Err(PhoneError::Empty), "{input:?}");
        }
    }

    #[test]
    fn rejects_letters_and_stray_symbols() {
        assert_eq!(parse("98123abc78"), Err(PhoneError::InvalidCharacter('a')));
        assert_eq!(parse("98+12345678"), Err(PhoneError::InvalidCharacter('+')));
        assert_eq!(
            parse("++919812345678"),
            Err(PhoneError::InvalidCharacter('+'))
        );
        assert_eq!(parse("98123/45678"), Err(PhoneError::InvalidCharacter('/')));
        assert_eq!(parse("९८१२३४५६७८"), Err(PhoneError::InvalidCharacter('९')));
    }

    #[test]
    fn rejects_wrong_lengths() {
        assert_eq!(parse("981234567"), Err(PhoneError::WrongLength(9)));
        assert_eq!(parse("0981234567"), Err(PhoneError::WrongLength(9)));
        assert_eq!(parse("0919812345678"), Err(PhoneError::WrongLength(12)));
        assert_eq!(parse("12345"), Err(PhoneError::WrongLength(5)));
        assert_eq!(parse("+91 1234567"), Err(PhoneError::WrongLength(9)));
        assert_eq!(parse("+1 234 5678"), Err(PhoneError::WrongLength(8)));
        assert_eq!(parse("+1234567890123456"), Err(PhoneError::WrongLength(16)));
        assert_eq!(
            parse("9".repeat(40).as_str()),
            Err(PhoneError::WrongLength(40))
        );
    }

    #[test]
    fn foreign_numbers_need_a_plus() {
        assert_eq!(parse("98123456789"), Err(PhoneError::NeedsPlus(11)));
        assert_eq!(parse("971501234567"), Err(PhoneError::NeedsPlus(12)));
        let wa_id = Phone::from_digits("971501234567").unwrap();
        assert_eq!(wa_id.as_str(), "971501234567");
    }

    #[test]
    fn rejects_country_code_starting_with_zero() {
        assert_eq!(
            parse("+0 98123 45678"),
            Err(PhoneError::CountryCodeStartsWithZero)
        );
        assert_eq!(
            parse("000919812345678"),
            Err(PhoneError::CountryCodeStartsWithZero)
        );
    }

    #[test]
    fn rejects_bad_default_country_code() {
        for code in ["", "+91", "0", "1234", "9a"] {
            assert_eq!(
                Phone::parse("9812345678", code),
                Err(PhoneError::BadDefaultCountryCode(code.to_owned()))
            );
        }
    }

    #[test]
    fn from_digits_is_strict() {
        assert_eq!(
            Phone::from_digits("919812345678").unwrap().as_str(),
            "919812345678"
        );
        assert_eq!(
            Phone::from_digits("+6581234567").unwrap().as_str(),
            "6581234567"
        );
        assert_eq!(
            Phone::from_digits("98123 45678"),
            Err(PhoneError::InvalidCharacter(' '))
        );
        assert_eq!(Phone::from_digits(""), Err(PhoneError::Empty));
        assert_eq!(
            Phone::from_digits("09812345678"),
            Err(PhoneError::CountryCodeStartsWithZero)
        );
    }

    #[test]
    fn every_parsed_number_survives_from_digits() {
        for input in ["98123 45678", "+65 8123 4567", "+1 415 555 0100"] {
            let phone = Phone::parse(input, "91").unwrap();
            assert_eq!(Phone::from_digits(phone.as_str()), Ok(phone));
        }
    }

    #[test]
    fn lookups_also_take_the_digits_novi_shows() {
        let uk = Phone::from_digits("447911123456").unwrap();
        assert_eq!(parse(uk.as_str()), Err(PhoneError::NeedsPlus(12)));
        assert_eq!(Phone::parse_lookup(uk.as_str(), "91"), Ok(uk));
        let home = Phone::parse("98123 45678", "91").unwrap();
        assert_eq!(Phone::parse_lookup("98123 45678", "91"), Ok(home.clone()));
        assert_eq!(Phone::parse_lookup(home.as_str(), "91"), Ok(home));
        assert_eq!(
            Phone::parse_lookup("98123abc", "91"),
            Err(PhoneError::InvalidCharacter('a'))
        );
    }

    #[test]
    fn displays_digits() {
        let phone = Phone::parse("+91 98123 45678", "91").unwrap();
        assert_eq!(phone.to_string(), "919812345678");
    }

    #[test]
    fn serde_round_trips_as_string() {
        let phone = Phone::parse("98123 45678", "91").unwrap();
        let json = serde_json::to_string(&phone).unwrap();
        assert_eq!(json, "\"919812345678\"");
        assert_eq!(serde_json::from_str::<Phone>(&json).unwrap(), phone);
    }

    #[test]
    fn serde_rejects_bad_numbers() {
        assert!(serde_json::from_str::<Phone>("\"98123abc\"").is_err());
        assert!(serde_json::from_str::<Phone>("\"123\"").is_err());
        assert!(serde_json::from_str::<Phone>("919812345678").is_err());
    }

    #[test]
    fn error_messages_read_as_sentences() {
        assert_eq!(
            PhoneError::WrongLength(7).to_string(),
            "phone number must have 10 digits, or a country code and 8–15 digits (it has 7 digits)"
        );
        assert_eq!(
            PhoneError::InvalidCharacter('x').to_string(),
            "phone number can only have digits, spaces, dashes, brackets and a + at the start, but it has \"x\""
        );
    }
}
