//! Finds catalog products in a run of words: exact hits on folded names and aliases,
//! then an OSA (Damerau-Levenshtein) pass for spelling slips; ties stay ambiguous.

use super::index::IndexedProduct;
use super::words;
use crate::hashed::{HashMap, HashSet};

/// Folds romanised Hindi spelling variation (aspirates, doubled vowels and letters,
/// w/v, q/k, z/j, final y) so "jalebee", "laddoo" and "kalakhand" meet their names.
pub(crate) fn fold(word: &str, out: &mut String) {
    let start = out.len();
    for c in word.chars().flat_map(char::to_lowercase) {
        if !c.is_alphanumeric() {
            continue;
        }
        let c = match c {
            'w' => 'v',
            'q' => 'k',
            'z' => 'j',
            _ => c,
        };
        match (out[start..].chars().next_back(), c) {
            (Some('k' | 'g' | 'b' | 'd' | 't' | 'j'), 'h') => {}
            (Some('p'), 'h') => replace_last(out, 'f'),
            (Some('e'), 'e') => replace_last(out, 'i'),
            (Some('o'), 'o') => replace_last(out, 'u'),
            (Some('c'), 'k') => replace_last(out, 'k'),
            (Some(last), c) if last == c => {}
            _ => out.push(c),
        }
    }
    if out.len() > start + 2 && out.ends_with('y') {
        replace_last(out, 'i');
    }
}

fn replace_last(out: &mut String, c: char) {
    out.pop();
    out.push(c);
}

/// Edits a slip may have: none for short words, where one edit turns a word into
/// another real word, growing with length.
fn allowed_edits(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=7 => 1,
        8..=12 => 2,
        _ => 3,
    }
}

#[derive(Debug, Clone)]
struct Key {
    text: String,
    len: usize,
    item: u32,
    /// The last word of a longer name ("laddu" of "besan laddu"): fits every product
    /// that ends in it, so it ranks just below a full name. Heads under four letters
    /// ("mix", "pak") are ordinary words too often to count alone.
    head: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct NameIndex {
    exact: HashMap<String, Vec<u32>>,
    /// Names and aliases with their size taken off ("amul gold" of "Amul Gold 1 L"): they
    /// rank with the last word of a name, below a full name, so "gold" fits every size of
    /// Amul Gold alike and is asked about.
    bare: HashMap<String, Vec<u32>>,
    heads: HashMap<String, Vec<u32>>,
    keys: Vec<Key>,
    buckets: HashMap<char, (usize, usize)>,
    starts: HashSet<String>,
    max_words: usize,
    /// Some name carries a number ("Atta 5 kg"), so numbers may continue a name.
    pub(crate) has_digits: bool,
}

/// One word of the message as the matcher needs it.
pub(crate) struct Word<'a> {
    pub folded: &'a str,
    /// A vocabulary word (unit, filler, cue): may sit inside a name, never at its edge.
    pub known: bool,
    /// A whole number written in digits ("5" of "atta 5 kg"): part of a sized name.
    pub num: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    /// Candidate products, more than one when they fit equally well.
    pub items: Vec<u32>,
    /// How many words the name took.
    pub words: usize,
    /// For a one-word hit, other products whose name ends in that word ("barfi" is
    /// also the last word of "kaju barfi"): a qualifier nearby may pick one of them.
    pub alts: Vec<u32>,
}

#[derive(Default)]
struct Best {
    q: i32,
    items: Vec<u32>,
    words: usize,
}

impl Best {
    fn offer(&mut self, q: i32, item: u32, n: usize) {
        if q <= 0 || q < self.q {
            return;
        }
        if q > self.q {
            self.q = q;
            self.items.clear();
            self.words = 0;
        }
        if !self.items.contains(&item) {
            self.items.push(item);
        }
        self.words = self.words.max(n);
    }
}

fn count(s: &str) -> i32 {
    i32::try_from(s.chars().count()).unwrap_or(i32::MAX / 8)
}

impl NameIndex {
    pub(crate) fn build(items: &[IndexedProduct]) -> Self {
        let mut ix = NameIndex::default();
        for (n, item) in items.iter().enumerate() {
            let id = u32::try_from(n).unwrap_or(u32::MAX);
            for phrase in std::iter::once(&item.name).chain(&item.aliases) {
                ix.add_phrase(phrase, id, false);
                // "Atta 5 kg", "Methi (Bunch)": the name without its size is the product too.
                if let Some(bare) = without_size(phrase) {
                    ix.add_phrase(bare, id, true);
                }
            }
        }
        ix.keys
            .sort_by(|a, b| (&a.text, a.item, a.head).cmp(&(&b.text, b.item, b.head)));
        ix.keys
            .dedup_by(|a, b| a.text == b.text && a.item == b.item);
        let mut at = 0;
        while let Some(c) = ix.keys.get(at).and_then(|k| k.text.chars().next()) {
            let end = at
                + ix.keys[at..]
                    .iter()
                    .take_while(|k| k.text.starts_with(c))
                    .count();
            ix.buckets.insert(c, (at, end));
            at = end;
        }
        ix
    }

