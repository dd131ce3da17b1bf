//! What differs between the order a replayed chat ended with and the one expected, each
//! difference as a short phrase for the failure line.

use chrono::{Days, NaiveDate};
use serde_json::Value;

use super::corpus::{Expect, ExpectLine, ExpectOrder};
use super::replay::Outcome;

/// Every difference; none means the conversation is exact.
pub fn differences(expect: &Expect, got: &Outcome) -> Vec<String> {
    let mut diffs = Vec::new();
    match (&expect.order, got.orders.first()) {
        (None, Some(o)) => diffs.push(format!("order #{} taken (expected none)", o["number"])),
        (Some(_), None) => {
            let said = got.last_reply.as_deref().map_or(String::new(), |r| {
                format!("; Novi's last reply {}", Value::from(one_line(r, 100)))
            });
            diffs.push(format!("no order (expected one){said}"));
        }
        (Some(want), Some(order)) => {
            if got.orders.len() > 1 {
                diffs.push(format!("{} orders taken (expected 1)", got.orders.len()));
            }
            diffs.extend(order_differences(want, order, got.today));
        }
        (None, None) => {}
    }
    if let Some(want) = expect.needs_person {
        if want != got.needs_person {
            let yes_no = |b: bool| if b { "yes" } else { "no" };
            diffs.push(format!(
                "needs a person: {} (expected {})",
                yes_no(got.needs_person),
                yes_no(want)
            ));
        }
    }
    diffs
}

/// Fields the order model is gaining elsewhere (delivery or pickup, the delivery day): the
/// key in the order's JSON and the value expected there. Each is scored only when the order's
/// JSON has the key, so adding a field is one line here.
fn later_fields(want: &ExpectOrder, today: NaiveDate) -> Vec<(&'static str, Option<Value>)> {
    let day = |d: i64| -> Option<Value> {
        let shifted = match u64::try_from(d) {
            Ok(ahead) => today.checked_add_days(Days::new(ahead)),
            Err(_) => today.checked_sub_days(Days::new(d.unsigned_abs())),
        };
        shifted.map(|date| Value::from(date.format("%Y-%m-%d").to_string()))
    };
    vec![
        (
            "fulfilment",
            want.fulfilment.map(|f| Value::from(f.as_str())),
        ),
        ("deliver_on", want.deliver_on_offset_days.and_then(day)),
    ]
}

fn order_differences(want: &ExpectOrder, order: &Value, today: NaiveDate) -> Vec<String> {
    let mut diffs = Vec::new();
    let lines = order["lines"].as_array().map_or(&[][..], Vec::as_slice);
    if !same_lines(&want.lines, lines) {
        let got: Vec<String> = lines.iter().map(got_line).collect();
        let wanted: Vec<String> = want.lines.iter().map(wanted_line).collect();
        diffs.push(format!(
            "lines [{}] (expected [{}])",
            got.join(", "),
            wanted.join(", ")
        ));
    }
    let total = order["total_minor"].as_i64().unwrap_or_default();
    if total != want.total_minor {
        diffs.push(format!(
            "total_minor {total} (expected {})",
            want.total_minor
        ));
    }
    let address = order["address"].as_str().unwrap_or_default();
    if let Some(expected) = &want.address {
        if plain(address) != plain(expected) {
            diffs.push(format!("address {:?} (expected {expected:?})", address));
        }
    }
    let notes = order["notes"].as_str().unwrap_or_default();
    let missing: Vec<&String> = (want.notes_contains.iter())
        .filter(|w| !notes.to_lowercase().contains(&w.to_lowercase()))
        .collect();
    if !missing.is_empty() {
        diffs.push(format!("notes {notes:?} lack {missing:?}"));
    }
    for (key, expected) in later_fields(want, today) {
        match (expected, order.get(key)) {
            (Some(e), Some(actual)) if *actual != e => {
                diffs.push(format!("{key} {actual} (expected {e})"));
            }
            _ => {}
        }
    }
    diffs
}

/// The same lines in any order. An amount matches a line of that much of the product however
/// it is packed; a pack count matches only that many of that pack.
fn same_lines(want: &[ExpectLine], got: &[Value]) -> bool {
    if want.len() != got.len() {
        return false;
    }
    let mut unused: Vec<&Value> = got.iter().collect();
    want.iter().all(|w| {
        let found = unused.iter().position(|g| matches(w, g));
        found.map(|i| unused.swap_remove(i)).is_some()
    })
}

