//! The explanation tells of the very reading `read` gives, names what each word became and
//! why a line is unclear or unknown, and shows the cue behind the intent.

use std::collections::BTreeMap;

use super::*;
use crate::reader::read;

const CATALOG: &str = include_str!("../../../tests/data/sweetshop-catalog.csv");
const CORPUS: &str = include_str!("../../../tests/data/orders-dev.jsonl");

fn catalog() -> ProductIndex {
    ProductIndex::from_csv(CATALOG).unwrap_or_else(|e| panic!("catalog: {e}"))
}

fn word<'a>(x: &'a Explanation, text: &str) -> &'a WordSeen {
    x.clauses
        .iter()
        .flat_map(|c| &c.words)
        .find(|w| w.text == text)
        .unwrap_or_else(|| panic!("no word {text:?} in {x:#?}"))
}

#[test]
fn the_lines_explained_add_up_to_the_reading_on_the_whole_corpus() {
    let cat = catalog();
    for row in CORPUS.lines().filter(|l| !l.trim().is_empty()) {
        let row: Value = serde_json::from_str(row).unwrap_or_default();
        let text = row["text"].as_str().unwrap_or_default();
        let x = explain(&cat, text);
        assert_eq!(x.reading, read(&cat, text), "{text}");
        for c in &x.clauses {
            assert!(text.contains(&c.text), "{text}: {c:?}");
            assert!(c.words.iter().all(|w| c.text.contains(&w.text)), "{text}");
        }
        let mut items: BTreeMap<&str, u32> = BTreeMap::new();
        for l in x.lines.iter().filter(|l| x.lines_kept && l.kind == "item") {
            *items.entry(&l.skus[0]).or_default() += l.qty.unwrap_or(0);
        }
        let read: BTreeMap<&str, u32> = x.reading.items.iter().map(|i| (&*i.sku, i.qty)).collect();
        assert_eq!(items, read, "{text}");
        let unclear = x
            .lines
            .iter()
            .filter(|l| x.lines_kept && l.kind == "unclear");
        assert!(unclear.count() <= x.reading.unclear.len(), "{text}");
    }
}

#[test]
fn each_word_says_what_it_became_and_each_unclear_line_why() {
    let x = explain(
        &catalog(),
        "2 kaju katli, 1 kg laddu, 1 kg rabri, 10 samosa",
    );
    let two = word(&x, "2");
    assert_eq!(two.became, "amount");
    assert_eq!(two.meaning, "2 (no unit), for \"kaju katli\"");
    let kaju = word(&x, "kaju katli");
    assert_eq!(
        (kaju.became, kaju.skus.as_slice()),
        ("product", &["kaju-katli".to_owned()][..])
    );
    let laddu = word(&x, "laddu");
    assert_eq!(laddu.skus, ["motichoor-laddu", "besan-laddu"]);
    assert!(laddu
        .meaning
        .starts_with("fits several products: motichoor-laddu, besan-laddu"));
    assert_eq!(word(&x, "rabri").became, "unknown");
    let kinds: Vec<(&str, Option<UnclearReason>)> =
        x.lines.iter().map(|l| (l.kind, l.reason)).collect();
    assert_eq!(
        kinds,
        [
            ("unclear", Some(UnclearReason::BareNumberForWeight)),
            ("unclear", Some(UnclearReason::Ambiguous)),
            ("unknown", None),
            ("item", None),
        ]
    );
    assert!(x.lines[0]
        .why
        .starts_with("a bare number for a product sold by weight"));
    assert!(x.lines[2].why.starts_with("not sold here"));
    assert_eq!(
        (x.lines[3].qty, x.lines[3].why.as_str()),
        (Some(10), "10 pc of samosa")
    );
    assert!(x.lines_kept);
    assert!(
        x.intent.decided_by.contains("a product with an amount"),
        "{x:#?}"
    );
}

#[test]
fn the_intent_names_the_cue_that_decided_it() {
    let cat = catalog();
    let cases = [
        (
            "order kab tak aayega?",
            Intent::Status,
            "the status cue \"kab tak\"",
        ),
        (
            "rate kya hai kaju katli ka?",
            Intent::Menu,
            "the price cue \"rate\"",
        ),
        (
            "kaju katli ka order cancel kar do",
            Intent::Cancel,
            "the cancel cue \"cancel\"",
        ),
        ("namaste ji", Intent::Greeting, "greeting words"),
        (
            "kuch sweets chahiye, 1 kg",
            Intent::Order,
            "a kind of goods with an amount",
        ),
    ];
    for (text, intent, by) in cases {
        let x = explain(&cat, text);
        assert_eq!(x.intent.intent, intent, "{text}");
        assert!(
            x.intent.decided_by.contains(by),
            "{text}: {}",
            x.intent.decided_by
        );
    }
    // A product named in a cancellation is a line read, but not kept.
    let x = explain(&cat, "2 kg jalebi wala order cancel kar do");
    assert!(!x.lines_kept && x.reading.items.is_empty());
}

#[test]
fn contact_fields_and_instructions_are_shown_as_found() {
    let x = explain(
        &catalog(),
        "1 kg jalebi gift pack karna\nName: Asha\nPh: 98765 43210",
    );
    let fields: Vec<(&str, &str)> = x.fields.iter().map(|f| (f.field, &*f.value)).collect();
    assert_eq!(
        fields,
        [
            ("name", "Asha"),
            ("phone", "919876543210"),
            ("notes", "gift pack karna")
        ]
    );
    assert_eq!(word(&x, "karna").became, "note");
    let x = explain(&catalog(), "hello, deliver to Vijay Nagar");
    assert_eq!(x.intent.intent, Intent::Greeting);
    let note = x.fields[0].note.as_deref().unwrap_or_default();
    assert!(note.starts_with("dropped"), "{:?}", x.fields);
    let json = x.to_json();
    assert_eq!(json["reading"], x.reading.to_debug_json());
    assert_eq!(json["intent"]["intent"], "greeting");
}