    fn add_phrase(&mut self, phrase: &str, id: u32, bare: bool) {
        let parts: Vec<&str> = phrase
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let mut key = String::new();
        let mut first_len = None;
        let mut head_at = 0;
        for w in &parts {
            head_at = key.len();
            // Units as the vocabulary spells them, as messages are matched ("1 litre" = "1 L").
            fold(
                words::unit_spelling(&w.to_lowercase()).unwrap_or(w),
                &mut key,
            );
            first_len.get_or_insert(key.len());
        }
        let Some(first_len) = first_len.filter(|_| !key.is_empty()) else {
            return;
        };
        self.max_words = self.max_words.max(parts.len());
        self.has_digits |= key.bytes().any(|b| b.is_ascii_digit());
        self.starts.insert(key[..first_len].to_owned());
        if bare {
            push_unique(self.bare.entry(key.clone()).or_default(), id);
        } else {
            push_unique(self.exact.entry(key.clone()).or_default(), id);
            self.keys.push(Key {
                len: key.chars().count(),
                text: key.clone(),
                item: id,
                head: false,
            });
        }
        let head = &key[head_at..];
        let head_is_unit = parts
            .last()
            .is_some_and(|w| words::unit(&w.to_lowercase()).is_some());
        if parts.len() > 1 && head.chars().count() >= 4 && !head_is_unit {
            push_unique(self.heads.entry(head.to_owned()).or_default(), id);
            self.keys.push(Key {
                len: head.chars().count(),
                text: head.to_owned(),
                item: id,
                head: true,
            });
        }
    }

    /// Some name or alias starts with this folded word.
    pub(crate) fn starts_with(&self, folded: &str) -> bool {
        self.starts.contains(folded)
    }

    /// The product named by the words starting at `words[0]`, if any.
    pub(crate) fn find(&self, words: &[Word], buf: &mut String) -> Option<Hit> {
        let first = words.first()?;
        if first.folded.is_empty() || (first.known && !self.starts.contains(first.folded)) {
            return None;
        }
        let mut best = Best::default();
        buf.clear();
        for (i, word) in words.iter().enumerate().take(self.max_words + 1) {
            match word.num {
                Some(n) => push_number(n, buf),
                None => buf.push_str(word.folded),
            }
            let len = count(buf);
            self.exact_hits(buf, len, i + 1, &mut best);
            // A slip can't outrank what an exact hit already scored.
            if !first.known && !word.known && best.q < 4 * (len - 2) {
                self.fuzzy_hits(buf, len, i + 1, &mut best);
            }
        }
        best.items.sort_unstable();
        let alts = match best.words {
            1 => self.heads.get(first.folded).cloned().unwrap_or_default(),
            _ => Vec::new(),
        };
        (!best.items.is_empty()).then_some(Hit {
            items: best.items,
            words: best.words,
            alts,
        })
    }

    fn exact_hits(&self, key: &str, len: i32, n: usize, best: &mut Best) {
        let q = 4 * len;
        // Plurals: "eggs" folds to "egs", whose stem is the folded "egg" ("eg").
        let stems = [key.strip_suffix("es"), key.strip_suffix('s')];
        let stems = stems.iter().flatten().filter(|s| s.len() >= 2);
        for (k, penalty) in std::iter::once((key, 0)).chain(stems.map(|s| (*s, 1))) {
            for &id in self.exact.get(k).into_iter().flatten() {
                best.offer(q - penalty, id, n);
            }
            for &id in self.bare.get(k).into_iter().flatten() {
                best.offer(q - 2 - penalty, id, n);
            }
            if n == 1 {
                for &id in self.heads.get(k).into_iter().flatten() {
                    best.offer(q - 2 - penalty, id, n);
                }
            }
        }
    }

    fn fuzzy_hits(&self, key: &str, len: i32, n: usize, best: &mut Best) {
        let Some(c) = key.chars().next() else {
            return;
        };
        let Some(&(a, b)) = self.buckets.get(&c) else {
            return;
        };
        let len_u = key.chars().count();
        for k in self.keys.get(a..b).unwrap_or_default() {
            let allowed = allowed_edits(len_u.max(k.len));
            // Short names ("besan", "katli") are too close to ordinary words to fuzz.
            let short = k.len < 5;
            if allowed == 0 || short || len_u.abs_diff(k.len) > allowed || (k.head && n > 1) {
                continue;
            }
            let d = strsim::osa_distance(key, &k.text);
            if d == 0 || d > allowed {
                continue;
            }
            let d = i32::try_from(d).unwrap_or(i32::MAX / 8);
            best.offer(4 * (len - 2 * d) - if k.head { 2 } else { 0 }, k.item, n);
        }
    }
}

/// Appends `n` in digits, folded the way names are ("500" → "50").
fn push_number(n: u64, buf: &mut String) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + u8::try_from(n % 10).unwrap_or(0);
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    fold(std::str::from_utf8(&digits[at..]).unwrap_or(""), buf);
}

