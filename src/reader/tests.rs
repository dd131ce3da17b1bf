//! End-to-end checks of `read`: whole messages in, readings out, including inputs
//! meant to break it (empty, emoji, huge numbers, long junk).

use super::*;
use crate::domain::limits::{MAX_QUESTIONS, MAX_READ_CHARS};

fn catalog() -> ProductIndex {
    ProductIndex::from_csv(include_str!("../../tests/data/sweetshop-catalog.csv"))
        .unwrap_or_else(|e| panic!("catalog: {e}"))
}

fn items(r: &Reading) -> Vec<(String, u32)> {
    let mut v: Vec<_> = r.items.iter().map(|i| (i.sku.clone(), i.qty)).collect();
    v.sort();
    v
}

#[test]
fn odd_inputs_never_panic() {
    let cat = catalog();
    let junk: String = (0..10_240)
        .map(|i| char::from_u32(0x20 + (i * 7919 % 0x3000)).unwrap_or('x'))
        .collect();
    let digits = "9".repeat(5000);
    let inputs = [
        "",
        " ",
        "\n\n\n",
        "🙏🙏🙏😊👍🏽",
        "½½½ ×× ** -- // ## ((( )))",
        "99999999999999999999999999 kg kaju katli x 99999999999999999",
        "0 kg jalebi, 0.0001 kg kaju, 1/0 kg barfi",
        "x x x 2x x2 kg kg kg box box of of of",
        "जलेबी 1 किलो भेजो",
        "1-1-1-1-1 kg ke dabbe mein in in 2 boxes of",
        "to to to 9 to , to",
        "Name:\nAddress:\nNote:\nPh:",
        "ü-9876543210é9876543210 ph:9876543210",
        &junk,
        &digits,
    ];
    for text in inputs {
        let r = read(&cat, text);
        let _ = r.to_expect_json();
    }
    assert_eq!(read(&cat, "").intent, Intent::Other);
}

#[test]
fn weights_and_counts_per_product() {
    let cat = catalog();
    let r = read(
        &cat,
        "dedh kilo jalebi aur aadha kilo namkeen\nhalf dozen kachori",
    );
    assert_eq!(
        items(&r),
        vec![
            ("jalebi".into(), 1500),
            ("kachori".into(), 6),
            ("namkeen-mix".into(), 500)
        ]
    );
    let r = read(&cat, "2x gulab jamun box\nkaju katli 250 gm x 4");
    assert_eq!(
        items(&r),
        vec![("gulab-jamun".into(), 24), ("kaju-katli".into(), 1000)]
    );
}

#[test]
fn unclear_lines_say_why() {
    let cat = catalog();
    let r = read(&cat, "2 kaju katli, 1 kg laddu, rasgulla");
    let reasons: Vec<_> = r.unclear.iter().map(|u| u.reason).collect();
    assert_eq!(
        reasons,
        vec![
            UnclearReason::BareNumberForWeight,
            UnclearReason::Ambiguous,
            UnclearReason::NoQuantity
        ]
    );
    assert_eq!(r.unclear[1].skus, vec!["motichoor-laddu", "besan-laddu"]);
    assert_eq!(r.intent, Intent::Order);
}

#[test]
fn corrections_additions_and_packing() {
    let cat = catalog();
    let r = read(&cat, "1 kg jalebi\nnahi nahi 2 kg kar do");
    assert_eq!(items(&r), vec![("jalebi".into(), 2000)]);
    let r = read(&cat, "gulab jamoon 1 box aur 6 piece alag se");
    assert_eq!(items(&r), vec![("gulab-jamun".into(), 18)]);
    let r = read(&cat, "1 kg kaju katli in 2 boxes of 500g");
    assert_eq!(items(&r), vec![("kaju-katli".into(), 1000)]);
    assert_eq!(r.notes.as_deref(), Some("in 2 boxes of 500g"));
    let r = read(&cat, "2 kg kaju katli, 1-1 kg ke dabbe");
    assert_eq!(items(&r), vec![("kaju-katli".into(), 2000)]);
}

