//! Generic vocabulary (units, number words, filler and cue words), read once from the
//! data files in `vocab/` (one shared file and one per language) into a single lookup table.

use super::numbers::{Pack, QUnit};
use crate::hashed::{HashMap, HashSet};
use std::sync::OnceLock;

/// The vocabulary files, embedded in the binary: shared words first, then number, quantity
/// and unit words per language (English, Hindi, Marathi, ... in romanised spelling).
const FILES: &[(&str, &str)] = &[
    ("common", include_str!("vocab/common.txt")),
    ("en", include_str!("vocab/en.txt")),
    ("hi", include_str!("vocab/hi.txt")),
    ("mr", include_str!("vocab/mr.txt")),
    ("gu", include_str!("vocab/gu.txt")),
    ("pa", include_str!("vocab/pa.txt")),
];

const FILLER: u16 = 1;
const NEGATION: u16 = 1 << 1;
const CORRECTION: u16 = 1 << 2;
const ADDITIVE: u16 = 1 << 3;
const TALK: u16 = 1 << 4;
const NOTE: u16 = 1 << 5;
const TIME: u16 = 1 << 6;
const LABEL: u16 = 1 << 7;
const GREETING: u16 = 1 << 8;
const GREETING_COMPANY: u16 = 1 << 9;
const DO_VERB: u16 = 1 << 10;
const ADDRESS: u16 = 1 << 11;
const ADDRESS_START: u16 = 1 << 12;
const CITY: u16 = 1 << 13;
const AMOUNT_SUFFIX: u16 = 1 << 14;
const COPULA: u16 = 1 << 15;
/// Flags that give a word a meaning of its own; greeting flags apply to collapsed
/// spellings only, so they don't count.
const MEANING: u16 = FILLER | NEGATION | CORRECTION | ADDITIVE | TALK | NOTE | TIME | LABEL;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumKind {
    /// "two", "ek": a count only when a unit or a product follows.
    Plain,
    /// Hindi "do" (2) is also the verb "do" ("bhej do"), so it needs a unit or product.
    HindiDo,
    /// "half", "dedh": a fraction that means nothing without a unit.
    NeedsUnit,
    /// "paav": a quarter kilo on its own.
    Paav,
    /// "a box", "an order": one, but only before a unit.
    Article,
}

#[derive(Debug, Default, Clone, Copy)]
struct Entry {
    flags: u16,
    unit: Option<QUnit>,
    /// A unit word's meaning as written in the file ("g" for "gms"): its spelling in names.
    canon: &'static str,
    pack: Pack,
    number: Option<(u64, NumKind)>,
}

type Table = HashMap<&'static str, Entry>;
/// Cue section name → phrases, each a list of words.
type CueMap = HashMap<&'static str, Vec<Vec<&'static str>>>;

#[derive(Debug, Default)]
struct Vocab {
    words: Table,
    cues: CueMap,
    /// First word of every cue phrase → (section, phrase), so a message is scanned once.
    cue_index: HashMap<&'static str, Vec<(&'static str, Vec<&'static str>)>>,
    /// Entries that could not be read (a test keeps this at zero).
    bad: usize,
}

fn vocab() -> &'static Vocab {
    static VOCAB_TABLE: OnceLock<Vocab> = OnceLock::new();
    VOCAB_TABLE.get_or_init(|| {
        let mut v = Vocab::default();
        for (_, src) in FILES {
            parse_into(&mut v, src);
        }
        index_cues(&mut v);
        v
    })
}

fn table() -> &'static Table {
    &vocab().words
}

/// The phrases of cue section `name` (without its "cue-" prefix).
fn cue_phrases(name: &str) -> &'static [Vec<&'static str>] {
    vocab().cues.get(name).map_or(&[], Vec::as_slice)
}

/// A cue word that counts in any inflection ("pahunchega" for "pahunch").
fn stem_of(w: &str) -> Option<&'static str> {
    cue_phrases("stems")
        .iter()
        .filter_map(|s| s.first().copied())
        .find(|s| w.starts_with(s))
}

fn word_fits(w: &str, part: &str) -> bool {
    w == part || stem_of(w) == Some(part)
}

/// The cue sections ("status", "menu", ...) with a phrase somewhere in `ws`.
pub(crate) fn cue_sections(ws: &[&str]) -> Vec<&'static str> {
    let mut hit: Vec<&'static str> = Vec::new();
    for (section, _, _) in cue_hits(ws) {
        if !hit.contains(&section) {
            hit.push(section);
        }
    }
    hit
}