fn matches(want: &ExpectLine, got: &Value) -> bool {
    if got["sku"].as_str() != Some(want.sku()) {
        return false;
    }
    match want {
        ExpectLine::Amount(a) => got["qty"].as_u64() == Some(u64::from(a.qty)),
        ExpectLine::Packs(p) => {
            got["variant"].as_str() == Some(p.variant.as_str())
                && got["variant_count"].as_u64() == Some(u64::from(p.count))
        }
    }
}

fn got_line(l: &Value) -> String {
    let sku = l["sku"].as_str().unwrap_or_default();
    match (l["variant"].as_str(), l["variant_count"].as_u64()) {
        (Some(v), Some(n)) => format!("{sku} {n} × {v}"),
        _ => format!("{sku} {}", l["qty"]),
    }
}

fn wanted_line(l: &ExpectLine) -> String {
    match l {
        ExpectLine::Amount(a) => format!("{} {}", a.sku, a.qty),
        ExpectLine::Packs(p) => format!("{} {} × {}", p.sku, p.count, p.variant),
    }
}

/// An address as compared: case, punctuation and spacing aside ("Flat 201, Shree Tower" is
/// "flat 201 shree tower").
fn plain(s: &str) -> String {
    let spaced: String = s
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    spaced
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A reply on one line, cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn expect(v: Value) -> Expect {
        serde_json::from_value(v).unwrap()
    }

    fn outcome(orders: Vec<Value>, needs_person: bool) -> Outcome {
        Outcome {
            orders,
            needs_person,
            last_reply: Some("Please send your\naddress.".into()),
            today: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        }
    }

    fn order(extra: Value) -> Value {
        let mut o = json!({"number": 1, "total_minor": 88000, "address": "Flat 12, Rose Apts.",
            "notes": "Kal subah, SHAADI ke liye",
            "lines": [{"sku": "gulab-jamun", "variant": "Box of 12", "variant_count": 2, "qty": 24},
                      {"sku": "jalebi", "variant": null, "variant_count": null, "qty": 500}]});
        o.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        o
    }

    const WANT: &str = r#"{"order": {"lines": [{"sku": "jalebi", "qty": 500},
        {"sku": "gulab-jamun", "variant": "Box of 12", "count": 2}], "total_minor": 88000,
        "address": "flat 12 rose apts", "notes_contains": ["shaadi"], "fulfilment": "pickup",
        "deliver_on_offset_days": 1}}"#;

    #[test]
    fn an_order_as_expected_is_exact_and_fields_the_order_lacks_are_not_scored() {
        let want = expect(serde_json::from_str(WANT).unwrap());
        assert_eq!(
            differences(&want, &outcome(vec![order(json!({}))], false)),
            Vec::<String>::new()
        );
        // An amount matches however it is packed.
        let mut by_amount = want.clone();
        by_amount.order.as_mut().unwrap().lines[1] =
            serde_json::from_value(json!({"sku": "gulab-jamun", "qty": 24})).unwrap();
        assert!(differences(&by_amount, &outcome(vec![order(json!({}))], false)).is_empty());
    }

    #[test]
    fn each_difference_is_named() {
        let want = expect(serde_json::from_str(WANT).unwrap());
        let got = order(
            json!({"total_minor": 52000, "address": "haan theek hai", "notes": "",
            "lines": [{"sku": "gulab-jamun", "variant": null, "variant_count": null, "qty": 24}],
            "fulfilment": "delivery", "deliver_on": "2027-01-02"}),
        );
        let diffs = differences(&want, &outcome(vec![got], true));
        assert_eq!(
            diffs,
            [
                "lines [gulab-jamun 24] (expected [jalebi 500, gulab-jamun 2 × Box of 12])",
                "total_minor 52000 (expected 88000)",
                "address \"haan theek hai\" (expected \"flat 12 rose apts\")",
                "notes \"\" lack [\"shaadi\"]",
                "fulfilment \"delivery\" (expected \"pickup\")",
                "deliver_on \"2027-01-02\" (expected \"2027-01-01\")",
            ]
        );
        let none = expect(json!({"order": null, "needs_person": true}));
        assert_eq!(
            differences(&none, &outcome(vec![order(json!({}))], false)),
            [
                "order #1 taken (expected none)",
                "needs a person: no (expected yes)"
            ]
        );
        assert_eq!(
            differences(&want, &outcome(vec![], false)),
            ["no order (expected one); Novi's last reply \"Please send your address.\""]
        );
    }
}
