//! Transliterates one Devanagari word into the romanised Hindi customers type
//! ("काजू" → "kaaju", "चाहिए" → "chahie", "ऑर्डर" → "order"), so Hindi script reads as its
//! romanised spelling does.

// How: the word is cut into syllables (a consonant cluster and its vowel), the inherent
// "a" is dropped where Hindi drops it (word end, and between two single consonants:
// "कतली" katli), and the syllables are spelled with the letters WhatsApp Hindi uses. Long
// vowels are spelled long (ā "aa", ī "ee", ū "oo") except at the end of a word ("jalebi",
// "laddu"); where the vocabulary knows another spelling of the word (short
// vowels "chahie", "w" for व "wala"), that one is taken. English and other words Hindi
// spells its own way come from the table in devanagari.txt. Catalog names fold vowel
// length away (`matcher::fold`), so the choice matters only for vocabulary words.

use super::words;
use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("devanagari.txt");

/// True for the code points of the Devanagari block that can stand in a word: letters,
/// vowel signs, nasal signs, virama and nukta (not the danda, digits or signs after them).
pub(crate) fn is_letter(c: char) -> bool {
    matches!(c as u32, 0x0900..=0x0963 | 0x0971..=0x097F)
}

/// The value of a Devanagari digit ०-९.
pub(crate) fn digit(c: char) -> Option<u8> {
    let v = (c as u32).checked_sub(0x0966)?;
    u8::try_from(v).ok().filter(|&v| v < 10)
}

/// A vowel as written after (or without) a consonant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vowel {
    /// The inherent "a" of a bare consonant, which Hindi often drops.
    Schwa,
    /// Dropped: a virama, or a schwa Hindi does not say.
    Dead,
    /// ā, ī, ū: spelled long or short.
    Long(&'static str, &'static str),
    Plain(&'static str),
}

#[derive(Debug, Clone, Copy)]
struct Syllable {
    /// The consonant's letters, empty for a vowel standing alone.
    cons: &'static str,
    vowel: Vowel,
    /// Anusvara or chandrabindu after the vowel; a visarga is kept as "h".
    nasal: bool,
    visarga: bool,
}

/// Writes the romanised spelling of `word` (Devanagari letters only) to `out`.
pub(crate) fn word(word: &str, out: &mut String) {
    if let Some(known) = table().get(compose(word).as_str()) {
        out.push_str(known);
        return;
    }
    let mut syl = syllables(word);
    drop_schwas(&mut syl);
    let mut cand = String::with_capacity(word.len());
    for style in STYLES {
        cand.clear();
        spell(&syl, style, &mut cand);
        if words::knows_spelling(&cand) {
            out.push_str(&cand);
            return;
        }
    }
    spell(&syl, STYLES[0], out);
}

/// Ways of spelling vowel length and व, most usual first.
#[derive(Debug, Clone, Copy)]
struct Style {
    length: Length,
    w: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Length {
    /// Long, except a vowel ending a longer word ("jalebi", "laddu", "kahan").
    Usual,
    Short,
}

const STYLES: [Style; 4] = [
    Style {
        length: Length::Usual,
        w: false,
    },
    Style {
        length: Length::Short,
        w: false,
    },
    Style {
        length: Length::Usual,
        w: true,
    },
    Style {
        length: Length::Short,
        w: true,
    },
];

fn syllables(word: &str) -> Vec<Syllable> {
    let mut out: Vec<Syllable> = Vec::with_capacity(word.len() / 3 + 1);
    for c in word.chars() {
        let last = out.last_mut();
        match c {
            '\u{093C}' => {
                if let Some(s) = last {
                    s.cons = nukta(s.cons);
                }
            }
            '\u{094D}' => {
                if let Some(s) = last.filter(|s| !s.cons.is_empty()) {
                    s.vowel = Vowel::Dead;
                }
            }
            '\u{0901}' | '\u{0902}' | '\u{0900}' => {
                if let Some(s) = last {
                    s.nasal = true;
                }
            }
            '\u{0903}' => {
                if let Some(s) = last {
                    s.visarga = true;
                }
            }
            _ => push_letter(c, &mut out),
        }
    }
    out
}

fn push_letter(c: char, out: &mut Vec<Syllable>) {
    if let Some(cons) = consonant(c) {
        out.push(Syllable {
            cons,
            vowel: Vowel::Schwa,
            nasal: false,
            visarga: false,
        });
        return;
    }
    let (vowel, sign) = match vowel(c) {
        Some(v) => v,
        None => return,
    };
    // A vowel sign after a consonant that has no vowel yet is that consonant's vowel.
    if let Some(s) = out
        .last_mut()
        .filter(|s| sign && !s.cons.is_empty() && s.vowel == Vowel::Schwa && !s.nasal)
    {
        s.vowel = vowel;
        return;
    }
    out.push(Syllable {
        cons: "",
        vowel,
        nasal: false,
        visarga: false,
    });
}

fn consonant(c: char) -> Option<&'static str> {
    Some(match c {
        'क' => "k",
        'ख' | '\u{0959}' => "kh",
        'ग' | '\u{095A}' => "g",
        'घ' => "gh",
        'ङ' | 'ञ' | 'ण' | 'न' | 'ऩ' => "n",
        'च' => "ch",
        'छ' => "chh",
        'ज' => "j",
        'झ' => "jh",
        'ट' | 'त' => "t",
        'ठ' | 'थ' => "th",
        'ड' | 'द' | '\u{095C}' => "d",
        'ढ' | 'ध' | '\u{095D}' => "dh",
        'प' => "p",
        'फ' => "ph",
        'ब' => "b",
        'भ' => "bh",
        'म' => "m",
        'य' | '\u{095F}' => "y",
        'र' | 'ऱ' => "r",
        'ल' | 'ळ' | 'ऴ' => "l",
        'व' => "v",
        'श' | 'ष' => "sh",
        'स' => "s",
        'ह' => "h",
        '\u{0958}' => "q",
        '\u{095B}' => "z",
        '\u{095E}' => "f",
        _ => return None,
    })
}