/// Every cue phrase in `ws`: (section, index of its first word, number of words), in
/// message order; `explain` shows them, `cue_sections` sums them up.
pub(crate) fn cue_hits(ws: &[&str]) -> Vec<(&'static str, usize, usize)> {
    let v = vocab();
    let mut hits = Vec::new();
    for i in 0..ws.len() {
        let keys = [Some(ws[i]), stem_of(ws[i])];
        for key in keys.into_iter().flatten() {
            for (section, phrase) in v.cue_index.get(key).into_iter().flatten() {
                let rest = ws.get(i..).unwrap_or_default();
                let fits = phrase.len() <= rest.len()
                    && phrase.iter().zip(rest).all(|(p, w)| word_fits(w, p));
                if fits && !hits.contains(&(*section, i, phrase.len())) {
                    hits.push((*section, i, phrase.len()));
                }
            }
        }
    }
    hits
}

/// Reads one vocabulary file into `v`; a word listed in several files gets every section
/// it is listed in (the per-file tests keep number and unit meanings from contradicting).
fn parse_into(v: &mut Vocab, src: &'static str) {
    let mut section = "";
    let mut phrase: Vec<&'static str> = Vec::new();
    for line in src.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            close_phrase(v, section, &mut phrase);
            section = s;
            continue;
        }
        for tok in line.split_whitespace() {
            if let Some(cue) = section.strip_prefix("cue-") {
                // Phrases run on across lines until a comma ends them.
                let word = tok.trim_end_matches(',');
                phrase.push(word);
                if word.len() < tok.len() {
                    close_phrase(v, cue, &mut phrase);
                }
            } else {
                v.bad += usize::from(!add(&mut v.words, section, tok));
            }
        }
    }
    close_phrase(v, section, &mut phrase);
}

/// First word of every cue phrase → its phrases, once all files are read.
fn index_cues(v: &mut Vocab) {
    for (&section, phrases) in &v.cues {
        for p in phrases.iter().filter(|_| section != "stems") {
            let entry = v.cue_index.entry(p[0]).or_default();
            entry.push((section, p.clone()));
        }
    }
}

fn close_phrase(v: &mut Vocab, section: &'static str, phrase: &mut Vec<&'static str>) {
    if !phrase.is_empty() {
        let name = section.strip_prefix("cue-").unwrap_or(section);
        v.cues.entry(name).or_default().push(std::mem::take(phrase));
    }
}

fn add(t: &mut Table, section: &str, tok: &'static str) -> bool {
    let mut parts = tok.split(':');
    let word = parts.next().unwrap_or("");
    let (a, b) = (parts.next(), parts.next());
    let e = t.entry(word).or_default();
    match section {
        "units" => {
            let (unit, pack) = a.and_then(unit_named).unzip();
            (e.unit, e.pack) = (unit, pack.unwrap_or_default());
            e.canon = a.unwrap_or_default();
        }
        "numbers" => e.number = number_entry(a, b),
        s => e.flags |= flag_named(s),
    }
    !word.is_empty() && (e.flags != 0 || e.unit.is_some() || e.number.is_some())
}

fn flag_named(section: &str) -> u16 {
    match section {
        "filler" => FILLER,
        "negation" => NEGATION,
        "correction" => CORRECTION,
        "additive" => ADDITIVE,
        "talk" => TALK,
        "note" => NOTE,
        "time" => TIME,
        "label" => LABEL,
        "greeting" => GREETING,
        "greeting-company" => GREETING_COMPANY,
        "do-verb" => DO_VERB,
        "address" => ADDRESS,
        "address-start" => ADDRESS_START,
        "city" => CITY,
        "amount-suffix" => AMOUNT_SUFFIX,
        "copula" => COPULA,
        _ => 0,
    }
}

fn unit_named(s: &str) -> Option<(QUnit, Pack)> {
    let pack = match s {
        "box" => Pack::Box,
        "bag" => Pack::Bag,
        "tray" => Pack::Tray,
        "ladi" => Pack::Ladi,
        "bunch" => Pack::Bunch,
        "plate" => Pack::Plate,
        "packet" => Pack::Packet,
        "cup" => Pack::Cup,
        _ => {
            let unit = match s {
                "g" => QUnit::Gram,
                "kg" => QUnit::Kg,
                "pc" => QUnit::Piece,
                "dozen" => QUnit::Dozen,
                "l" | "ml" => QUnit::Liquid,
                _ => return None,
            };
            return Some((unit, Pack::default()));
        }
    };
    Some((QUnit::Box, pack))
}

