//! Pairs each quantity with the product (or unknown name) it belongs to, reading the
//! clause the way it is written: "2 kg jalebi" looks right, "jalebi 2 kg" looks left.

use super::elements::{El, Kind};
use super::numbers::{self, QUnit, Qty};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Fwd,
    Back,
}

/// Pairs quantities in place; `gap(a, b)` counts the meaningful words between token
/// `a` and token `b`, so a quantity can go to the nearer of two products.
pub(crate) fn pair(els: &mut [El], gap: &dyn Fn(usize, usize) -> usize) {
    // The clause's style is set by what comes first: a quantity or a name.
    let prefix = els
        .iter()
        .find(|e| !e.qty().is_some_and(|q| q.unit_only))
        .is_some_and(|e| e.qty().is_some());
    let dirs = if prefix {
        [Dir::Fwd, Dir::Back]
    } else {
        [Dir::Back, Dir::Fwd]
    };
    nearest(els, gap);
    for d in dirs {
        pass(els, d, false);
    }
    for d in dirs {
        bridge(els, d);
    }
    absorb(els);
    for d in dirs {
        pass(els, d, true);
    }
}

fn neighbour(i: usize, d: Dir, step: usize) -> Option<usize> {
    match d {
        Dir::Fwd => i.checked_add(step),
        Dir::Back => i.checked_sub(step),
    }
}

fn free_q(e: &El) -> Option<Qty> {
    e.qty().filter(|_| e.partner.is_none())
}

fn link(els: &mut [El], a: usize, b: usize) {
    els[a].partner = Some(b);
    els[b].partner = Some(a);
}

/// A number word counts only right before its product ("ek dabba", "two samosa").
fn fits(q: &Qty, target: &El, d: Dir, unknown: bool) -> bool {
    if target.partner.is_some() || (q.word_only && d == Dir::Back) {
        return false;
    }
    match target.kind {
        Kind::N(_) => !unknown,
        Kind::U => unknown && !q.unit_only && !q.mult_mark && !q.hindi_do,
        _ => false,
    }
}

fn pass(els: &mut [El], d: Dir, unknown: bool) {
    for i in 0..els.len() {
        let Some(q) = free_q(&els[i]) else {
            continue;
        };
        let Some(j) = neighbour(i, d, 1).filter(|&j| j < els.len()) else {
            continue;
        };
        if fits(&q, &els[j], d, unknown) {
            link(els, i, j);
        }
    }
}

/// A quantity between two products goes to the one it sits closer to ("kaju katli ka
/// order cancel karke 2 kg jalebi"); a tie is left to the clause's style.
fn nearest(els: &mut [El], gap: &dyn Fn(usize, usize) -> usize) {
    for i in 1..els.len().saturating_sub(1) {
        let Some(q) = free_q(&els[i]).filter(|q| !q.word_only && !q.unit_only) else {
            continue;
        };
        let (b, f) = (i - 1, i + 1);
        if !fits(&q, &els[b], Dir::Back, false) || !fits(&q, &els[f], Dir::Fwd, false) {
            continue;
        }
        let (gb, gf) = (gap(els[b].t1, els[i].t0), gap(els[i].t1, els[f].t0));
        if gb != gf {
            link(els, i, if gb < gf { b } else { f });
        }
    }
}

/// "1 kg fresh kaju katli": one stray word between a quantity and a product it would
/// otherwise miss is an adjective, not an unknown product.
fn bridge(els: &mut [El], d: Dir) {
    for i in 0..els.len() {
        let Some(q) = free_q(&els[i]) else {
            continue;
        };
        let (Some(m), Some(j)) = (neighbour(i, d, 1), neighbour(i, d, 2)) else {
            continue;
        };
        if j >= els.len() || els[m].kind != Kind::U || els[m].t1 - els[m].t0 != 1 {
            continue;
        }
        if fits(&q, &els[j], d, false) {
            link(els, i, j);
            els[m].kind = Kind::Gone;
        }
    }
}