/// A consonant with a nukta under it ("ज़" z, "फ़" f, "ड़" d).
fn nukta(cons: &'static str) -> &'static str {
    match cons {
        "k" => "q",
        "j" => "z",
        "ph" => "f",
        c => c,
    }
}

/// (vowel, whether it is a sign that follows a consonant).
fn vowel(c: char) -> Option<(Vowel, bool)> {
    use Vowel::{Long, Plain};
    let v = match c {
        'अ' | 'ॲ' => (Plain("a"), false),
        'आ' => (Long("aa", "a"), false),
        'इ' => (Plain("i"), false),
        'ई' => (Long("ee", "i"), false),
        'उ' => (Plain("u"), false),
        'ऊ' => (Long("oo", "u"), false),
        'ऋ' | 'ॠ' => (Plain("ri"), false),
        'ए' | 'ऍ' | 'ऎ' => (Plain("e"), false),
        'ऐ' => (Plain("ai"), false),
        'ओ' | 'ऑ' | 'ऒ' => (Plain("o"), false),
        'औ' => (Plain("au"), false),
        'ा' => (Long("aa", "a"), true),
        'ि' => (Plain("i"), true),
        'ी' => (Long("ee", "i"), true),
        'ु' => (Plain("u"), true),
        'ू' => (Long("oo", "u"), true),
        'ृ' | 'ॄ' => (Plain("ri"), true),
        'े' | 'ॅ' | 'ॆ' => (Plain("e"), true),
        'ै' => (Plain("ai"), true),
        'ो' | 'ॉ' | 'ॊ' => (Plain("o"), true),
        'ौ' => (Plain("au"), true),
        'ॐ' => (Plain("om"), false),
        _ => return None,
    };
    Some(v)
}

/// Drops the schwas Hindi does not say: the last one ("भेज" bhej, unless the word ends in a
/// cluster into y, r or v: "मित्र" mitra), then, from the right, one between a vowel with a
/// single consonant and a consonant with a vowel ("कतली" katli, "नमकीन" namkeen).
fn drop_schwas(s: &mut [Syllable]) {
    let n = s.len();
    let said = |v: Vowel| v != Vowel::Dead;
    if n >= 2 && s[n - 1].vowel == Vowel::Schwa && !s[n - 1].cons.is_empty() && !s[n - 1].nasal {
        let cluster = s[n - 2].vowel == Vowel::Dead;
        if !(cluster && matches!(s[n - 1].cons, "y" | "r" | "v")) {
            s[n - 1].vowel = Vowel::Dead;
        }
    }
    for i in (1..n.saturating_sub(1)).rev() {
        let deletable = s[i].vowel == Vowel::Schwa && !s[i].cons.is_empty() && !s[i].nasal;
        if deletable && said(s[i - 1].vowel) && !s[i + 1].cons.is_empty() && said(s[i + 1].vowel) {
            s[i].vowel = Vowel::Dead;
        }
    }
}

fn spell(s: &[Syllable], style: Style, out: &mut String) {
    let last = s.iter().rposition(|x| x.vowel != Vowel::Dead);
    for (i, x) in s.iter().enumerate() {
        let next = s.get(i + 1).map_or("", |n| n.cons);
        match (x.cons, next) {
            // "अच्छा" achha, "बच्चा" bachcha: a doubled ch is written once with its h.
            ("ch", "chh") if x.vowel == Vowel::Dead => {}
            ("ch", "ch") if x.vowel == Vowel::Dead => out.push('c'),
            ("v", _) if style.w => out.push('w'),
            (c, _) => out.push_str(c),
        }
        match x.vowel {
            Vowel::Schwa => out.push('a'),
            Vowel::Dead => {}
            Vowel::Plain(v) => out.push_str(v),
            Vowel::Long(long, short) => {
                let closed = s[i + 1..].iter().any(|n| !n.cons.is_empty());
                let is_last = Some(i) == last;
                // A vowel alone is a word of its own ("आ" aa), spelled long.
                let alone = s.len() == 1 && x.cons.is_empty();
                let long_here = style.length == Length::Usual && (!is_last || closed || alone);
                out.push_str(if long_here { long } else { short });
            }
        }
        if x.nasal {
            let labial = matches!(next, "p" | "ph" | "b" | "bh" | "m");
            out.push(if labial { 'm' } else { 'n' });
        }
        if x.visarga {
            out.push('h');
        }
    }
}

/// Devanagari spellings with a customary romanisation the rules can't give, from
/// devanagari.txt: `word roman` a line.
fn table() -> &'static HashMap<String, &'static str> {
    static T: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    T.get_or_init(|| parse_table(TABLE).0)
}

/// The table and how many lines could not be read (a test keeps that at zero).
fn parse_table(src: &'static str) -> (HashMap<String, &'static str>, usize) {
    let mut t = HashMap::new();
    let mut bad = 0;
    for line in src.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        match (parts.next(), parts.next(), parts.next()) {
            (Some(dev), Some(roman), None)
                if dev.chars().all(is_letter) && roman.bytes().all(|b| b.is_ascii_lowercase()) =>
            {
                t.insert(compose(dev), roman);
            }
            _ => bad += 1,
        }
    }
    (t, bad)
}

