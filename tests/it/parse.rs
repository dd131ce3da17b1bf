//! `novi parse` as a shop owner or a script runs it: one message (and how it was read), a
//! JSONL batch, corpus scores (the shared dev corpora among them), a conversation corpus
//! replayed through the chat, and the refusals, against a catalog imported with
//! `novi catalog import`.

use crate::support::data::{CORPUS_PATH, SHARED_DIR};
use crate::support::process::{
    fails_printing_nothing, install_with_business, install_with_sweet_shop, ok,
};
use serde_json::{json, Value};

fn sorted_items(v: &Value) -> Vec<(String, u64)> {
    let mut items: Vec<_> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["sku"].as_str().unwrap().to_owned(),
                i["qty"].as_u64().unwrap(),
            )
        })
        .collect();
    items.sort();
    items
}

#[test]
fn parse_prints_the_reading_as_json() {
    let dir = install_with_sweet_shop("sweets");
    let text = "bhaiya 1 kilo kaju katli aur ek dabba gulab jamun, 1 kg laddu, 1 kg rabri\n\
                Name: Asha\nPh: 98765 43210";
    let out = ok(dir.path(), &["parse", "--business", "sweets", text], "");
    assert!(out.contains("\n  \"intent\""), "pretty: {out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["intent"], "order");
    assert_eq!(
        sorted_items(&v),
        [("gulab-jamun".into(), 12), ("kaju-katli".into(), 1000)]
    );
    assert_eq!(
        (v["unclear"].as_u64(), v["unknown"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(v["name"], "Asha");
    assert_eq!(v["phone"], "919876543210");
    // The lines behind the counts, for the person reading the output.
    assert_eq!(v["unclear_lines"][0]["reason"], "ambiguous");
    assert_eq!(v["unknown_lines"].as_array().map(Vec::len), Some(1));
    let hi = ok(
        dir.path(),
        &["parse", "--business", "sweets", "namaste"],
        "",
    );
    let hi: Value = serde_json::from_str(&hi).unwrap();
    assert_eq!(hi["intent"], "greeting");
    assert!(hi.get("address").is_none(), "absent fields are left out");
}

#[test]
fn jsonl_round_trip_keeps_ids_and_refuses_a_malformed_batch_whole() {
    let dir = install_with_sweet_shop("sweets");
    let d = dir.path();
    let input = [
        json!({"id": "a", "text": "2 kg jalebi"}).to_string(),
        String::new(),
        json!({"id": 7, "text": "10 samosa x2"}).to_string(),
        json!({"id": "c", "text": "order kab tak aayega?"}).to_string(),
    ]
    .join("\n");
    let out = ok(
        d,
        &["parse", "--business", "sweets", "--jsonl", "-"],
        &input,
    );
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3, "blank line skipped: {out}");
    assert_eq!(rows[0]["id"], "a");
    assert_eq!(sorted_items(&rows[0]), [("jalebi".into(), 2000)]);
    assert_eq!(rows[1]["id"], 7);
    assert_eq!(sorted_items(&rows[1]), [("samosa".into(), 20)]);
    assert_eq!(
        (&rows[2]["id"], &rows[2]["intent"]),
        (&json!("c"), &json!("status"))
    );

    let file = d.join("batch.jsonl");
    std::fs::write(
        &file,
        format!("{input}\n{{\"id\": \"d\", \"text\": \n[1]\n"),
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let err = fails_printing_nothing(d, &["parse", "--business", "sweets", "--jsonl", path], "");
    assert!(err.contains("batch.jsonl line 5: not JSON"), "{err}");
    assert!(
        err.contains("batch.jsonl line 6: not a JSON object"),
        "{err}"
    );
    assert!(
        err.contains("2 malformed line(s); nothing was written"),
        "{err}"
    );
    let err = fails_printing_nothing(
        d,
        &["parse", "--business", "sweets", "--jsonl", "-"],
        "{\"text\": \"1 kg jalebi\"}\n",
    );
    assert!(err.contains("standard input line 1: no \"id\""), "{err}");
}

/// The first exact-match rate `--score` printed.
fn exact_rate(out: &str) -> f64 {
    out.lines()
        .find_map(|l| l.strip_prefix("exact match rate: "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exact match rate in:\n{out}"))
}

/// `--score` on a shared dev corpus, read against its own shop's catalog.
fn score_shared(shop: &str) -> String {
    let dir = install_with_business(shop);
    let catalog = format!("{SHARED_DIR}/fixtures/{shop}-catalog.csv");
    ok(
        dir.path(),
        &["catalog", "import", "--business", shop, &catalog],
        "",
    );
    let corpus = match shop {
        "sweetshop" => format!("{SHARED_DIR}/corpus/orders-dev.jsonl"),
        _ => format!("{SHARED_DIR}/corpus/orders-{shop}.jsonl"),
    };
    ok(
        dir.path(),
        &["parse", "--business", shop, "--score", &corpus],
        "",
    )
}

#[test]
fn shared_dev_corpus_of_the_sweet_shop_is_at_least_95_percent_exact() {
    let out = score_shared("sweetshop");
    assert!(exact_rate(&out) >= 0.95, "{out}");
}

#[test]
fn shared_dev_corpus_of_the_sabzi_vendor_is_at_least_95_percent_exact() {
    let out = score_shared("sabzi");
    assert!(exact_rate(&out) >= 0.95, "{out}");
}

#[test]
fn shared_dev_corpus_of_the_snack_counter_is_at_least_95_percent_exact() {
    let out = score_shared("snacks");
    assert!(exact_rate(&out) >= 0.95, "{out}");
}

#[test]
fn score_on_the_dev_corpus_is_at_least_95_percent_exact() {
    let dir = install_with_sweet_shop("sweets");
    let out = ok(
        dir.path(),
        &["parse", "--business", "sweets", "--score", CORPUS_PATH],
        "",
    );
    assert!(exact_rate(&out) >= 0.95, "{out}");
    for part in [
        "(120 messages",
        "item precision: ",
        "item recall: ",
        "  address ",
        "misses",
    ] {
        assert!(out.contains(part), "{part} in:\n{out}");
    }
}

#[test]
fn score_lists_what_it_missed_and_still_exits_zero() {
    let dir = install_with_sweet_shop("sweets");
    let corpus = json!({"id": "w1", "text": "2 kg jalebi",
        "expect": {"intent": "order", "items": [{"sku": "jalebi", "qty": 1000}],
                   "unclear": 0, "unknown": 0}});
    let out = ok(
        dir.path(),
        &["parse", "--business", "sweets", "--score", "-"],
        &corpus.to_string(),
    );
    assert!(out.contains("exact match rate: 0.000 (0/1)"), "{out}");
    assert!(out.contains("w1 \"2 kg jalebi\""), "{out}");
    assert!(
        out.contains("\"qty\":1000") && out.contains("\"qty\":2000"),
        "{out}"
    );
}

/// A corpus line: `text` expected to read as `intent` with `items` and nothing unclear.
fn labelled(id: &str, text: &str, intent: &str, items: Value) -> String {
    let expect = json!({"intent": intent, "items": items, "unclear": 0, "unknown": 0});
    json!({"id": id, "text": text, "expect": expect}).to_string()
}

/// Two small corpora of the sweet shop, each miss wrong in one known way: a's "2 kg jalebi"
/// is labelled 1 kg (wrong amount) and its "namaste" other (wrong intent); b's second message
/// has a line more than its label (extra line) and its third a line fewer (missed line).
fn two_corpora(d: &std::path::Path) -> (String, String) {
    let a = [
        labelled(
            "a1",
            "1 kg kaju katli",
            "order",
            json!([{"sku": "kaju-katli", "qty": 1000}]),
        ),
        labelled(
            "a2",
            "2 kg jalebi",
            "order",
            json!([{"sku": "jalebi", "qty": 1000}]),
        ),
        labelled("a3", "namaste", "other", json!([])),
    ];
    let b = [
        labelled(
            "b1",
            "10 samosa",
            "order",
            json!([{"sku": "samosa", "qty": 10}]),
        ),
        labelled(
            "b2",
            "10 samosa aur 1 kg jalebi",
            "order",
            json!([{"sku": "samosa", "qty": 10}]),
        ),
        labelled(
            "b3",
            "1 kg jalebi",
            "order",
            json!([{"sku": "jalebi", "qty": 1000}, {"sku": "samosa", "qty": 4}]),
        ),
        labelled("b4", "order kab tak aayega?", "status", json!([])),
    ];
    let write = |name: &str, lines: &[String]| {
        let path = d.join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path.to_str().unwrap().to_owned()
    };
    (write("a.jsonl", &a), write("b.jsonl", &b))
}

#[test]
fn score_takes_several_files_and_totals_them_with_a_confusion_summary_each() {
    let dir = install_with_sweet_shop("sweets");
    let d = dir.path();
    let (a, b) = two_corpora(d);
    let args = ["parse", "--business", "sweets", "--score"];
    let out = ok(d, &[&args[..], &[&a, &b]].concat(), "");
    let repeated = ["--score", &b];
    assert_eq!(ok(d, &[&args[..], &[&a], &repeated[..]].concat(), ""), out);
    let (first, rest) = out.split_once("\ncorpus: ").unwrap();
    let (second, total) = rest.split_once("\ntotal: ").unwrap();
    assert!(
        first.starts_with(&format!("corpus: {a} (3 messages")),
        "{out}"
    );
    assert!(first.contains("exact match rate: 0.333 (1/3)"), "{out}");
    assert!(second.starts_with(&format!("{b} (4 messages")), "{out}");
    assert!(second.contains("exact match rate: 0.500 (2/4)"), "{out}");
    let confusion = |block: &str| -> Vec<String> {
        let start = block
            .find("confusion (")
            .unwrap_or_else(|| panic!("{block}"));
        block[start..]
            .lines()
            .skip(1)
            .take(5)
            .map(str::to_owned)
            .collect()
    };
    let want = |n: [usize; 5]| -> Vec<String> {
        let names = [
            "wrong intent",
            "wrong product",
            "wrong amount",
            "missed line",
            "extra line",
        ];
        names
            .iter()
            .zip(n)
            .map(|(name, n)| format!("  {name:<14} {n} in {n} message(s)"))
            .collect()
    };
    assert_eq!(confusion(first), want([1, 0, 1, 0, 0]));
    assert_eq!(confusion(second), want([0, 0, 0, 1, 1]));
    assert!(
        first.contains("  a2 \"2 kg jalebi\"") && first.contains("    differs  wrong amount 1")
    );
    assert!(
        total.starts_with("2 files (7 messages)\nexact match rate: 0.429 (3/7)\n"),
        "{out}"
    );
    assert_eq!(confusion(total), want([1, 0, 1, 1, 1]));
    let per_file = format!("per file:\n  0.333 (1/3) {a}\n  0.500 (2/4) {b}\n");
    assert!(total.ends_with(&per_file), "{out}");
    // One file alone prints its report and no total.
    let one = ok(d, &[&args[..], &[&a]].concat(), "");
    assert_eq!(format!("{one}\n"), format!("{first}\n"));
    assert!(!one.contains("total:"), "{one}");
}

#[test]
fn several_score_files_are_all_or_nothing() {
    let dir = install_with_sweet_shop("sweets");
    let d = dir.path();
    let (a, _) = two_corpora(d);
    let args = ["parse", "--business", "sweets", "--score", &a];
    let missing = d.join("missing.jsonl");
    let err = fails_printing_nothing(d, &[&args[..], &[missing.to_str().unwrap()]].concat(), "");
    assert!(
        err.contains("cannot read") && err.contains("missing.jsonl"),
        "{err}"
    );
    let bad = d.join("bad.jsonl");
    std::fs::write(&bad, "not json\n").unwrap();
    let err = fails_printing_nothing(d, &[&args[..], &[bad.to_str().unwrap()]].concat(), "");
    assert!(err.contains("bad.jsonl: line 1"), "{err}");
    let err = fails_printing_nothing(d, &[&args[..], &["-", "-"]].concat(), "");
    assert!(
        err.contains("standard input (-) can be scored only once"),
        "{err}"
    );
}

/// A message with a sure line, two unclear ones (a bare number for a product sold by weight,
/// a name that fits two laddus) and a phone number.
const EXPLAINED: &str = "2 kaju katli aur 1 kg laddu, 10 samosa bhej do\nPh: 98765 43210";

#[test]
fn explain_shows_what_each_word_became_and_why_a_line_is_unclear() {
    let dir = install_with_sweet_shop("sweets");
    let d = dir.path();
    let out = ok(
        d,
        &["parse", "--business", "sweets", "--explain", EXPLAINED],
        "",
    );
    for part in [
        "  phone    919876543210",
        "clause 1: \"2 kaju katli\"",
        "  \"2\"                  amount   2 (no unit), for \"kaju katli\"",
        "  \"kaju katli\"         product  kaju-katli (Kaju Katli, sold by weight); amount \"2\"",
        "  \"laddu\"              product  fits several products: ",
        "  \"10\"                 amount   10 (no unit), for \"samosa\"",
        "  unclear  \"2 kaju katli\"           a bare number for a product sold by weight",
        "  unclear  \"1 kg laddu\"             fits several products: ",
        "  item     \"10 samosa\"              10 pc of samosa",
        "intent: order, decided by a product with an amount: \"2 kaju katli\"",
        "  cues found: request \"bhej\"",
    ] {
        assert!(out.contains(part), "{part:?} in:\n{out}");
    }
    let mut laddu = out
        .lines()
        .filter(|l| l.contains("fits several products: "));
    assert!(
        laddu.clone().count() == 2
            && laddu.all(|l| l.contains("motichoor-laddu") && l.contains("besan-laddu")),
        "both laddus named, in the words and in the line:\n{out}"
    );
    // The reading it ends with is exactly what `novi parse` prints.
    let plain = ok(d, &["parse", "--business", "sweets", EXPLAINED], "");
    let (_, reading) = out
        .split_once("reading (as `novi parse` prints it):\n")
        .unwrap();
    assert_eq!(reading, plain);
}

#[test]
fn explain_as_json_and_its_refusals() {
    let dir = install_with_sweet_shop("sweets");
    let d = dir.path();
    let args = ["parse", "--business", "sweets", "--explain", EXPLAINED];
    let json = ok(d, &[&args[..], &["--format", "json"]].concat(), "");
    let json: Value = serde_json::from_str(&json).unwrap();
    let plain = ok(d, &["parse", "--business", "sweets", EXPLAINED], "");
    let plain: Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(json["reading"], plain);
    let lines = json["lines"].as_array().unwrap();
    assert_eq!(lines[0]["reason"], "bare_number_for_weight");
    let mut laddus: Vec<&str> = lines[1]["skus"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    laddus.sort_unstable();
    assert_eq!(laddus, ["besan-laddu", "motichoor-laddu"]);
    let item = (&lines[2]["kind"], &lines[2]["qty"]);
    assert_eq!(item, (&json!("item"), &json!(10)));
    let cue = &json["intent"]["cues"][0];
    assert_eq!(cue, &json!({"cue": "request", "words": "bhej"}));
    let sweets = ["parse", "--business", "sweets"];
    for more in [
        &["--explain"][..],
        &["--explain", "--score", CORPUS_PATH],
        &["--explain", "--jsonl", "-"],
        &["--format", "json", "1 kg jalebi"],
    ] {
        let refused = [&sweets[..], more].concat();
        let err = fails_printing_nothing(d, &refused, "");
        assert!(err.starts_with("error: "), "{refused:?}: {err}");
    }
}

/// Two conversations: one that ends with the order it expects, one whose expectation is
/// wrong on purpose (the customer asks for 2 kg, the corpus says 1 kg).
fn tiny_conversations() -> String {
    let pass = json!({"id": "c-pass",
        "messages": ["1 kg kaju katli aur 500 g jalebi", "12 MG Road, Bengaluru", "yes"],
        "setup": {"delivery_fee_minor": 4000},
        "expect": {"order": {"lines": [{"sku": "kaju-katli", "qty": 1000}, {"sku": "jalebi", "qty": 500}],
                             "total_minor": 140000, "address": "12 mg road bengaluru"}}});
    let fail = json!({"id": "c-fail",
        "messages": ["2 kg jalebi", "45 Park Street, Kolkata", "haan"],
        "expect": {"order": {"lines": [{"sku": "jalebi", "qty": 1000}], "total_minor": 32000}}});
    format!("{pass}\n\n{fail}\n")
}

#[test]
fn conversations_are_replayed_on_a_copy_and_the_misses_counted() {
    let dir = install_with_sweet_shop("sweets");
    let d = dir.path();
    let file = d.join("conversations.jsonl");
    std::fs::write(&file, tiny_conversations()).unwrap();
    let args = ["parse", "--business", "sweets", "--conversations"];
    let out = ok(d, &[&args[..], &[file.to_str().unwrap()]].concat(), "");
    assert_eq!(
        out,
        "c-fail: lines [jalebi 2000] (expected [jalebi 1000]); total_minor 64000 (expected 32000)\n\
         conversations: 1/2 exact (50.0%)\n"
    );
    // The same from standard input; each run starts from the same shop.
    assert_eq!(
        ok(d, &[&args[..], &["-"]].concat(), &tiny_conversations()),
        out
    );
    // The replay happened in a scratch database: no order, and no copy of the shop, here.
    let export = [
        "export",
        "orders",
        "--business",
        "sweets",
        "--format",
        "json",
    ];
    let orders: Value = serde_json::from_str(&ok(d, &export, "")).unwrap();
    assert_eq!(orders, json!([]));
    let businesses = ok(d, &["business", "list"], "");
    assert_eq!(
        businesses.lines().count(),
        2,
        "a header and sweets: {businesses}"
    );
}

#[test]
fn a_malformed_conversation_corpus_is_refused_whole() {
    let dir = install_with_sweet_shop("sweets");
    let d = dir.path();
    let args = ["parse", "--business", "sweets", "--conversations", "-"];
    let unknown = json!({"id": "x", "messages": ["1 kg rabri"],
        "expect": {"order": {"lines": [{"sku": "rabri", "qty": 1000}], "total_minor": 1}}});
    let input = format!("{}{unknown}\n", tiny_conversations());
    let err = fails_printing_nothing(d, &args, &input);
    assert_eq!(
        err.trim_end(),
        "error: standard input: line 4: no product \"rabri\" in the shop's catalog"
    );
    let err = fails_printing_nothing(d, &args, "");
    assert!(err.contains("standard input: no conversations"), "{err}");
}

#[test]
fn bad_input_fails_with_one_line_and_prints_nothing() {
    let dir = install_with_sweet_shop("sweets");
    let d = dir.path();
    let one_line = |err: &str| assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let err = fails_printing_nothing(d, &["parse", "--business", "nope", "1 kg jalebi"], "");
    one_line(&err);
    assert!(
        err.contains("no business with short code \"nope\""),
        "{err}"
    );
    let missing = d.join("missing.jsonl");
    let missing = missing.to_str().unwrap();
    for flag in ["--jsonl", "--score"] {
        let err = fails_printing_nothing(d, &["parse", "--business", "sweets", flag, missing], "");
        one_line(&err);
        assert!(
            err.contains("cannot read") && err.contains("missing.jsonl"),
            "{err}"
        );
    }
    let err = fails_printing_nothing(
        d,
        &["parse", "--business", "sweets", "--score", "-"],
        "not json\n",
    );
    one_line(&err);
    assert!(err.contains("standard input: line 1"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let err = fails_printing_nothing(empty.path(), &["parse", "--business", "sweets", "hi"], "");
    assert!(err.contains("no Novi database"), "{err}");
}

#[test]
fn exactly_one_of_text_jsonl_and_score() {
    let dir = install_with_sweet_shop("sweets");
    let d = dir.path();
    // clap refuses these before Novi runs; its first line says why, then it shows usage.
    let refused = [
        &[
            "parse",
            "--business",
            "sweets",
            "1 kg jalebi",
            "--score",
            CORPUS_PATH,
        ][..],
        &[
            "parse",
            "--business",
            "sweets",
            "--jsonl",
            "-",
            "--score",
            CORPUS_PATH,
        ],
        &["parse", "--business", "sweets", "hi", "--jsonl", "-"],
        &[
            "parse",
            "--business",
            "sweets",
            "--score",
            CORPUS_PATH,
            "--conversations",
            "-",
        ],
        &["parse", "--business", "sweets"],
        &["parse", "1 kg jalebi"],
    ];
    for args in refused {
        let err = fails_printing_nothing(d, args, "");
        let first = err.lines().next().unwrap_or("");
        assert!(first.starts_with("error: "), "{err}");
        assert!(
            first.contains("cannot be used with") || first.contains("required"),
            "{args:?}: {err}"
        );
    }
    let help = ok(d, &["parse", "--help"], "");
    assert!(help.contains("Usage") && help.contains("--jsonl") && help.contains("--score"));
    assert!(help.contains("--conversations"));
}
