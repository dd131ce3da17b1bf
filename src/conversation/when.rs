//! When and what for: "kal subah 10 baje tak", "parso", "Sunday", "shaam 6 baje", "shaadi ke
//! liye". Such words are kept as the order's delivery note, and a day becomes its delivery date.

/// A day a word names: "kal" (in an order, tomorrow), "parso", a weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayWord {
    /// Days from today.
    In(i64),
    On(chrono::Weekday),
}

impl DayWord {
    fn of(w: &str) -> Option<DayWord> {
        match w {
            "aaj" | "today" | "tonight" | "abhi" => Some(DayWord::In(0)),
            "kal" | "kl" | "tomorrow" | "tmrw" | "tmr" => Some(DayWord::In(1)),
            "parso" | "parson" | "parsoon" => Some(DayWord::In(2)),
            _ => weekday(w).map(DayWord::On),
        }
    }

    /// Days from `today`.
    fn days_from(self, today: chrono::Weekday) -> i64 {
        match self {
            DayWord::In(n) => n,
            DayWord::On(day) => {
                let ahead = (7 + day.num_days_from_monday() - today.num_days_from_monday()) % 7;
                i64::from(ahead)
            }
        }
    }
}

fn weekday(w: &str) -> Option<chrono::Weekday> {
    use chrono::Weekday::*;
    Some(match w {
        "monday" | "mon" | "somvar" | "somwar" => Mon,
        "tuesday" | "tue" | "tues" | "mangalvar" | "mangalwar" => Tue,
        "wednesday" | "wed" | "budhvar" | "budhwar" => Wed,
        "thursday" | "thu" | "thurs" | "guruvar" | "guruwar" | "brihaspativar" => Thu,
        "friday" | "fri" | "shukravar" | "shukrawar" => Fri,
        "saturday" | "sat" | "shanivar" | "shaniwar" => Sat,
        "sunday" | "sun" | "ravivar" | "raviwar" | "itwar" => Sun,
        _ => return None,
    })
}

/// Times of day and occasions: a sentence holding one is about when or what for. A `match`,
/// not a list searched in turn: every word of a message is checked.
fn is_when(w: &str) -> bool {
    matches!(
        w,
        "baje"
            | "bje"
            | "bajey"
            | "pm"
            | "am"
            | "subah"
            | "sube"
            | "shaam"
            | "sham"
            | "raat"
            | "dopahar"
            | "morning"
            | "evening"
            | "night"
            | "noon"
            | "afternoon"
            | "oclock"
            | "birthday"
            | "bday"
            | "shaadi"
            | "shadi"
            | "wedding"
            | "party"
            | "puja"
            | "pooja"
            | "anniversary"
            | "diwali"
            | "holi"
            | "rakhi"
            | "engagement"
            | "sagai"
            | "function"
            | "festival"
            | "mehndi"
            | "havan"
            | "housewarming"
    )
}

/// What a message says about when: the words from the first "when" word to the end of its
/// sentence, and the day it names, as days from today.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct When {
    pub note: Option<String>,
    pub day: Option<i64>,
}

/// [`When`] before the day it names is counted from today: what a message says, worked out
/// before the message is answered (see [`hear`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Said {
    note: Option<String>,
    day: Option<DayWord>,
}

impl Said {
    pub fn on(&self, today: chrono::Weekday) -> When {
        When {
            note: self.note.clone(),
            day: self.day.map(|d| d.days_from(today)),
        }
    }
}

pub fn read(text: &str, today: chrono::Weekday) -> When {
    hear(text).on(today)
}

