//! Reads the order lines of a whole message clause by clause, then lets later clauses
//! correct ("nahi, 2 kg kar do") or add to ("6 piece alag se") the line before.

use super::assemble::{self, Raw, RawKind};
use super::clauses::Clause;
use super::elements::{self, El, Kind, Scratch};
use super::index::ProductIndex;
use super::lexer::{Lexed, Tok};
use super::numbers::{QUnit, Qty};
use super::pairing;
use super::words;
use super::UnclearReason;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineKind {
    Item {
        item: u32,
        qty: u32,
    },
    Unclear {
        items: Vec<u32>,
        reason: UnclearReason,
    },
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub kind: LineKind,
    /// Byte span of the line's own words as written: its amount and product name (or, for an
    /// unknown, the name), never the whole clause, so a reading is as small as what it reads.
    pub span: (usize, usize),
    /// The line came with an amount, even one that could not be read for sure.
    pub qty_given: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub lines: Vec<Line>,
    /// Byte spans of delivery and packing notes, in message order.
    pub notes: Vec<(usize, usize)>,
    /// A product came up in a question rather than as something to send.
    pub asked: bool,
    /// An unknown product came with a real unit ("1 kg rabri"), a sure sign of an order.
    pub unknown_with_unit: bool,
    /// Each clause's elements once paired, kept only for `explain` (see `parse_with`).
    pub elements: Vec<Vec<El>>,
    /// The products the message names for sure (`mentions`), noted as each clause is built.
    pub mentions: Vec<super::Mention>,
}

/// What the words of one clause signal.
#[derive(Debug, Default, Clone, Copy)]
struct Flags {
    first_neg: Option<usize>,
    last_neg: Option<usize>,
    correction: bool,
    additive: bool,
    talk: bool,
    note: bool,
}

impl Flags {
    fn scan(lx: &Lexed, c: &Clause) -> Self {
        let mut f = Flags::default();
        for i in (c.start..c.end).filter(|&i| lx.is_word(i)) {
            let w = lx.low(i);
            if words::is_negation(w) {
                f.first_neg.get_or_insert(i);
                f.last_neg = Some(i);
            }
            f.correction |= words::is_correction(w);
            f.additive |= words::is_additive(w);
            f.talk |= words::is_talk(w);
            f.note |= is_cue(w);
        }
        f
    }
}

/// Reads clauses one after another; a clause of bare "no" / "sorry" makes the next
/// one a correction.
struct Reader<'a> {
    cat: &'a ProductIndex,
    lx: &'a Lexed,
    raws: Vec<Raw>,
    out: Parsed,
    pending_fix: bool,
    /// Keep each clause's paired elements in `out.elements`.
    keep: bool,
}

/// One clause as the emitter needs it.
struct ClauseView<'c> {
    c: &'c Clause,
    index: usize,
    flags: Flags,
    /// The clause fixes an earlier line rather than adding a new one.
    correction: bool,
}

/// Reads the lines of all `clauses`; with `keep`, also keeps each clause's paired elements,
/// so `explain` shows the very elements the lines were read from.
pub(crate) fn parse(cat: &ProductIndex, lx: &Lexed, clauses: &[Clause], keep: bool) -> Parsed {
    let mut r = Reader {
        cat,
        lx,
        raws: Vec::new(),
        out: Parsed::default(),
        pending_fix: false,
        keep,
    };
    let mut scratch = Scratch {
        words: Vec::with_capacity(8),
        key: String::with_capacity(32),
        collapsed: String::with_capacity(16),
    };
    for (index, c) in clauses.iter().enumerate() {
        r.clause(index, c, &mut scratch);
    }
    r.out.lines = assemble::assemble(cat, r.raws);
    r.out
}

impl<'a> Reader<'a> {
    fn clause(&mut self, index: usize, c: &Clause, scratch: &mut Scratch<'a>) {
        let lx = self.lx;
        let mut els = elements::build(self.cat, lx, c, scratch);
        super::mentions::note(&mut self.out.mentions, self.cat, lx, c, &els);
        let packs = elements::packing(lx, c, &mut els);
        elements::qualify(&mut els);
        let gap = |a: usize, b: usize| {
            (a..b)
                .filter(|&i| lx.is_word(i) && !words::is_filler(lx.low(i)))
                .count()
        };
        pairing::pair(&mut els, &gap);
        if self.keep {
            self.out.elements.push(els.clone());
        }
        let mut flags = Flags::scan(lx, c);
        flags.correction |= std::mem::take(&mut self.pending_fix);
        let first_el = els.first().map_or(usize::MAX, |e| e.t0);
        let correction = flags.correction || flags.first_neg.is_some_and(|n| n < first_el);
        let cv = ClauseView {
            c,
            index,
            flags,
            correction,
        };
        let before = self.raws.len();
        for e in &els {
            self.emit(&cv, e, &els);
        }
        self.pending_fix = els.is_empty() && (flags.first_neg.is_some() || flags.correction);
        if !c.question {
            let spans = packs.iter().map(|&(a, b)| lx.range_span(a, b));
            self.out.notes.extend(spans);
        }
        let ordered = self.raws.len() > before;
        note(lx, &cv, &els, &packs, ordered, &mut self.out.notes);
    }

    fn push(&mut self, cv: &ClauseView, kind: RawKind, span: (usize, usize), qty_given: bool) {
        self.raws.push(Raw {
            kind,
            span,
            qty_given,
            clause: cv.index,
            correction: cv.correction,
            additive: cv.flags.additive || cv.c.conj,
        });
    }

