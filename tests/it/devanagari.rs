//! Hindi typed in Devanagari, read through `novi parse` the way a shop owner runs it: the
//! labelled Devanagari corpus, the customer's own writing kept in the reading, and a catalog
//! whose names are in Devanagari.

use crate::support::process::{install_with_business, install_with_sweet_shop, ok};
use serde_json::Value;

const DEVANAGARI_CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/orders-dev-devanagari.jsonl"
);

fn reading(dir: &std::path::Path, text: &str) -> Value {
    let out = ok(dir, &["parse", "--business", "sweets", text], "");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn score_on_the_devanagari_corpus_is_at_least_95_percent_exact() {
    let dir = install_with_sweet_shop("sweets");
    let args = [
        "parse",
        "--business",
        "sweets",
        "--score",
        DEVANAGARI_CORPUS,
    ];
    let out = ok(dir.path(), &args, "");
    let rate: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("exact match rate: "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exact match rate in:\n{out}"));
    assert!(out.contains("(30 messages"), "{out}");
    assert!(rate >= 0.95, "{out}");
}

#[test]
fn devanagari_digits_and_words_read_as_an_order_and_contact_text_stays_as_written() {
    let dir = install_with_sweet_shop("sweets");
    let text = "नाम: सुनीता शर्मा\nफोन: ९८२६० १२३४५\nपता: १२, विजय नगर, इंदौर\n\
                १.५ किलो काजू कतली और आधा किलो रबड़ी";
    let v = reading(dir.path(), text);
    assert_eq!(v["intent"], "order");
    assert_eq!(v["items"][0]["sku"], "kaju-katli");
    assert_eq!(v["items"][0]["qty"], 1500);
    assert_eq!(v["name"], "सुनीता शर्मा");
    assert_eq!(v["phone"], "919826012345");
    assert_eq!(v["address"], "१२, विजय नगर, इंदौर");
    assert_eq!(v["unknown_lines"][0], "रबड़ी");
}

#[test]
fn an_unclear_devanagari_line_is_asked_about_in_the_customers_words() {
    let dir = install_with_sweet_shop("sweets");
    let v = reading(dir.path(), "२ किलो जलेबी। काजू कतली भी भेज देना");
    assert_eq!(v["items"][0]["qty"], 2000);
    assert_eq!(v["unclear_lines"][0]["text"], "काजू कतली");
    assert_eq!(v["unclear_lines"][0]["reason"], "no_quantity");
}

#[test]
fn a_devanagari_catalog_name_matches_either_script() {
    let dir = install_with_business("sweets");
    let csv = dir.path().join("catalog.csv");
    std::fs::write(
        &csv,
        "sku,name,category,unit,price,aliases,variants,stock\n\
         rabri,रबड़ी,Sweets,kg,480,rabdi,500 g=500;1 kg=1000,5000\n\
         imarti,इमरती,Sweets,kg,400,,500 g=500;1 kg=1000,5000\n",
    )
    .unwrap();
    let import = ["catalog", "import", "--business", "sweets"];
    ok(
        dir.path(),
        &[&import[..], &[csv.to_str().unwrap()]].concat(),
        "",
    );
    for (text, sku, qty) in [
        ("आधा किलो रबड़ी", "rabri", 500),
        ("1 kg imarti", "imarti", 1000),
        ("२ किलो इमरती भेज दो", "imarti", 2000),
    ] {
        let v = reading(dir.path(), text);
        assert_eq!(v["items"][0]["sku"], sku, "{text}: {v}");
        assert_eq!(v["items"][0]["qty"], qty, "{text}: {v}");
    }
}