#[test]
fn unknowns_and_talk() {
    let cat = catalog();
    let r = read(&cat, "2 lassi aur 10 samose\n1 kg rabri");
    assert_eq!(r.unknown, vec!["lassi", "rabri"]);
    let r = read(&cat, "Items:\n- Kaju katli 1kg\n- gajar ka halwa");
    assert_eq!(r.unknown, vec!["gajar ka halwa"]);
    let r = read(
        &cat,
        "last time ki kaju katli mast thi, is baar 1 kg kalakand",
    );
    assert_eq!(items(&r), vec![("kalakand".into(), 1000)]);
    assert!(r.unclear.is_empty());
}

#[test]
fn intents() {
    let cat = catalog();
    let cases = [
        ("hii", Intent::Greeting),
        ("order status??", Intent::Status),
        ("Please cancel order #1187", Intent::Cancel),
        ("aaj jalebi bani hai kya?", Intent::Menu),
        ("Do you deliver to Sector 62 Noida?", Intent::Other),
        ("3 rasmalai", Intent::Order),
    ];
    for (text, want) in cases {
        assert_eq!(read(&cat, text).intent, want, "{text}");
    }
}

#[test]
fn fields_in_a_form() {
    let cat = catalog();
    let text =
        "Order\nName: Meena\nPh: 9123456780\n- Kaju katli 1kg\nAddress: 8 Station Road, Nagpur";
    let r = read(&cat, text);
    assert_eq!(r.name.as_deref(), Some("Meena"));
    assert_eq!(r.phone.as_deref(), Some("919123456780"));
    assert_eq!(r.address.as_deref(), Some("8 Station Road, Nagpur"));
    assert_eq!(items(&r), vec![("kaju-katli".into(), 1000)]);
    let json = r.to_expect_json();
    assert_eq!(json["unclear"], 0);
    assert!(json.get("notes").is_none());
}

#[test]
fn an_unlabelled_street_address_after_an_order_is_the_address() {
    let cat = catalog();
    let r = read(
        &cat,
        "bhaiya 1 kilo kaju katli aur ek dabba gulab jamun, 12 MG Road",
    );
    assert_eq!(r.address.as_deref(), Some("12 MG Road"));
    assert!(
        r.unknown.is_empty(),
        "MG Road is not a product: {:?}",
        r.unknown
    );
    assert_eq!(r.items.len(), 2);
    let r = read(&cat, "2 kg jalebi\n45 Lake View Apartments, Salt Lake");
    assert_eq!(
        r.address.as_deref(),
        Some("45 Lake View Apartments, Salt Lake")
    );
    // An amount is not a house number, and a question about a place is not an order's address.
    assert_eq!(read(&cat, "12 kg kaju katli").address, None);
    assert_eq!(read(&cat, "Do you deliver to 12 MG Road?").items.len(), 0);
}

#[test]
fn a_number_with_wala_names_the_box_and_the_boxes_are_counted() {
    let cat = catalog();
    let gj = |text: &str| items(&read(&cat, text));
    assert_eq!(
        gj("gulab jamun 12 wale 2 packet"),
        vec![("gulab-jamun".into(), 24)]
    );
    assert_eq!(gj("12 wala gulab jamun"), vec![("gulab-jamun".into(), 12)]);
}

#[test]
fn a_kind_of_goods_with_an_amount_is_asked_about() {
    let cat = catalog();
    let r = read(&cat, "kuch sweets chahiye, 1 kg");
    assert_eq!(r.intent, Intent::Order);
    assert_eq!(r.unclear.len(), 1);
    assert_eq!(r.unclear[0].reason, UnclearReason::Ambiguous);
    assert_eq!(r.unclear[0].text, "kuch sweets chahiye, 1 kg");
    assert_eq!(read(&cat, "what sweets do you have?").unclear.len(), 0);
}

/// The message that took a server down: 64 KB of one unclear line, over and over.
fn flood() -> String {
    "1 kaju katri ".repeat(64 * 1024 / 13)
}

