//! Turns one clause into a row of elements (quantity, product, unknown name), drops
//! packing wishes and lets a qualifier ("(besan wale)") settle an ambiguous product.

use super::clauses::Clause;
use super::index::ProductIndex;
use super::lexer::{Lexed, Tok};
use super::matcher::Word;
use super::numbers::{self, QUnit, Qty, Read};
use super::words::{self, NumKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Q(Qty),
    /// Candidate products; more than one means the name fits several equally.
    N(Vec<u32>),
    /// Words that look like a product the shop does not sell.
    U,
    /// Merged into a neighbour or dropped.
    Gone,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct El {
    pub kind: Kind,
    pub t0: usize,
    pub t1: usize,
    pub partner: Option<usize>,
    pub bracket: bool,
    /// Other products a one-word name could also mean (see `Hit::alts`).
    pub alts: Vec<u32>,
    /// The name was written with its size ("aashirvaad atta 5 kg"): one of it.
    pub sized: bool,
}

impl El {
    fn new(kind: Kind, t0: usize, t1: usize, lx: &Lexed) -> Self {
        El {
            kind,
            t0,
            t1,
            partner: None,
            bracket: lx.bracket(t0),
            alts: Vec::new(),
            sized: false,
        }
    }

    pub(crate) fn qty(&self) -> Option<Qty> {
        match self.kind {
            Kind::Q(q) => Some(q),
            _ => None,
        }
    }
}

/// Scratch space reused across clauses of one message.
pub(crate) struct Scratch<'a> {
    pub words: Vec<Word<'a>>,
    pub key: String,
    pub collapsed: String,
}

pub(crate) fn build<'a>(
    cat: &ProductIndex,
    lx: &'a Lexed,
    c: &Clause,
    s: &mut Scratch<'a>,
) -> Vec<El> {
    let mut els = Vec::new();
    let mut i = c.start;
    while i < c.end {
        if !matches!(lx.kind(i), Tok::Num(_) | Tok::Op | Tok::Word) {
            i += 1;
            continue;
        }
        let names = |j: usize| names_product(cat, lx, c, j);
        if let Some(next) = quantity(lx, c, i, &names, &mut els) {
            i = next;
        } else if let Some(next) = product(cat, lx, c, i, s, &mut els) {
            i = next;
        } else {
            unknown_word(lx, i, s, &mut els);
            i += 1;
        }
    }
    els
}

fn quantity(
    lx: &Lexed,
    c: &Clause,
    i: usize,
    names: numbers::Names,
    els: &mut Vec<El>,
) -> Option<usize> {
    if lx.is_word(i) {
        let w = lx.low(i);
        if words::number_word(w).is_none() && words::unit(w).is_none() {
            return None;
        }
    }
    match numbers::read(lx, i, c.end, names) {
        Read::Qty(q, j) => {
            let prev = i.checked_sub(1).map_or("", |p| lx.low(p));
            let labelled = i
                .checked_sub(1)
                .is_some_and(|p| matches!(lx.kind(p), Tok::Hash | Tok::Slash))
                || words::is_number_label(prev);
            let next = if j < c.end { lx.low(j) } else { "" };
            // "bhej do", "do you have": the verb, not two.
            let verb_do = q.hindi_do && (words::is_do_verb(prev) || words::is_filler(next));
            // "kitne rupay kilo": a rate, not an amount.
            let rate = q.unit_only && words::is_time_or_money(prev);
            if !labelled && !verb_do && !rate {
                els.push(El::new(Kind::Q(q), i, j, lx));
            }
            Some(j)
        }
        Read::Skip(j) => Some(j),
        Read::Nothing if lx.is_word(i) => None,
        Read::Nothing => Some(i + 1),
    }
}

/// The shop's catalog comes first: a number or unit word at `j` that begins one of its
/// product names ("pav" at a bakery, "pav bhaji") is that product, unless a unit or
/// "bhar" after it makes it an amount ("pav kilo", "paav bhar").
fn names_product(cat: &ProductIndex, lx: &Lexed, c: &Clause, j: usize) -> bool {
    if !lx.is_word(j) || !cat.index.starts_with(lx.folded(j)) {
        return false;
    }
    let next = if j + 1 < c.end { lx.low(j + 1) } else { "" };
    if words::unit(next).is_some() || words::is_amount_suffix(next) {
        return false;
    }
    let ws: Vec<Word> = (j..c.end.min(j + 6))
        .take_while(|&k| lx.is_word(k))
        .map(|k| Word {
            folded: lx.folded(k),
            known: words::is_known(lx.low(k)),
            num: None,
        })
        .collect();
    cat.index.find(&ws, &mut String::new()).is_some()
}

fn product<'a>(
    cat: &ProductIndex,
    lx: &'a Lexed,
    c: &Clause,
    i: usize,
    s: &mut Scratch<'a>,
    els: &mut Vec<El>,
) -> Option<usize> {
    s.words.clear();
    let mut j = i;
    while j < c.end && s.words.len() < 6 && lx.bracket(j) == lx.bracket(i) {
        let sized = j > i && cat.index.has_digits;
        let num = match lx.kind(j) {
            // A sized name ("atta 5 kg", "gold ek litre") goes on through its number.
            Tok::Num(v) if sized && v % 1000 == 0 => Some(v / 1000),
            Tok::Word if sized => words::number_word(lx.low(j))
                .filter(|n| n.0 % 1000 == 0 && n.1 != NumKind::Paav)
                .map(|n| n.0 / 1000),
            Tok::Word => None,
            _ => break,
        };
        let low = lx.low(j);
        s.words.push(Word {
            folded: words::unit_spelling(low).unwrap_or(lx.folded(j)),
            known: num.is_some() || words::is_known(low),
            num,
        });
        j += 1;
    }
    let hit = cat.index.find(&s.words, &mut s.key)?;
    let end = i + hit.words;
    let sized = s.words.iter().take(hit.words).any(|w| w.num.is_some());
    els.push(El {
        alts: hit.alts,
        sized,
        ..El::new(Kind::N(hit.items), i, end, lx)
    });
    Some(end)
}