/// The word with a nukta written apart ("ज" + "़") joined to its letter ("ज़"), so both
/// ways of typing it look the same.
fn compose(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if c == '\u{093C}' {
            let joined = match out.chars().next_back() {
                Some('क') => Some('\u{0958}'),
                Some('ख') => Some('\u{0959}'),
                Some('ग') => Some('\u{095A}'),
                Some('ज') => Some('\u{095B}'),
                Some('ड') => Some('\u{095C}'),
                Some('ढ') => Some('\u{095D}'),
                Some('फ') => Some('\u{095E}'),
                Some('य') => Some('\u{095F}'),
                _ => None,
            };
            if let Some(j) = joined {
                out.pop();
                out.push(j);
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roman(w: &str) -> String {
        let mut s = String::new();
        word(w, &mut s);
        s
    }

    #[test]
    fn the_table_reads_cleanly() {
        let (t, bad) = parse_table(TABLE);
        assert_eq!(bad, 0);
        assert!(t.len() > 30);
        assert_eq!(t.get("ऑर्डर").copied(), Some("order"));
    }

    #[test]
    fn words_read_as_customers_spell_them() {
        for (dev, want) in [
            ("काजू", "kaaju"),
            ("कतली", "katli"),
            ("जलेबी", "jalebi"),
            ("लड्डू", "laddu"),
            ("मोतीचूर", "moteechoor"),
            ("समोसे", "samose"),
            ("कलाकंद", "kalaakand"),
            ("बर्फी", "barphi"),
            ("नमकीन", "namkeen"),
            ("ढोकला", "dhokla"),
            ("पापड़ी", "paapdi"),
            ("रसगुल्ले", "rasgulle"),
            ("किलो", "kilo"),
            ("ग्राम", "gram"),
            ("आधा", "aadha"),
            ("डेढ़", "dedh"),
            ("पाव", "paav"),
            ("पाँच", "paanch"),
            ("सात", "saat"),
            ("तीन", "teen"),
            ("पीस", "piece"),
            ("बीस", "bees"),
            ("डिब्बे", "dibbe"),
            ("भेज", "bhej"),
            ("दो", "do"),
            ("चाहिए", "chahie"),
            ("दीजिए", "dijie"),
            ("नमस्ते", "namaste"),
            ("भैया", "bhaiya"),
            ("कहाँ", "kahan"),
            ("नहीं", "nahin"),
            ("हैं", "hain"),
            ("वाला", "vala"),
            ("वहाँ", "wahan"),
            ("नाम", "naam"),
            ("आ", "aa"),
            ("अच्छा", "achha"),
            ("शर्मा", "sharma"),
            ("मित्र", "mitra"),
            ("ऑर्डर", "order"),
            ("कैंसल", "cancel"),
        ] {
            assert_eq!(roman(dev), want, "{dev}");
        }
    }

    #[test]
    fn a_nukta_typed_apart_is_the_same_letter() {
        assert_eq!(roman("\u{095B}रा"), roman("ज\u{093C}रा"));
        assert_eq!(roman("फ\u{093C}ोन"), "phone");
        assert_eq!(roman("\u{095B}रूर"), "zaroor");
        assert_eq!(roman("ज\u{093C}रूर"), "zaroor");
    }

    #[test]
    fn devanagari_digits() {
        let ds: Vec<u8> = "०१२३४५६७८९".chars().filter_map(digit).collect();
        assert_eq!(ds, (0..10).collect::<Vec<u8>>());
        assert_eq!(digit('5'), None);
        assert_eq!(digit('।'), None);
        assert!(!is_letter('।') && !is_letter('५'));
    }
}
