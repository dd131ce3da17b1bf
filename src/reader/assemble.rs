//! Puts a message's clause readings together in order: sums and corrections of the
//! same product, and bare amounts that change the line before ("nahi, 2 kg kar do").

use super::index::ProductIndex;
use super::lines::{Line, LineKind};
use super::numbers::{self, Qty};
use super::UnclearReason;

pub(crate) enum RawKind {
    Line(LineKind),
    /// An amount with no product of its own.
    Orphan(Qty),
    /// A product only talked or asked about: no line, but a bare amount right after
    /// it ("jalebi was good, send 2 kg more") is for it.
    Mention(u32),
}

/// One reading of a clause element, before the message is put together.
pub(crate) struct Raw {
    pub kind: RawKind,
    pub span: (usize, usize),
    pub qty_given: bool,
    pub clause: usize,
    /// The clause corrects what came before ("sorry", "nahi", "make it").
    pub correction: bool,
    /// The clause adds to what came before ("aur", "alag se", "extra").
    pub additive: bool,
}

/// The line's one product, if it has exactly one.
fn single(kind: &LineKind) -> Option<u32> {
    match kind {
        LineKind::Item { item, .. } => Some(*item),
        LineKind::Unclear { items, .. } if items.len() == 1 => Some(items[0]),
        _ => None,
    }
}

/// An amount read for product `id`: an item, or unclear with the reason.
pub(crate) fn resolve(cat: &ProductIndex, id: u32, q: &Qty) -> LineKind {
    let Some(item) = cat.item(id) else {
        return LineKind::Unknown;
    };
    match numbers::resolve(q, item.unit, cat.pack_size(id, q.pack)) {
        Ok(qty) => LineKind::Item { item: id, qty },
        Err(reason) => LineKind::Unclear {
            items: vec![id],
            reason,
        },
    }
}

pub(crate) fn assemble(cat: &ProductIndex, raws: Vec<Raw>) -> Vec<Line> {
    let mut out: Vec<(Line, usize)> = Vec::new();
    // The last product only mentioned, and how many lines existed then.
    let mut mention: Option<(u32, usize)> = None;
    // The clause whose correction already replaced a line: it replaces one line only.
    let mut fixed: Option<usize> = None;
    for r in raws {
        match r.kind {
            RawKind::Mention(id) => mention = Some((id, out.len())),
            RawKind::Orphan(q) => match mention.take().filter(|m| m.1 == out.len()) {
                Some((id, _)) => push(&mut out, resolve(cat, id, &q), &r),
                None => orphan(cat, &mut out, &q, &r),
            },
            RawKind::Line(ref kind) if r.correction => {
                if !correct(cat, &mut out, kind, &r, &mut fixed) {
                    push(&mut out, kind.clone(), &r);
                }
            }
            RawKind::Line(ref kind) => push(&mut out, kind.clone(), &r),
        }
    }
    out.into_iter().map(|(l, _)| l).collect()
}

/// A correction replaces the line of the same product, else of the same product in
/// another size ("margherita medium kar do" after "2 large margherita", keeping its
/// amount), else the line just before ("1 kg pineapple cake / nahi nahi, black forest
/// 1 kg"). False when there is nothing it can replace.
fn correct(
    cat: &ProductIndex,
    out: &mut [(Line, usize)],
    kind: &LineKind,
    r: &Raw,
    fixed: &mut Option<usize>,
) -> bool {
    let Some(id) = single(kind) else {
        return false;
    };
    let at = |f: &dyn Fn(u32) -> bool| {
        out.iter()
            .rposition(|(l, _)| single(&l.kind).is_some_and(f))
    };
    if let Some(t) = at(&|o| o == id) {
        out[t].0.kind = kind.clone();
        return true;
    }
    if let Some(t) = at(&|o| kin(cat, o, id)) {
        out[t].0.kind = match (&out[t].0.kind, r.qty_given) {
            (LineKind::Item { qty, .. }, false) => LineKind::Item {
                item: id,
                qty: *qty,
            },
            _ => kind.clone(),
        };
        return true;
    }
    let last = out
        .len()
        .checked_sub(1)
        .filter(|_| r.qty_given && *fixed != Some(r.clause));
    match last.filter(|&t| out[t].1 < r.clause && single(&out[t].0.kind).is_some()) {
        Some(t) => {
            out[t].0.kind = kind.clone();
            out[t].0.span = r.span;
            *fixed = Some(r.clause);
            true
        }
        None => false,
    }
}

/// Two products that are one product in two sizes or kinds: the same name apart from a
/// bracketed qualifier ("Margherita Pizza (Medium)", "Margherita Pizza (Large)"), sold
/// in the same unit.
fn kin(cat: &ProductIndex, a: u32, b: u32) -> bool {
    let base = |n: &str| n.split('(').next().unwrap_or("").trim().to_lowercase();
    match (cat.item(a), cat.item(b)) {
        (Some(x), Some(y)) => {
            a != b && x.unit == y.unit && x.name.contains('(') && base(&x.name) == base(&y.name)
        }
        _ => false,
    }
}

fn push(out: &mut Vec<(Line, usize)>, kind: LineKind, r: &Raw) {
    let line = Line {
        kind,
        span: r.span,
        qty_given: r.qty_given,
    };
    out.push((line, r.clause));
}

/// A quantity with no product of its own changes the last line: replaces it after a
/// correction cue, adds to it after "aur" / "alag se", or fills in a line that had
/// no amount in the clause just before.
fn orphan(cat: &ProductIndex, out: &mut [(Line, usize)], q: &Qty, r: &Raw) {
    let Some(t) = out.iter().rposition(|(l, _)| single(&l.kind).is_some()) else {
        return;
    };
    let Some(id) = single(&out[t].0.kind) else {
        return;
    };
    let fresh = resolve(cat, id, q);
    let follows = out[t].1 + 1 == r.clause;
    let line = &mut out[t].0.kind;
    let changed = match (line, &fresh) {
        (line, _) if r.correction => {
            *line = fresh;
            true
        }
        (LineKind::Item { qty, .. }, LineKind::Item { qty: more, .. }) if r.additive => {
            *qty = qty.saturating_add(*more);
            true
        }
        (
            line @ LineKind::Unclear {
                reason: UnclearReason::NoQuantity,
                ..
            },
            _,
        ) if follows => {
            *line = fresh;
            true
        }
        _ => false,
    };
    out[t].0.qty_given |= changed;
}