fn unknown_word(lx: &Lexed, i: usize, s: &mut Scratch, els: &mut Vec<El>) {
    let w = lx.low(i);
    words::collapse(w, &mut s.collapsed);
    let content = w.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && !words::is_known(w)
        && words::greeting(&s.collapsed).is_none();
    if !content {
        return;
    }
    match els.last_mut() {
        Some(last) if last.kind == Kind::U && last.t1 == i => last.t1 = i + 1,
        _ => els.push(El::new(Kind::U, i, i + 1, lx)),
    }
}

/// "12 wale 2 packet": a bare number with "wala" right before a count of boxes names the box,
/// and the boxes are what is ordered, so the number goes.
fn pack_size(lx: &Lexed, c: &Clause, els: &mut Vec<El>) {
    let mut k = 0;
    while k + 1 < els.len() {
        let (this, next) = (&els[k], &els[k + 1]);
        let wala = this.t1 < c.end
            && matches!(lx.low(this.t1), "wala" | "wale" | "wali" | "vala" | "vale");
        let sized = this.qty().is_some_and(|q| q.unit == QUnit::None)
            && wala
            && next.t0 == this.t1 + 1
            && next.qty().is_some_and(|q| q.boxed);
        if sized {
            els.remove(k);
        } else {
            k += 1;
        }
    }
}

/// Removes packing wishes ("in 2 boxes of 500g", "1-1 kg ke dabbe", "2 dabbe mein")
/// and returns their token ranges: they say how to pack, not how much.
pub(crate) fn packing(lx: &Lexed, c: &Clause, els: &mut Vec<El>) -> Vec<(usize, usize)> {
    pack_size(lx, c, els);
    let mut spans = Vec::new();
    let mut k = 0;
    while k < els.len() {
        let (t0, t1) = (els[k].t0, els[k].t1);
        let Some(q) = els[k].qty() else {
            k += 1;
            continue;
        };
        let prev = if t0 > c.start { lx.low(t0 - 1) } else { "" };
        let next = if t1 < c.end { lx.low(t1) } else { "" };
        let into = q.boxed && !q.unit_only && matches!(prev, "in" | "into" | "as");
        let inside = q.boxed && !q.unit_only && matches!(next, "mein" | "me" | "main");
        let each = q.distributive && q.unit != QUnit::None;
        if !(into || inside || each) {
            k += 1;
            continue;
        }
        let mut end = t1;
        while end < c.end && is_packing_word(lx.low(end)) {
            end += 1;
        }
        // The wish runs to the end of the clause ("4 dabbe mein pack karna").
        spans.push((if into { t0 - 1 } else { t0 }, c.end));
        els.remove(k);
        while els.get(k).is_some_and(|e| e.t0 < end) {
            els.remove(k);
        }
    }
    spans
}

fn is_packing_word(w: &str) -> bool {
    matches!(
        w,
        "ke" | "ka" | "ki" | "wale" | "wala" | "mein" | "me" | "main" | "each" | "alag"
    ) || words::unit(w) == Some(QUnit::Box)
}

/// Lets a second, unambiguous name in brackets or right beside an ambiguous one pick
/// among its candidates ("laddu 1 kg (besan wale)", "besan wale laddu", "barfi (kaju
/// wali)").
pub(crate) fn qualify(els: &mut Vec<El>) {
    for k in 0..els.len() {
        let Kind::N(cands) = &els[k].kind else {
            continue;
        };
        if cands.len() < 2 && els[k].alts.is_empty() {
            continue;
        }
        let pool: Vec<u32> = cands.iter().chain(&els[k].alts).copied().collect();
        let own = (cands.len() == 1).then(|| cands[0]);
        let pick = els.iter().enumerate().find_map(|(m, e)| match &e.kind {
            Kind::N(one)
                if m != k
                    && one.len() == 1
                    && Some(one[0]) != own
                    && pool.contains(&one[0])
                    && (e.bracket != els[k].bracket || m.abs_diff(k) == 1) =>
            {
                Some((m, one[0]))
            }
            _ => None,
        });
        if let Some((m, id)) = pick {
            els[k].kind = Kind::N(vec![id]);
            els[m].kind = Kind::Gone;
        }
    }
    // A restatement of the product right before it ("mix namkeen", "kaju katli (kaju
    // barfi)") is the same line.
    for k in 1..els.len() {
        let (a, b) = (&els[k - 1], &els[k]);
        if a.kind == b.kind
            && matches!(b.kind, Kind::N(_))
            && (a.bracket != b.bracket || a.t1 == b.t0)
        {
            els[k - 1].t1 = els[k].t1;
            els[k].kind = Kind::Gone;
        }
    }
    els.retain(|e| e.kind != Kind::Gone);
}
