//! Generators of hostile input: text of any length in any script with control characters and
//! the characters that change length when their case changes, text made of the very words and
//! signs the parsers look for, and JSON of any shape.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

/// Pieces that reach the parsers' own paths: amounts, units, currency, separators, labels,
/// the catalog's names, and characters whose upper or lower case has another length in UTF-8
/// ("İ", "ẞ", "Ⱥ", "ﬁ"), which trip code that lowercases text and then slices the original.
const WORDS: &[&str] = &[
    "kg",
    "KG",
    "g",
    "gm",
    "gram",
    "pc",
    "pcs",
    "piece",
    "box",
    "Box of 12",
    "dabba",
    "dozen",
    "half",
    "dedh",
    "aadha",
    "ek",
    "do",
    "aur",
    "and",
    "x",
    "×",
    "-",
    "+",
    "−",
    ".",
    ",",
    ";",
    ":",
    "|",
    "=",
    "@",
    "/",
    "₹",
    "Rs.",
    "rs",
    "$",
    "1",
    "2",
    "12",
    "250",
    "0",
    "0.5",
    "1.5",
    "1,200",
    "1,20,000",
    "9999999999999999999999",
    "½",
    "१२",
    "٣",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\0",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{feff}",
    "\u{200b}",
    "\u{202e}",
    "\u{301}",
    "İ",
    "ẞ",
    "Ⱥ",
    "ﬁ",
    "ŉ",
    "ΐ",
    "😀",
    "👍🏽",
    "🇮🇳",
    "\"",
    "'",
    "kaju katli",
    "Kaju Katli",
    "kaju",
    "gulab jamun",
    "rasgulla",
    "laddu",
    "motichoor",
    "besan",
    "jalebi",
    "barfi",
    "samosa",
    "namkeen",
    "dry fruit box",
    "rabri",
    "name:",
    "Name -",
    "phone:",
    "ph",
    "address:",
    "deliver to",
    "note:",
    "+91 98123 45678",
    "098123-45678",
    "9812345678",
    "0091",
    "cancel",
    "menu",
    "status",
    "hi",
    "yes",
    "where is my order",
    "कैंसल",
    "जलेबी",
    "किलो",
];

/// Any one character, control characters and unassigned code points included.
fn any_char() -> impl Strategy<Value = String> {
    any::<char>().prop_map(String::from)
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(WORDS).prop_map(str::to_owned),
        2 => any_char(),
        1 => "[0-9]{1,30}",
    ]
}

/// Short text made of pieces the parsers look for, or of any characters.
pub fn short_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => vec(piece(), 0..40).prop_map(|p| p.concat()),
        1 => any::<String>(),
    ]
}

/// Text for the parsers: mostly short, sometimes long (up to about 100 KiB, past the reader's
/// limit) by repeating a generated run.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => short_text(),
        1 => (vec(piece(), 1..6), 1..5_000_usize).prop_map(|(p, n)| p.concat().repeat(n)),
    ]
}

/// Any bytes, mostly text-like (the same pieces), sometimes not UTF-8 at all.
pub fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => text().prop_map(String::into_bytes),
        1 => vec(any::<u8>(), 0..2_000),
    ]
}

/// Keys the webhook readers look for, so generated objects reach their inner paths.
const KEYS: &[&str] = &[
    "object",
    "entry",
    "id",
    "changes",
    "field",
    "value",
    "metadata",
    "phone_number_id",
    "contacts",
    "profile",
    "name",
    "wa_id",
    "user_id",
    "messages",
    "statuses",
    "from",
    "from_user_id",
    "timestamp",
    "type",
    "text",
    "body",
    "interactive",
    "button_reply",
    "list_reply",
    "title",
    "button",
    "payload",
    "order",
    "location",
    "address",
    "image",
    "caption",
    "errors",
    "code",
    "message",
    "status",
    "event",
    "session",
    "fromMe",
    "participant",
    "hasMedia",
    "_data",
    "notifyName",
];

/// Strings the readers compare against, next to any text.
const VALUES: &[&str] = &[
    crate::support::bridge::PNID,
    "message",
    "text",
    "interactive",
    "list_reply",
    "button_reply",
    "button",
    "order",
    "location",
    "image",
    "failed",
    "delivered",
    "919812345678",
    "919812345678@c.us",
    "120363@g.us",
    "@c.us",
    "@g.us",
    "",
    "1763800000",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        select(VALUES).prop_map(Value::from),
        text().prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => select(KEYS).prop_map(str::to_owned), 1 => text()]
}

/// JSON of any shape, nested up to 8 deep, weighted towards the keys and values webhooks have.
pub fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(8, 256, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(Value::Array),
            vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}
