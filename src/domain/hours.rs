//! Opening hours as a shop owner writes them ("Mon-Sat 09:00-21:00, Sun 10:00-14:00", or just
//! "09:00-21:00" for every day), read into a week, and whether the shop is open at a moment.

use chrono::{Datelike, NaiveDateTime, Timelike, Weekday};

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The week's opening times: for each day (Monday first), the spans open, in minutes of the day.
/// A span whose end is before its start runs past midnight.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hours {
    days: [Vec<(u16, u16)>; 7],
    text: String,
}

impl Hours {
    /// Reads `text`; blank is no hours given. Each comma-separated part is a day or a range of
    /// days (left out: every day) and `HH:MM-HH:MM`, or the word `closed`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut hours = Hours {
            text: text.trim().to_owned(),
            ..Hours::default()
        };
        for part in text
            .split([',', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (days, times) = match part.rsplit_once(' ') {
                Some((d, t)) => (days_of(d.trim())?, t.trim()),
                None => ((0..7).collect(), part),
            };
            let span = if times.eq_ignore_ascii_case("closed") {
                None
            } else {
                Some(span(times).ok_or_else(|| bad(part))?)
            };
            for d in days {
                match span {
                    Some(s) => hours.days[d].push(s),
                    None => hours.days[d].clear(),
                }
            }
        }
        Ok(hours)
    }

    /// Whether no hours were given.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// As the owner wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the shop is open at `at` (on the shop's own clock).
    pub fn is_open(&self, at: NaiveDateTime) -> bool {
        let day = at.weekday().num_days_from_monday() as usize;
        let minute = (at.hour() * 60 + at.minute()) as u16;
        let yesterday = (day + 6) % 7;
        let today = self.days[day]
            .iter()
            .any(|&(from, to)| from <= minute && (to <= from || minute < to));
        // A span past midnight yesterday is still open early today.
        let late = self.days[yesterday]
            .iter()
            .any(|&(from, to)| to < from && minute < to);
        today || late
    }

    /// "Mon: 09:00–21:00" lines for each day, "closed" where there are no hours.
    pub fn week(&self) -> Vec<(&'static str, String)> {
        let names = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ];
        names
            .iter()
            .zip(&self.days)
            .map(|(d, spans)| {
                let text = if spans.is_empty() {
                    "closed".to_owned()
                } else {
                    let each: Vec<String> = spans
                        .iter()
                        .map(|&(a, b)| format!("{}–{}", hm(a), hm(b)))
                        .collect();
                    each.join(", ")
                };
                (day_name(*d), text)
            })
            .collect()
    }
}

fn day_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    }
}

fn bad(part: &str) -> String {
    format!("cannot read \"{part}\": write days and times like \"Mon-Sat 09:00-21:00, Sun closed\"")
}

fn hm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn day(word: &str) -> Result<usize, String> {
    let w = word.trim().to_ascii_lowercase();
    let short = w.get(..3).unwrap_or("");
    DAYS.iter()
        .position(|d| *d == short)
        .ok_or_else(|| format!("\"{}\" is not a day (Mon, Tue, … Sun)", word.trim()))
}

/// "Mon-Sat" or "Sun" as day indexes; a range may wrap ("Fri-Mon").
fn days_of(text: &str) -> Result<Vec<usize>, String> {
    match text.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (day(a)?, day(b)?);
            let len = (b + 7 - a) % 7 + 1;
            Ok((0..len).map(|i| (a + i) % 7).collect())
        }
        None => Ok(vec![day(text)?]),
    }
}

/// "09:00-21:00" as minutes of the day.
fn span(text: &str) -> Option<(u16, u16)> {
    let (a, b) = text.split_once(['-', '–'])?;
    let (a, b) = (minute(a)?, minute(b)?);
    (a != b).then_some((a, b))
}

fn minute(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some((h * 60 + m) % (24 * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
        // 2026-11-30 is a Monday.
        let monday = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        (monday + chrono::Days::new(u64::from(day)))
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn days_and_times_are_read_and_checked() {
        let h = Hours::parse("Mon-Sat 09:00-21:00, Sun 10:00-14:00").unwrap();
        assert!(h.is_open(at(0, 9, 0)));
        assert!(!h.is_open(at(0, 21, 0)), "the closing minute is closed");
        assert!(!h.is_open(at(0, 8, 59)));
        assert!(h.is_open(at(6, 13, 59)), "Sunday");
        assert!(!h.is_open(at(6, 15, 0)));
        assert_eq!(h.week()[6], ("Sun", "10:00–14:00".to_owned()));
        let every = Hours::parse("08:00-20:00").unwrap();
        assert!(every.is_open(at(3, 12, 0)));
        let closed = Hours::parse("10:00-18:00, Tue closed").unwrap();
        assert!(!closed.is_open(at(1, 12, 0)));
        assert_eq!(closed.week()[1].1, "closed");
        for bad in ["Mon-Sat", "Funday 09:00-10:00", "9-5", "Mon 25:00-26:00"] {
            assert!(Hours::parse(bad).is_err(), "{bad}");
        }
        assert!(Hours::parse("  ").unwrap().is_empty());
    }

    #[test]
    fn hours_past_midnight_run_into_the_next_day() {
        let h = Hours::parse("Fri 18:00-02:00").unwrap();
        assert!(h.is_open(at(4, 23, 0)));
        assert!(h.is_open(at(5, 1, 30)), "Saturday early is Friday night");
        assert!(!h.is_open(at(5, 2, 0)));
    }
}