fn number_entry(value: Option<&str>, kind: Option<&str>) -> Option<(u64, NumKind)> {
    let (int, frac) = value?.split_once('.').unwrap_or((value?, ""));
    let frac = format!("{frac:0<3}");
    let milli = int.parse::<u64>().ok()? * 1000 + frac.get(..3)?.parse::<u64>().ok()?;
    let kind = match kind {
        None => NumKind::Plain,
        Some("do") => NumKind::HindiDo,
        Some("unit") => NumKind::NeedsUnit,
        Some("paav") => NumKind::Paav,
        Some("article") => NumKind::Article,
        Some(_) => return None,
    };
    Some((milli, kind))
}

fn flags(w: &str) -> u16 {
    table().get(w).map_or(0, |e| e.flags)
}

pub(crate) fn unit(w: &str) -> Option<QUnit> {
    table().get(w)?.unit
}

/// How names spell a unit word ("gms" → "g", "litre" → "l"), so "250 gm" meets "250 g".
pub(crate) fn unit_spelling(w: &str) -> Option<&'static str> {
    let e = table().get(w)?;
    e.unit.map(|_| e.canon)
}

/// The container a box-like unit word names ("judi" → bunch); `Box` for other words.
pub(crate) fn pack(w: &str) -> Pack {
    table().get(w).map_or(Pack::Box, |e| e.pack)
}

pub(crate) fn number_word(w: &str) -> Option<(u64, NumKind)> {
    table().get(w)?.number
}

/// "is" ("hai", "aahe"): right after a name with no amount, it says something of the
/// goods ("halwa banana hai", "kela hai") rather than asking for them.
pub(crate) fn is_copula(w: &str) -> bool {
    flags(w) & COPULA != 0
}

pub(crate) fn is_filler(w: &str) -> bool {
    flags(w) & FILLER != 0
}

/// "bhar" of "paav bhar": the word before is an amount, not a product of the same name.
pub(crate) fn is_amount_suffix(w: &str) -> bool {
    flags(w) & AMOUNT_SUFFIX != 0
}

pub(crate) fn is_do_verb(w: &str) -> bool {
    flags(w) & DO_VERB != 0
}

/// A street, area or building word ("road", "nagar", "tower") or an address opener.
pub(crate) fn is_address_word(w: &str) -> bool {
    flags(w) & (ADDRESS | ADDRESS_START) != 0
}

/// A word that opens an address wherever it stands: "flat", "plot", "near", "opp.".
pub(crate) fn is_address_start(w: &str) -> bool {
    flags(w) & ADDRESS_START != 0
}

/// A city or town: part of an address, never an unknown product.
pub(crate) fn is_city(w: &str) -> bool {
    flags(w) & CITY != 0
}

pub(crate) fn is_time_or_money(w: &str) -> bool {
    flags(w) & TIME != 0
}

/// A number right after such a word is an id, a price or part of an address.
pub(crate) fn is_number_label(w: &str) -> bool {
    flags(w) & LABEL != 0
}

pub(crate) fn is_negation(w: &str) -> bool {
    flags(w) & NEGATION != 0
}

pub(crate) fn is_correction(w: &str) -> bool {
    flags(w) & CORRECTION != 0
}

pub(crate) fn is_additive(w: &str) -> bool {
    flags(w) & ADDITIVE != 0
}

/// Words that name a place and nothing else: a city, a street or area word ("Indore",
/// "Scheme", "Nagar"). Such a name is never a product the shop does not sell.
pub(crate) fn is_place(name: &str) -> bool {
    let mut ws = name
        .split(|c: char| !c.is_alphanumeric() && c != '.')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .peekable();
    ws.peek().is_some() && ws.all(|w| is_city(&w) || is_address_word(&w))
}

pub(crate) fn is_talk(w: &str) -> bool {
    flags(w) & TALK != 0
}

pub(crate) fn is_note_cue(w: &str) -> bool {
    flags(w) & NOTE != 0
}