/// Folds a leftover "box" or "x2" beside an already paired product into its amount
/// ("2x gulab jamun box" is two boxes), and "500 gm 2 packet" or "1 kg 250 gm" into
/// one amount.
fn absorb(els: &mut [El]) {
    for i in 0..els.len() {
        let Some(q) = free_q(&els[i]) else {
            continue;
        };
        for d in [Dir::Back, Dir::Fwd] {
            let Some(n) = neighbour(i, d, 1).filter(|&n| n < els.len()) else {
                continue;
            };
            let Some(p) = owner_q(els, n) else {
                continue;
            };
            let Some(pq) = els[p].qty() else {
                continue;
            };
            let merged = if multiplies(&q, &pq) || boxes_of(&q, &pq) {
                Some(numbers::mul(pq, q))
            } else if p == n && pq.unit != q.unit {
                numbers::add_weights(pq, q)
            } else {
                None
            };
            if let Some(m) = merged {
                els[p].kind = Kind::Q(m);
                els[i].kind = Kind::Gone;
                break;
            }
        }
    }
}

/// The paired quantity at or behind element `n`: the partner of a paired product, or
/// `n` itself when it is a quantity paired with a product.
fn owner_q(els: &[El], n: usize) -> Option<usize> {
    let partner = els[n].partner?;
    match els[n].kind {
        Kind::N(_) => Some(partner),
        Kind::Q(_) if matches!(els[partner].kind, Kind::N(_)) => Some(n),
        _ => None,
    }
}

fn multiplies(q: &Qty, pq: &Qty) -> bool {
    q.mult_mark
        || pq.mult_mark
        || (q.unit_only && pq.unit == QUnit::None)
        || (pq.unit_only && q.unit == QUnit::None)
}

/// A count of boxes next to a weight: that many boxes of it.
fn boxes_of(q: &Qty, pq: &Qty) -> bool {
    let weight = |u: QUnit| matches!(u, QUnit::Gram | QUnit::Kg);
    let boxes = |x: &Qty| x.unit == QUnit::Box && !x.unit_only;
    (boxes(q) && weight(pq.unit)) || (boxes(pq) && weight(q.unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(milli: u64, unit: QUnit) -> El {
        el(Kind::Q(Qty {
            milli,
            unit,
            ..Qty::default()
        }))
    }

    fn el(kind: Kind) -> El {
        El {
            kind,
            t0: 0,
            t1: 1,
            partner: None,
            bracket: false,
            alts: Vec::new(),
            sized: false,
        }
    }

    fn n(id: u32) -> El {
        el(Kind::N(vec![id]))
    }

    #[test]
    fn prefix_and_suffix_styles() {
        // "500g kaju 500g besan"
        let mut e = vec![q(500, QUnit::Gram), n(1), q(500, QUnit::Gram), n(2)];
        pair(&mut e, &|_, _| 0);
        assert_eq!((e[0].partner, e[2].partner), (Some(1), Some(3)));
        // "gulab jaman 10 rasgolla 10"
        let mut e = vec![n(1), q(10, QUnit::None), n(2), q(10, QUnit::None)];
        pair(&mut e, &|_, _| 0);
        assert_eq!((e[1].partner, e[3].partner), (Some(0), Some(2)));
    }

    #[test]
    fn products_win_over_unknowns() {
        // "lassi 2 samosa": the 2 could go either way; the product takes it.
        let mut e = vec![el(Kind::U), q(2000, QUnit::None), n(1)];
        pair(&mut e, &|_, _| 0);
        assert_eq!(e[1].partner, Some(2));
        assert_eq!(e[0].partner, None);
    }

    #[test]
    fn box_after_multiplier_multiplies() {
        let mut x2 = q(2000, QUnit::None);
        if let Kind::Q(ref mut qq) = x2.kind {
            qq.mult_mark = true;
        }
        let mut bx = q(1000, QUnit::Box);
        if let Kind::Q(ref mut qq) = bx.kind {
            qq.unit_only = true;
        }
        let mut e = vec![x2, n(1), bx];
        pair(&mut e, &|_, _| 0);
        let got = e[0].qty().map(|q| (q.milli, q.unit));
        assert_eq!(got, Some((2000, QUnit::Box)));
        assert_eq!(e[2].kind, Kind::Gone);
    }
}
