//! A calendar day as people and scripts write it, `YYYY-MM-DD`: the one reading of a date that
//! every filter, report and export takes.

use chrono::NaiveDate;

/// `text` as a day. Refused in words that say which is wrong: the form (`2026-1-1`,
/// `+2026-11-01`: chrono alone would take them) or the day itself (`2026-02-30`, which is of
/// the form). `what` names the field ("from", "to").
pub fn parse_day(text: &str, what: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let shaped = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err(format!("{what} date \"{t}\" is not of the form YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map_err(|_| format!("{what} date \"{t}\" is not a day of the calendar"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_and_the_day_are_each_said_to_be_wrong() {
        assert_eq!(
            parse_day(" 2026-03-01 ", "from"),
            Ok(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap())
        );
        for shape in ["2026-1-1", "+2026-11-01", "01-03-2026", "2026/03/01", ""] {
            let err = parse_day(shape, "from").unwrap_err();
            assert!(
                err.ends_with("is not of the form YYYY-MM-DD"),
                "{shape}: {err}"
            );
        }
        for day in ["2026-02-30", "2026-13-01", "2026-00-10"] {
            let err = parse_day(day, "to").unwrap_err();
            assert_eq!(
                err,
                format!("to date \"{day}\" is not a day of the calendar")
            );
        }
    }
}