/// For a collapsed word: Some(true) if it greets on its own, Some(false) if it only
/// keeps a greeting company, None otherwise.
pub(crate) fn greeting(collapsed: &str) -> Option<bool> {
    let f = flags(collapsed);
    if f & GREETING != 0 {
        Some(true)
    } else {
        (f & GREETING_COMPANY != 0).then_some(false)
    }
}

/// Squeezes runs of one letter ("hiii" → "hi") into `out`.
pub(crate) fn collapse(w: &str, out: &mut String) {
    out.clear();
    for c in w.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
}

/// Anything the reader has a meaning for: such a word never names an unknown product.
pub(crate) fn is_known(w: &str) -> bool {
    table()
        .get(w)
        .is_some_and(|e| e.flags & MEANING != 0 || e.unit.is_some() || e.number.is_some())
}

/// Every spelling the vocabulary holds, words of cue phrases included: where Hindi script
/// can be romanised two ways, the reader takes the one it knows (`script`).
pub(crate) fn knows_spelling(w: &str) -> bool {
    static ALL: OnceLock<HashSet<&'static str>> = OnceLock::new();
    ALL.get_or_init(|| {
        let v = vocab();
        let cues = v.cues.values().flatten().flatten().copied();
        v.words.keys().copied().chain(cues).collect()
    })
    .contains(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_files_read_cleanly() {
        for (name, src) in FILES {
            let mut v = Vocab::default();
            parse_into(&mut v, src);
            assert_eq!(v.bad, 0, "{name}");
            assert!(!v.words.is_empty(), "{name}");
        }
        assert!(table().len() > 500);
        for cue in [
            "cancel",
            "status",
            "price",
            "menu",
            "request",
            "stems",
            "order-wish",
        ] {
            assert!(!cue_phrases(cue).is_empty(), "{cue}");
        }
        assert!(cue_phrases("cancel").contains(&vec!["do", "not", "send"]));
        let ws = ["kab", "tak", "pahunchega", "do", "not", "send"];
        let mut hit = cue_sections(&ws);
        hit.sort_unstable();
        assert_eq!(hit, vec!["cancel", "request", "status"]);
    }

    /// One file read alone: its number and unit entries.
    fn file(name: &str) -> Vocab {
        let mut v = Vocab::default();
        let src = FILES.iter().find(|f| f.0 == name).map_or("", |f| f.1);
        parse_into(&mut v, src);
        assert_eq!(v.bad, 0, "{name}");
        v
    }

    fn num(v: &Vocab, w: &str) -> Option<(u64, NumKind)> {
        v.words.get(w)?.number
    }

    fn unit_of(v: &Vocab, w: &str) -> Option<(QUnit, Pack)> {
        let e = v.words.get(w)?;
        Some((e.unit?, e.pack))
    }

    #[test]
    fn english_file() {
        let v = file("en");
        assert_eq!(num(&v, "three"), Some((3000, NumKind::Plain)));
        assert_eq!(num(&v, "half"), Some((500, NumKind::NeedsUnit)));
        assert_eq!(num(&v, "a"), Some((1000, NumKind::Article)));
        assert_eq!(unit_of(&v, "dozen"), Some((QUnit::Dozen, Pack::Box)));
        assert_eq!(unit_of(&v, "bunch"), Some((QUnit::Box, Pack::Bunch)));
        assert_eq!(unit_of(&v, "plate"), Some((QUnit::Box, Pack::Plate)));
        assert_eq!(unit_of(&v, "pack"), Some((QUnit::Box, Pack::Packet)));
        assert_eq!(unit_of(&v, "bag"), Some((QUnit::Box, Pack::Bag)));
    }

    #[test]
    fn hindi_file() {
        let v = file("hi");
        assert_eq!(num(&v, "paav"), Some((250, NumKind::Paav)));
        assert_eq!(num(&v, "aadha"), Some((500, NumKind::NeedsUnit)));
        assert_eq!(num(&v, "dedh"), Some((1500, NumKind::NeedsUnit)));
        assert_eq!(num(&v, "dhai"), Some((2500, NumKind::NeedsUnit)));
        assert_eq!(num(&v, "do"), Some((2000, NumKind::HindiDo)));
        assert_eq!(unit_of(&v, "dabba"), Some((QUnit::Box, Pack::Box)));
        assert_eq!(unit_of(&v, "gaddi"), Some((QUnit::Box, Pack::Bunch)));
        assert!(v
            .words
            .get("bhar")
            .is_some_and(|e| e.flags & AMOUNT_SUFFIX != 0));
    }

    #[test]
    fn marathi_file() {
        let v = file("mr");
        assert_eq!(num(&v, "don"), Some((2000, NumKind::Plain)));
        assert_eq!(num(&v, "ardha"), Some((500, NumKind::NeedsUnit)));
        assert_eq!(num(&v, "sawa"), Some((1250, NumKind::NeedsUnit)));
        assert_eq!(num(&v, "adich"), Some((2500, NumKind::NeedsUnit)));
        assert_eq!(unit_of(&v, "darjan"), Some((QUnit::Dozen, Pack::Box)));
        assert_eq!(unit_of(&v, "nag"), Some((QUnit::Piece, Pack::Box)));
        assert_eq!(unit_of(&v, "judi"), Some((QUnit::Box, Pack::Bunch)));
        assert_eq!(unit_of(&v, "peti"), Some((QUnit::Box, Pack::Box)));
        assert!(v.words.get("pathva").is_some_and(|e| e.flags & FILLER != 0));
    }

    #[test]
    fn gujarati_file() {
        let v = file("gu");
        // "be" (two) is also English, so it needs a unit: "be kilo".
        assert_eq!(num(&v, "be"), Some((2000, NumKind::NeedsUnit)));
        assert_eq!(num(&v, "tran"), Some((3000, NumKind::Plain)));
        assert_eq!(num(&v, "adho"), Some((500, NumKind::NeedsUnit)));
        assert_eq!(num(&v, "adhi"), Some((500, NumKind::NeedsUnit)));
        assert_eq!(num(&v, "dodh"), Some((1500, NumKind::NeedsUnit)));
        assert_eq!(unit_of(&v, "nang"), Some((QUnit::Piece, Pack::Box)));
    }

    #[test]
    fn punjabi_file() {
        let v = file("pa");
        assert_eq!(num(&v, "dedh"), Some((1500, NumKind::NeedsUnit)));
        assert_eq!(num(&v, "dhai"), Some((2500, NumKind::NeedsUnit)));
        assert_eq!(num(&v, "sawa"), Some((1250, NumKind::NeedsUnit)));
        assert_eq!(num(&v, "panj"), Some((5000, NumKind::Plain)));
        assert_eq!(unit_of(&v, "darjan"), Some((QUnit::Dozen, Pack::Box)));
    }

    /// A word listed in several language files means the same in each, so the order the
    /// files are read in never changes a reading.
    #[test]
    fn files_agree() {
        let all: Vec<Vocab> = FILES.iter().map(|f| file(f.0)).collect();
        for (a, va) in all.iter().enumerate() {
            for vb in &all[a + 1..] {
                for (w, ea) in &va.words {
                    let Some(eb) = vb.words.get(w) else { continue };
                    if ea.number.is_some() && eb.number.is_some() {
                        assert_eq!(ea.number, eb.number, "{w}");
                    }
                    if ea.unit.is_some() && eb.unit.is_some() {
                        assert_eq!((ea.unit, ea.pack), (eb.unit, eb.pack), "{w}");
                    }
                }
            }
        }
    }

    #[test]
    fn units_and_numbers() {
        assert_eq!(unit("gms"), Some(QUnit::Gram));
        assert_eq!(unit("kilo"), Some(QUnit::Kg));
        assert_eq!(unit("dabba"), Some(QUnit::Box));
        assert_eq!(number_word("paanch"), Some((5000, NumKind::Plain)));
        assert_eq!(number_word("dedh"), Some((1500, NumKind::NeedsUnit)));
        assert_eq!(number_word("paav"), Some((250, NumKind::Paav)));
        assert_eq!(number_word("do").map(|n| n.1), Some(NumKind::HindiDo));
    }

    #[test]
    fn greetings_collapse() {
        let mut s = String::new();
        collapse("hiii", &mut s);
        assert_eq!(greeting(&s), Some(true));
        collapse("bhaiya", &mut s);
        assert_eq!(greeting(&s), Some(false));
        collapse("pizza", &mut s);
        assert_eq!(greeting(&s), None);
    }

    #[test]
    fn known_words_are_not_products() {
        assert!(is_known("chahiye"));
        assert!(is_known("kg"));
        assert!(!is_known("lassi"));
    }
}