/// What `text` says about when, whatever day it is answered on.
pub fn hear(text: &str) -> Said {
    let low = text.to_lowercase();
    let mut first = None;
    let mut day = None;
    let mut at = 0;
    // The two words before, with where they start: "at 6", "6 pm" and "at 6 pm" are times.
    let mut before: [(&str, usize); 2] = [("", 0), ("", 0)];
    for w in low.split_inclusive(|c: char| !c.is_alphanumeric()) {
        let word = w.trim_end_matches(|c: char| !c.is_alphanumeric());
        if word.is_empty() {
            at += w.len();
            continue;
        }
        let offset = DayWord::of(word);
        // "at 5 Park Street" is a house number: an hour ends its phrase or comes with a time word.
        let ends = || {
            let next = low[at + word.len()..].trim_start_matches(' ');
            next.split(|c: char| !c.is_alphanumeric())
                .next()
                .is_none_or(|n| n.is_empty() || AFTER_HOUR.contains(&n))
        };
        let hour = is_hour(word) && PREPOSITIONS.contains(&before[1].0) && ends();
        if offset.is_some() || is_when(word) || is_clock(word) || hour {
            // A time's number and its "at" belong to it: "pickup at 6 pm", not "pm".
            let mut start = if hour { before[1].1 } else { at };
            if !hour && is_hour(before[1].0) && matches!(word, "pm" | "am" | "baje" | "bje") {
                start = before[1].1;
                if PREPOSITIONS.contains(&before[0].0) {
                    start = before[0].1;
                }
            }
            first.get_or_insert(start);
            day = day.or(offset);
        }
        before = [before[1], (word, at)];
        at += w.len();
    }
    let note = first.and_then(|a| {
        let end = low[a..]
            .find(['\n', '.', '?', '!'])
            .map_or(low.len(), |i| a + i);
        let t = text.get(a..end)?.trim().trim_end_matches([',', ';']).trim();
        (!t.is_empty()).then(|| t.to_owned())
    });
    Said { note, day }
}

/// Words that put a bare hour to a time: "at 6", "by 7".
const PREPOSITIONS: &[&str] = &["at", "by", "before", "after", "till", "until", "around"];

/// Words that may follow a bare hour: "at 6 pm", "by 7 tak", "at 6 o'clock".
const AFTER_HOUR: &[&str] = &[
    "pm", "am", "baje", "bje", "tak", "se", "ke", "ko", "o", "oclock",
];

/// An hour on the clock written alone: "6", "11".
fn is_hour(w: &str) -> bool {
    w.parse::<u8>().is_ok_and(|h| (1..=12).contains(&h))
}

/// "6pm", "10am", "10:30".
fn is_clock(w: &str) -> bool {
    // Most words do not start with a digit, and every message with a draft open is read for
    // this word by word: they are ruled out on their first byte, and the suffixes are compared
    // in place (trimming by a pattern string sets up a substring search for each word).
    if !w.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let mut digits = w;
    while let Some(d) = digits.strip_suffix("pm") {
        digits = d;
    }
    while let Some(d) = digits.strip_suffix("am") {
        digits = d;
    }
    digits.len() < w.len() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday::{Mon, Sat};

    #[test]
    fn days_times_and_occasions() {
        let w = read("1 kg kaju katli kal subah 10 baje tak shaadi ke liye", Mon);
        assert_eq!(
            w.note.as_deref(),
            Some("kal subah 10 baje tak shaadi ke liye")
        );
        assert_eq!(w.day, Some(1));
        assert_eq!(read("parso chahiye", Mon).day, Some(2));
        assert_eq!(read("Sunday ko de dena", Mon).day, Some(6));
        assert_eq!(read("sunday ko", Sat).day, Some(1));
        let w = read("birthday ke liye hai. thanks", Mon);
        assert_eq!(
            (w.note.as_deref(), w.day),
            (Some("birthday ke liye hai"), None)
        );
        assert_eq!(
            read("shaam 6pm tak", Mon).note.as_deref(),
            Some("shaam 6pm tak")
        );
        assert_eq!(read("2 kg jalebi, 12 MG Road", Mon), When::default());
        assert_eq!(read("pickup at 6", Mon).note.as_deref(), Some("at 6"));
        assert_eq!(read("pickup at 6 pm", Mon).note.as_deref(), Some("at 6 pm"));
        assert_eq!(
            read("le jaunga 7 baje", Mon).note.as_deref(),
            Some("7 baje")
        );
        assert_eq!(read("2 kg jalebi, 8 Scheme 54", Mon), When::default());
        assert_eq!(read("deliver at 5 Park Street", Mon), When::default());
    }

    #[test]
    fn a_clock_is_digits_then_am_or_pm() {
        for clock in ["6pm", "10am", "11pm", "7ampm"] {
            assert!(is_clock(clock), "{clock}");
        }
        for not in ["6", "pm", "am", "p6pm", "6p", "6 pm", "six pm", "", "१०pm"] {
            assert!(!is_clock(not), "{not}");
        }
    }
}
