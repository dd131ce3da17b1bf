//! How and when, from anything the customer writes while an order is being agreed: "pickup
//! karunga" or "le jaunga" (no address, no delivery fee), and "kal subah 10 baje tak … shaadi ke
//! liye" (kept as the order's note, with tomorrow as its delivery day).

use chrono::{Datelike, Duration};

use super::drafts::Draft;
use super::reply::Turn;
use super::{when, words};

/// What a message says about pickup or delivery and about when, worked out from its words
/// alone: with its reading, before the transaction that answers it (reading them took a sixth
/// of the answering thread's time in a backlog; the reading thread had time to spare).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Heard {
    pickup: Option<bool>,
    when: when::Said,
}

pub fn hear(text: &str) -> Heard {
    Heard {
        pickup: words::pickup_or_delivery(text),
        when: when::hear(text),
    }
}

/// Notes what the message said about pickup or delivery and about when (`t.heard`). True when
/// it said any.
pub fn note(t: &Turn, d: &mut Draft) -> bool {
    let mut said = false;
    if let Some(pickup) = t.heard.pickup {
        said |= d.terms.pickup != pickup;
        d.terms.pickup = pickup;
    }
    let today = chrono::Utc::now()
        .with_timezone(&t.business.offset())
        .date_naive();
    let w = t.heard.when.on(today.weekday());
    if let Some(n) = w.note {
        let merged = merge_note(&d.notes, &n);
        said |= merged != d.notes;
        d.notes = merged;
    }
    if let Some(days) = w.day {
        let day = (today + Duration::days(days))
            .format("%Y-%m-%d")
            .to_string();
        said |= d.terms.deliver_on.as_deref() != Some(day.as_str());
        d.terms.deliver_on = Some(day);
    }
    said
}

/// Joins two notes, keeping one where it already holds the other.
pub fn merge_note(old: &str, new: &str) -> String {
    let (o, n) = (old.trim(), new.trim());
    let (lo, ln) = (o.to_lowercase(), n.to_lowercase());
    if n.is_empty() || lo.contains(&ln) {
        o.to_owned()
    } else if o.is_empty() || ln.contains(&lo) {
        n.to_owned()
    } else {
        format!("{o}; {n}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn notes_join_without_repeating() {
        use super::merge_note;
        assert_eq!(merge_note("", "kal subah"), "kal subah");
        assert_eq!(
            merge_note("subah 10 baje", "kal subah 10 baje"),
            "kal subah 10 baje"
        );
        assert_eq!(
            merge_note("kal subah 10 baje", "10 baje"),
            "kal subah 10 baje"
        );
        assert_eq!(merge_note("ring twice", "birthday"), "ring twice; birthday");
    }
}