/// A name with its size taken off ("Atta 5 kg" → "Atta", "Veg Momos (Plate)" → "Veg
/// Momos"): a trailing amount with its unit, or a bracket holding only size words. A bare
/// container word stays ("Gift Box" is its own name).
fn without_size(phrase: &str) -> Option<&str> {
    // A number in digits or words ("1", "half"), or a unit ("kg", "500ml", "Bunch").
    let amount = |w: &str| {
        let w = w.to_lowercase();
        w.chars().all(|c| c.is_ascii_digit() || c == '.') || words::number_word(&w).is_some()
    };
    let is_size = |w: &str| {
        let unit = w.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
        amount(w) || words::unit(&unit.to_lowercase()).is_some()
    };
    let trimmed = phrase.trim_end();
    let bare = if let Some(inner) = trimmed.strip_suffix(')') {
        let open = inner.rfind('(')?;
        let mut ws = inner[open + 1..].split_whitespace();
        ws.all(is_size).then(|| &inner[..open])?
    } else {
        let (mut rest, mut number) = (trimmed, false);
        while let Some((before, w)) = rest.rsplit_once(char::is_whitespace) {
            if w.is_empty() || !is_size(w) {
                break;
            }
            number |= amount(w) || w.starts_with(|c: char| c.is_ascii_digit());
            rest = before.trim_end();
        }
        if !number {
            return None;
        }
        rest
    };
    let bare = bare.trim_end_matches(|c: char| !c.is_alphanumeric());
    (!bare.is_empty()).then_some(bare)
}

fn push_unique(v: &mut Vec<u32>, id: u32) {
    if !v.contains(&id) {
        v.push(id);
    }
}

#[cfg(test)]
mod tests {
    use super::super::index::ProductIndex;
    use super::*;

    fn folded(w: &str) -> String {
        let mut s = String::new();
        fold(w, &mut s);
        s
    }

    fn skus(text: &str) -> Option<(Vec<String>, usize)> {
        let cat =
            ProductIndex::from_csv(include_str!("../../tests/data/sweetshop-catalog.csv")).ok()?;
        let ws: Vec<String> = text.split(' ').map(folded).collect();
        let words: Vec<Word> = text
            .split(' ')
            .zip(&ws)
            .map(|(w, f)| Word {
                folded: f,
                known: words::is_known(w),
                num: None,
            })
            .collect();
        let hit = cat.index.find(&words, &mut String::new())?;
        let names = hit.items.iter().map(|&i| cat.sku(i).to_owned()).collect();
        Some((names, hit.words))
    }

    fn one(text: &str) -> Option<String> {
        skus(text)
            .filter(|(s, _)| s.len() == 1)
            .map(|(s, _)| s[0].clone())
    }

    #[test]
    fn folding_meets_spellings() {
        assert_eq!(folded("jalebee"), folded("jalebi"));
        assert_eq!(folded("laddoo"), folded("laddu"));
        assert_eq!(folded("Kalakhand"), folded("kalakand"));
        assert_eq!(folded("katly"), "katli");
    }

    #[test]
    fn exact_names_and_aliases() {
        assert_eq!(skus("kaju katli"), Some((vec!["kaju-katli".into()], 2)));
        assert_eq!(one("patisa").as_deref(), Some("soan-papdi"));
        assert_eq!(one("gulab jamoon").as_deref(), Some("gulab-jamun"));
        assert_eq!(one("barfi").as_deref(), Some("mawa-barfi"));
        assert_eq!(one("gift boxes").as_deref(), Some("dry-fruit-box"));
    }

    #[test]
    fn fuzzy_slips() {
        assert_eq!(one("jalbi").as_deref(), Some("jalebi"));
        assert_eq!(one("gulab jamn").as_deref(), Some("gulab-jamun"));
        assert_eq!(one("rasmalae").as_deref(), Some("rasmalai"));
        assert_eq!(one("kaju katle").as_deref(), Some("kaju-katli"));
        assert_eq!(one("lassi"), None);
        assert_eq!(one("pizza"), None);
    }

    #[test]
    fn shared_word_is_ambiguous() {
        let (s, _) = skus("laddu").unwrap_or_default();
        assert_eq!(
            s,
            vec!["motichoor-laddu".to_string(), "besan-laddu".to_string()]
        );
    }

    #[test]
    fn equal_slips_stay_ambiguous() {
        let item = |sku: &str, name: &str| IndexedProduct {
            sku: sku.into(),
            name: name.into(),
            unit: super::super::Unit::Pc,
            category: String::new(),
            aliases: Vec::new(),
            variants: Vec::new(),
        };
        let cat = ProductIndex::new(vec![item("a", "Chamcham"), item("b", "Chomchom")]);
        let words = [Word {
            folded: "chumchum",
            known: false,
            num: None,
        }];
        let hit = cat.index.find(&words, &mut String::new());
        assert_eq!(hit.map(|h| h.items), Some(vec![0, 1]));
    }

    #[test]
    fn a_trailing_word_is_not_swallowed() {
        assert_eq!(skus("jalebi do").map(|h| h.1), Some(1));
    }
}
