//! Which of a message's lines it really asks for, read from the whole message the way a
//! shopkeeper does: a product taken back out ("batata cancel"), named again without an
//! amount, only asked about ("tomato kitne rupay kilo?"), or only talked about ("kal ke
//! samose thande the") is no order line.

use super::clauses::Clause;
use super::elements::{self, Kind, Scratch};
use super::index::ProductIndex;
use super::intent::Message;
use super::lexer::Lexed;
use super::lines::{Line, LineKind};
use super::words;
use super::UnclearReason;

/// One flag per line: keep it. A line taken out also turns a cancel cue into an edit of
/// this order, so `m.cues.cancel` may be cleared.
pub(crate) fn keep(
    cat: &ProductIndex,
    lx: &Lexed,
    clauses: &[Clause],
    m: &mut Message,
    lines: &[Line],
) -> Vec<bool> {
    let mut keep = vec![true; lines.len()];
    if !m.removals.is_empty() && taken_out(cat, lx, clauses, m, lines, &mut keep) {
        m.cues.cancel = false;
    }
    named_again(lines, &mut keep);
    let (asking, only_talk) = (m.cues.no_request(), m.cues.only_talk());
    let ordered = lines
        .iter()
        .any(|l| l.qty_given && matches!(l.kind, LineKind::Item { .. }));
    for (l, k) in lines.iter().zip(keep.iter_mut()) {
        let Some(c) = m.clause_at(l.span.0).and_then(|c| m.clauses.get(c)) else {
            continue;
        };
        // A question that asks for nothing asks about what it names, whatever amount.
        let asked = asking && c.asks;
        let talked = only_talk && (c.talk || !l.qty_given || !names_goods(lx, l.span));
        let paid = c.paid && l.kind == LineKind::Unknown;
        // "2 kg gajar bhejo, halwa banana hai": beside an order, a name with no amount that
        // something is said of is a remark, not a second line to ask about.
        let remark = ordered && !l.qty_given && !c.asks && said_of(lx, l.span.1);
        m.cues.menu |= *k && asked;
        *k &= !(asked || talked || paid || remark);
    }
    keep
}

/// The line's own words name something, not just an amount ("1 kg mein" after a product
/// talked about is that product's amount, named where it was talked about).
fn names_goods(lx: &Lexed, (a, b): (usize, usize)) -> bool {
    (first_from(lx, a)..lx.len())
        .take_while(|&i| lx.span(i).0 < b)
        .filter(|&i| lx.is_word(i) && lx.span(i).1 <= b)
        .map(|i| lx.low(i))
        .any(|w| words::unit(w).is_none() && words::number_word(w).is_none())
}

/// The first word after byte `end` is "is" ("hai", "aahe").
fn said_of(lx: &Lexed, end: usize) -> bool {
    (first_from(lx, end)..lx.len())
        .find(|&i| lx.is_word(i))
        .is_some_and(|i| words::is_copula(lx.low(i)))
}

/// The first token starting at or after byte `at`. Tokens are in the order of the text, so
/// this is a search, not a scan: a line's checks must not cost the whole message each.
fn first_from(lx: &Lexed, at: usize) -> usize {
    let (mut lo, mut hi) = (0, lx.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if lx.span(mid).0 < at {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The one product a line is for.
fn product(l: &Line) -> Option<u32> {
    match &l.kind {
        LineKind::Item { item, .. } => Some(*item),
        LineKind::Unclear { items, .. } if items.len() == 1 => Some(items[0]),
        _ => None,
    }
}

/// "kanda 3 kg aur batata 2 kg. batata cancel": a product named right next to a cancel or
/// remove phrase, after a line of it, takes that line out. True when a line was.
fn taken_out(
    cat: &ProductIndex,
    lx: &Lexed,
    clauses: &[Clause],
    m: &Message,
    lines: &[Line],
    keep: &mut [bool],
) -> bool {
    let mut scratch = Scratch {
        words: Vec::new(),
        key: String::new(),
        collapsed: String::new(),
    };
    let mut any = false;
    // A clause can hold many removals ("cancel … cancel …"): its elements are built once.
    let mut built: Option<(usize, Vec<elements::El>)> = None;
    for &(ci, t0, t1) in &m.removals {
        let Some(c) = clauses.get(ci) else { continue };
        if built.as_ref().is_none_or(|(at, _)| *at != ci) {
            built = Some((ci, elements::build(cat, lx, c, &mut scratch)));
        }
        let Some((_, els)) = &built else { continue };
        for e in els {
            let Kind::N(items) = &e.kind else { continue };
            let (a, b) = if e.t1 <= t0 { (e.t1, t0) } else { (t1, e.t0) };
            if !(a..b).all(|i| !lx.is_word(i) || words::is_filler(lx.low(i))) {
                continue;
            }
            for (l, k) in lines.iter().zip(keep.iter_mut()) {
                let earlier = m.clause_at(l.span.0).is_some_and(|lc| lc < ci);
                if earlier && product(l).is_some_and(|p| items.contains(&p)) {
                    any |= *k;
                    *k = false;
                }
            }
        }
    }
    any
}

/// A product named without an amount when the message already orders an amount of it
/// ("2 dozen banana ..., banana thode kacche dena") is no second line to ask about.
fn named_again(lines: &[Line], keep: &mut [bool]) {
    let ordered: Vec<u32> = lines
        .iter()
        .zip(keep.iter())
        .filter(|(l, k)| **k && matches!(l.kind, LineKind::Item { .. }))
        .filter_map(|(l, _)| product(l))
        .collect();
    for (l, k) in lines.iter().zip(keep.iter_mut()) {
        let bare = matches!(
            l.kind,
            LineKind::Unclear {
                reason: UnclearReason::NoQuantity,
                ..
            }
        );
        if bare && product(l).is_some_and(|p| ordered.contains(&p)) {
            *k = false;
        }
    }
}