    fn emit(&mut self, cv: &ClauseView, e: &El, els: &[El]) {
        let lx = self.lx;
        let with = e.partner.and_then(|p| els.get(p));
        let span = own_span(lx, e, with);
        let partner = with.and_then(El::qty);
        let negated = cv.flags.last_neg.is_some_and(|n| n > e.t0)
            || e.t0
                .checked_sub(1)
                .is_some_and(|p| words::is_negation(lx.low(p)));
        match (&e.kind, partner) {
            (Kind::N(items), Some(q)) if !negated => {
                let kind = RawKind::Line(with_qty(self.cat, items, &q));
                self.push(cv, kind, span, true);
            }
            // "aashirvaad atta 5 kg": a name written with its size asks for one of it.
            (Kind::N(items), None) if e.sized && !negated && !cv.c.question => {
                let one = Qty {
                    milli: 1000,
                    ..Qty::default()
                };
                self.push(
                    cv,
                    RawKind::Line(with_qty(self.cat, items, &one)),
                    span,
                    true,
                );
            }
            (Kind::N(items), None) => self.bare_mention(cv, items, negated, span),
            (Kind::U, Some(q)) if !negated && !cv.c.question => {
                self.out.unknown_with_unit |= q.unit != QUnit::None;
                let name = lx.range_span(e.t0, e.t1);
                self.push(cv, RawKind::Line(LineKind::Unknown), name, true);
            }
            // A list item naming only something unknown ("- paneer") asks for it too.
            (Kind::U, None) if std::ptr::eq(e, &els[0]) && listed_unknown(cv, els) => {
                let last = els.last().map_or(e.t1, |x| x.t1);
                let name = lx.range_span(e.t0, last);
                self.push(cv, RawKind::Line(LineKind::Unknown), name, false);
            }
            (Kind::Q(q), _) if e.partner.is_none() && !q.unit_only && !q.word_only => {
                self.push(cv, RawKind::Orphan(*q), span, true);
            }
            _ => {}
        }
    }

    /// A product named without an amount: unclear when asked for, nothing when it is
    /// negated, talked about or asked about.
    fn bare_mention(
        &mut self,
        cv: &ClauseView,
        items: &[u32],
        negated: bool,
        span: (usize, usize),
    ) {
        let refused = negated || cv.flags.first_neg.is_some();
        if cv.c.question && !negated {
            self.out.asked = true;
        }
        if !(refused || cv.flags.talk || cv.c.question) {
            self.push(cv, RawKind::Line(no_qty(items)), span, false);
        } else if let ([id], false) = (items, refused) {
            self.push(cv, RawKind::Mention(*id), span, false);
        }
    }
}

/// The bytes of an element and the amount paired with it, whichever comes first.
fn own_span(lx: &Lexed, e: &El, partner: Option<&El>) -> (usize, usize) {
    let (t0, t1) = partner.map_or((e.t0, e.t1), |p| (e.t0.min(p.t0), e.t1.max(p.t1)));
    lx.range_span(t0, t1)
}

/// A list item of nothing but unknown words, and no instruction among them.
fn listed_unknown(cv: &ClauseView, els: &[El]) -> bool {
    cv.c.listed && !cv.flags.note && els.iter().all(|x| x.kind == Kind::U)
}

fn with_qty(cat: &ProductIndex, items: &[u32], q: &Qty) -> LineKind {
    match items {
        [id] => assemble::resolve(cat, *id, &cat.in_pieces(*id, q)),
        _ => LineKind::Unclear {
            items: items.to_vec(),
            reason: UnclearReason::Ambiguous,
        },
    }
}

fn no_qty(items: &[u32]) -> LineKind {
    let reason = if items.len() > 1 {
        UnclearReason::Ambiguous
    } else {
        UnclearReason::NoQuantity
    };
    LineKind::Unclear {
        items: items.to_vec(),
        reason,
    }
}

/// A note is a clause of instructions that ordered nothing, or the instruction words
/// trailing an order line ("1 kg kaju katli gift wrap please").
fn note(
    lx: &Lexed,
    cv: &ClauseView,
    els: &[El],
    packs: &[(usize, usize)],
    ordered: bool,
    notes: &mut Vec<(usize, usize)>,
) {
    let c = cv.c;
    if !cv.flags.note || c.question {
        return;
    }
    if !ordered && packs.is_empty() {
        notes.push(lx.range_span(c.start, c.end));
        return;
    }
    // Words trailing an unknown line describe it ("1 family pack"), not the order.
    if els.iter().any(|e| e.kind == Kind::U && e.partner.is_some()) {
        return;
    }
    let used = els
        .iter()
        .filter(|e| match e.kind {
            Kind::N(_) => true,
            Kind::Q(q) => e.partner.is_some() || !(q.unit_only || q.word_only),
            _ => false,
        })
        .map(|e| e.t1);
    let mut tail = used
        .chain(packs.iter().map(|p| p.1))
        .max()
        .unwrap_or(c.start);
    while tail < c.end && !(lx.is_word(tail) && is_cue(lx.low(tail))) && lead_filler(lx, tail) {
        tail += 1;
    }
    if (tail..c.end).any(|i| lx.is_word(i) && is_cue(lx.low(i))) {
        notes.push(lx.range_span(tail, c.end));
    }
}

/// Request words and stray symbols between an order line and its instruction; a
/// preposition or a number starts the instruction ("at 5pm").
fn lead_filler(lx: &Lexed, i: usize) -> bool {
    match lx.kind(i) {
        Tok::Word => {
            let w = lx.low(i);
            words::is_filler(w)
                && !matches!(w, "at" | "by" | "on" | "in" | "till" | "until" | "tak")
        }
        Tok::Num(_) => false,
        _ => true,
    }
}

/// "alag se" after an add-on is part of the amount, not an instruction.
fn is_cue(w: &str) -> bool {
    words::is_note_cue(w) && !words::is_additive(w)
}