#[test]
fn a_long_message_is_read_only_to_its_first_characters() {
    let cat = catalog();
    let text = flood();
    let r = read(&cat, &text);
    assert!(r.clipped);
    assert!(!read(&cat, clip(&text)).clipped, "the clipped text fits");
    assert_eq!(clip(&text).chars().count(), MAX_READ_CHARS);
    let multibyte = "जलेबी ".repeat(2000);
    assert_eq!(clip(&multibyte).chars().count(), MAX_READ_CHARS);
    assert!(!read(&cat, "1 kg jalebi").clipped);
}

#[test]
fn a_long_message_raises_a_few_questions_and_counts_the_rest() {
    let cat = catalog();
    let r = read(&cat, &flood());
    assert_eq!(r.intent, Intent::Order);
    assert_eq!(r.unclear.len(), MAX_QUESTIONS);
    // 4,000 characters hold 307 whole "1 kaju katri " lines and a last "1 kaju k".
    assert!(r.skipped >= 300, "{}", r.skipped);
    for u in &r.unclear {
        assert_eq!(u.text, "1 kaju katri", "each line keeps its own words");
    }
    let stored = serde_json::to_string(&r).unwrap();
    assert!(stored.len() < 2048, "{} bytes", stored.len());
}

#[test]
fn unclear_and_unknown_lines_keep_their_own_words_capped() {
    let cat = catalog();
    let r = read(&cat, "bhaiya please send 2 kaju katli to my house quickly");
    assert_eq!(r.unclear[0].text, "2 kaju katli");
    let long_name = format!("Items:\n- Kaju katli 1kg\n- {}", "gajar ".repeat(100));
    let flood_of_kinds = "1 kg mithai ".repeat(300);
    let r = read(&cat, &flood_of_kinds);
    assert_eq!(r.unclear.len(), MAX_QUESTIONS);
    assert!(r.skipped > 250, "{}", r.skipped);
    assert!(
        r.unclear.iter().all(|u| u.text == "mithai"),
        "{:?}",
        r.unclear
    );
    let r = read(&cat, &long_name);
    assert_eq!(r.unknown.len(), 1);
    assert!(
        r.unknown[0].chars().count() <= MAX_LINE_CHARS,
        "{:?}",
        r.unknown
    );
}

#[test]
fn more_than_one_line_holds_is_asked_about() {
    let cat = catalog();
    let r = read(&cat, "5000 kg kaju katli aur 10000 dozen samosa");
    let reasons: Vec<_> = r.unclear.iter().map(|u| u.reason).collect();
    assert_eq!(reasons, [UnclearReason::TooMuch, UnclearReason::TooMuch]);
    assert!(r.items.is_empty());
    let r = read(&cat, "1000 kg kaju katli");
    assert_eq!(items(&r), vec![("kaju-katli".into(), 1_000_000)]);
}

#[test]
fn spoken_fractions_are_the_amount_said() {
    let cat = catalog();
    let one = |sku: &str, qty: u32| vec![(sku.to_owned(), qty)];
    assert_eq!(
        items(&read(&cat, "one and a half kg kaju katli")),
        one("kaju-katli", 1500)
    );
    assert_eq!(
        items(&read(&cat, "sawa do kilo jalebi")),
        one("jalebi", 2250)
    );
    assert_eq!(
        items(&read(&cat, "paune do kilo jalebi")),
        one("jalebi", 1750)
    );
    assert_eq!(
        items(&read(&cat, "saade teen kilo jalebi")),
        one("jalebi", 3500)
    );
    assert_eq!(items(&read(&cat, "dus samosa")), one("samosa", 10));
    assert_eq!(
        items(&read(&cat, "1 kg and 500 gm jalebi")),
        one("jalebi", 1500)
    );
    // "and" between two lines still parts them.
    assert_eq!(
        items(&read(&cat, "2 and a half kg jalebi and 1 kg kaju katli")),
        vec![("jalebi".to_owned(), 2500), ("kaju-katli".to_owned(), 1000)]
    );
}
