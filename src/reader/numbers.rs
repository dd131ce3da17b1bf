//! The quantity grammar: digits, fractions, Hindi and English number words, weight,
//! piece, box and dozen units and `x 2` multipliers, and what they mean per product.

use super::index::Unit;
use super::lexer::{Lexed, Tok};
use super::words::{self, NumKind};
use super::UnclearReason;
use crate::domain::limits::max_line_amount;

/// Ceiling for any count in thousandths; products of two capped values still fit u64
/// through saturating_mul, and no shop line comes near it.
const CAP: u64 = 1_000_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum QUnit {
    #[default]
    None,
    Gram,
    Kg,
    Piece,
    Box,
    Dozen,
    Liquid,
}

/// What a container or serving word names, read from the vocabulary ("judi" is a bunch,
/// "peti" a box); the catalog's variant labels say how much each holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Pack {
    #[default]
    Box,
    Bag,
    Tray,
    Ladi,
    Bunch,
    Plate,
    Packet,
    Cup,
}

impl Pack {
    /// A bunch, plate, packet or cup of a product sold by the piece is one piece of it
    /// when the catalog lists no such variant; a box or bag could hold any number.
    pub(crate) fn counts_pieces(self) -> bool {
        matches!(self, Pack::Bunch | Pack::Plate | Pack::Packet | Pack::Cup)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Qty {
    /// The count in thousandths of `unit`.
    pub milli: u64,
    pub unit: QUnit,
    /// "2x" with nothing after it: multiplies whatever the product's other side says.
    pub mult_mark: bool,
    /// A unit word with no number ("gulab jamun box"): one of it.
    pub unit_only: bool,
    /// A number word with no unit: a count only right before a product.
    pub word_only: bool,
    pub hindi_do: bool,
    /// A box word took part, which is what packing wishes are made of.
    pub boxed: bool,
    /// Which container a `QUnit::Box` amount counts.
    pub pack: Pack,
    /// "1-1 kg": so much each, a packing wish rather than an amount.
    pub distributive: bool,
}

pub(crate) enum Read {
    Qty(Qty, usize),
    /// A time, price or id: these tokens up to the index carry no quantity.
    Skip(usize),
    Nothing,
}

/// Says whether the word at a token index names one of the shop's products; the
/// catalog comes first, so such a word is never read as an amount ("6 pav" at a bakery).
pub(crate) type Names<'n> = &'n dyn Fn(usize) -> bool;

/// Reads one quantity starting at token `i` (before `end`); on success also returns
/// the index just past it.
pub(crate) fn read(lx: &Lexed, i: usize, end: usize, names: Names) -> Read {
    let (mut q, mut j) = match first(lx, i, end, names) {
        Read::Qty(q, j) => (q, j),
        other => return other,
    };
    // Every extension moves `j` forward, so this ends.
    while let Some((more, k)) = extend(lx, q, j, end, names) {
        (q, j) = (more, k);
    }
    // "paav bhar": the suffix belongs to the amount.
    if q.unit != QUnit::None && j < end && words::is_amount_suffix(lx.low(j)) {
        j += 1;
    }
    Read::Qty(q, j)
}

/// One more piece of the same amount at `j`: "x 2", "ka dabba", "of 500 g".
fn extend(lx: &Lexed, q: Qty, j: usize, end: usize, names: Names) -> Option<(Qty, usize)> {
    if j >= end {
        return None;
    }
    if lx.kind(j) == Tok::Op {
        return Some(match term(lx, j + 1, end, names) {
            Read::Qty(t, k) if !t.unit_only => (mul(q, t), k),
            // "2x gulab jamun box": the multiplier waits for the product's other side.
            _ => (
                Qty {
                    mult_mark: true,
                    ..q
                },
                j + 1,
            ),
        });
    }
    let next_is_box = j + 1 < end && words::unit(lx.low(j + 1)) == Some(QUnit::Box);
    // "2 kg ka dabba": the box is just how the amount comes.
    let amount = q.unit != QUnit::None && !q.unit_only && !q.distributive;
    if amount && next_is_box && matches!(lx.low(j), "ka" | "ke" | "ki" | "wala" | "wale") {
        return Some((Qty { boxed: true, ..q }, j + 2));
    }
    if q.unit == QUnit::Box && lx.low(j) == "of" {
        if let Read::Qty(t, k) = term(lx, j + 1, end, names) {
            return (!t.unit_only).then(|| (of(q, t), k));
        }
    }
    None
}

/// The opening term, which may be a bare multiplier ("x 2", "× 2").
fn first(lx: &Lexed, i: usize, end: usize, names: Names) -> Read {
    if lx.kind(i) != Tok::Op {
        return term(lx, i, end, names);
    }
    match term(lx, i + 1, end, names) {
        Read::Qty(t, k) if !t.unit_only && t.unit == QUnit::None => Read::Qty(
            Qty {
                mult_mark: true,
                word_only: false,
                ..t
            },
            k,
        ),
        _ => Read::Nothing,
    }
}

fn term(lx: &Lexed, i: usize, end: usize, names: Names) -> Read {
    if i >= end {
        return Read::Nothing;
    }
    let mut q = Qty::default();
    let mut j = i + 1;
    let mut needs_unit = false;
    match lx.kind(i) {
        Tok::Num(v) => {
            q.milli = v;
            // "1 ½" and "1 1/2" add up.
            if let Tok::Num(f) = lx.kind(j) {
                if j < end && f < 1000 && v.is_multiple_of(1000) {
                    q.milli += f;
                    j += 1;
                }
            }
            if j + 1 < end && lx.kind(j) == Tok::Dash && matches!(lx.kind(j + 1), Tok::Num(_)) {
                q.distributive = true;
                j += 2;
            }
        }
        Tok::Word if names(i) => return Read::Nothing,
        Tok::Word => match word_term(lx, i, end) {
            Ok((t, k, need)) => {
                (q, j, needs_unit) = (t, k, need);
                if q.unit_only {
                    return Read::Qty(q, j);
                }
            }
            Err(()) => return Read::Nothing,
        },
        _ => return Read::Nothing,
    }
    // "one and a half kg", "2 and a half kilo": the fraction is part of the amount, which then
    // needs its unit as the fraction alone does.
    if let Some((extra, k)) = and_a_fraction(lx, j, end) {
        q.milli = q.milli.saturating_add(extra);
        (q.word_only, q.hindi_do, needs_unit, j) = (false, false, true, k);
    }
    // "half a kg", "half a dozen": the article belongs to the unit after it.
    let article = |k: usize| matches!(words::number_word(lx.low(k)), Some((_, NumKind::Article)));
    if needs_unit && j + 1 < end && article(j) && words::unit(lx.low(j + 1)).is_some() {
        j += 1;
    }
    if q.unit == QUnit::None && j < end && lx.kind(j) == Tok::Word && !names(j) {
        let w = lx.low(j);
        if let Some(u) = words::unit(w) {
            q.unit = u;
            // A liquid amount is kept in litres: "500 ml" is half of one.
            if words::unit_spelling(w) == Some("ml") {
                q.milli /= 1000;
            }
            q.boxed = u == QUnit::Box;
            q.pack = words::pack(w);
            j += 1;
        } else if matches!(words::number_word(w), Some((_, NumKind::Paav))) {
            q.milli = q.milli.saturating_mul(250) / 1000;
            q.unit = QUnit::Kg;
            j = absorb_kg(lx, j + 1, end);
        } else if words::is_time_or_money(w) {
            return Read::Skip(j + 1);
        }
    }
    // "1 kg and 500 g", "2 kilo aur 250 gram": the grams belong to the same amount.
    if q.unit == QUnit::Kg && j + 2 < end && matches!(lx.low(j), "and" | "aur") {
        if let (Tok::Num(g), Some(QUnit::Gram)) = (lx.kind(j + 1), words::unit(lx.low(j + 2))) {
            q.milli = q.milli.saturating_add(g / 1000);
            j += 3;
        }
    }
    if q.unit != QUnit::None {
        q.word_only = false;
        q.hindi_do = false;
    } else if needs_unit {
        return Read::Nothing;
    }
    Read::Qty(q, j)
}

/// "and a half" / "and a quarter" at `j`, after a whole number: what it adds (in thousandths)
/// and where the amount goes on.
fn and_a_fraction(lx: &Lexed, j: usize, end: usize) -> Option<(u64, usize)> {
    if j + 1 >= end || lx.low(j) != "and" {
        return None;
    }
    let k = if matches!(lx.low(j + 1), "a" | "an") {
        j + 2
    } else {
        j + 1
    };
    let extra = match (k < end).then(|| lx.low(k))? {
        "half" => 500,
        "quarter" => 250,
        _ => return None,
    };
    Some((extra, k + 1))
}

/// "sawa do", "saade teen", "paune do": a quarter more, a half more or a quarter less than the
/// whole number after, at `i`; the number, where the amount goes on, and whether it counted
/// hundreds ("sawa sau" is 125, a quarter more than a hundred; "saade teen sau" 350), which
/// need no unit after them.
fn with_fraction_before(lx: &Lexed, i: usize, end: usize) -> Option<(u64, usize, bool)> {
    let delta: i64 = match lx.low(i) {
        "sawa" | "sava" | "savva" | "sawaa" => 250,
        "saade" | "sade" | "saadhe" | "sadhe" | "saare" => 500,
        "paune" | "pone" | "pauney" => -250,
        _ => return None,
    };
    let j = i + 1;
    if j >= end {
        return None;
    }
    let one_and = |whole: i64| u64::try_from(whole.checked_add(delta)?).ok();
    if let Some(h) = hundreds(lx, j, end) {
        return Some((one_and(1000)?.checked_mul(h)? / 1000, j + 1, true));
    }
    let whole = match lx.kind(j) {
        Tok::Num(v) => v,
        Tok::Word => match words::number_word(lx.low(j))? {
            (v, NumKind::Plain | NumKind::HindiDo) => v,
            _ => return None,
        },
        _ => return None,
    };
    // Only before a whole number of two or more ("sawa kilo" is 1¼ on its own).
    if whole < 1000 || !whole.is_multiple_of(1000) {
        return None;
    }
    let v = one_and(i64::try_from(whole).ok()?)?;
    match hundreds(lx, j + 1, end) {
        Some(h) => Some((v.checked_mul(h)? / 1000, j + 2, true)),
        None => Some((v, j + 1, false)),
    }
}

/// A number word or a lone unit word at `i`; the flag says a unit must follow.
fn word_term(lx: &Lexed, i: usize, end: usize) -> Result<(Qty, usize, bool), ()> {
    let w = lx.low(i);
    let mut q = Qty::default();
    if let Some((v, j, hundreds)) = with_fraction_before(lx, i, end) {
        q.milli = v;
        q.word_only = hundreds;
        return Ok((q, j, !hundreds));
    }
    if let Some((v, kind)) = words::number_word(w) {
        q.milli = v;
        let mut j = i + 1;
        let need = matches!(kind, NumKind::NeedsUnit | NumKind::Article);
        // "dhai sau", "paanch sau", "two hundred": a count of hundreds is one number.
        if let Some(h) = hundreds(lx, j, end).filter(|_| kind != NumKind::Paav) {
            q.milli = q.milli.saturating_mul(h) / 1000;
            q.word_only = true;
            return Ok((q, j + 1, false));
        }
        match kind {
            NumKind::Plain => q.word_only = true,
            NumKind::HindiDo => (q.word_only, q.hindi_do) = (true, true),
            NumKind::Paav => {
                q.unit = QUnit::Kg;
                j = absorb_kg(lx, j, end);
            }
            NumKind::NeedsUnit | NumKind::Article => {}
        }
        return Ok((q, j, need));
    }
    let u = words::unit(w).ok_or(())?;
    q.milli = 1000;
    q.unit = u;
    q.unit_only = true;
    q.boxed = u == QUnit::Box;
    q.pack = words::pack(w);
    Ok((q, i + 1, false))
}

/// The value of a plain "hundred" word at `j` ("sau", "hundred"), which multiplies the
/// number before it rather than starting an amount of its own.
fn hundreds(lx: &Lexed, j: usize, end: usize) -> Option<u64> {
    if j >= end || lx.kind(j) != Tok::Word {
        return None;
    }
    match words::number_word(lx.low(j)) {
        Some((v, NumKind::Plain)) if v == 100_000 => Some(v),
        _ => None,
    }
}

fn absorb_kg(lx: &Lexed, j: usize, end: usize) -> usize {
    if j < end && words::unit(lx.low(j)) == Some(QUnit::Kg) {
        j + 1
    } else {
        j
    }
}

/// Multiplies two amounts; the unit is whichever side names one (a box's contents
/// win over the box).
pub(crate) fn mul(a: Qty, b: Qty) -> Qty {
    let unit = match (a.unit, b.unit) {
        (QUnit::None, u) | (u, QUnit::None) | (QUnit::Box, u) => u,
        (u, _) => u,
    };
    Qty {
        milli: (a.milli.saturating_mul(b.milli) / 1000).min(CAP),
        unit,
        boxed: a.boxed || b.boxed,
        pack: if a.unit == QUnit::Box { a.pack } else { b.pack },
        distributive: a.distributive || b.distributive,
        ..Qty::default()
    }
}

/// "1 kg 250 gm": two weights side by side add up (in grams, as kg thousandths).
pub(crate) fn add_weights(a: Qty, b: Qty) -> Option<Qty> {
    let grams = |q: Qty| match q.unit {
        QUnit::Kg if !q.unit_only => Some(q.milli),
        QUnit::Gram if !q.unit_only => Some(q.milli / 1000),
        _ => None,
    };
    Some(Qty {
        milli: grams(a)?.saturating_add(grams(b)?).min(CAP),
        unit: QUnit::Kg,
        ..Qty::default()
    })
}

/// "2 boxes of 500 g", "box of 12": the outer count times what each box holds.
fn of(outer: Qty, inner: Qty) -> Qty {
    let inner_unit = match inner.unit {
        QUnit::None => QUnit::Piece,
        u => u,
    };
    let outer = Qty {
        unit: QUnit::None,
        ..outer
    };
    let inner = Qty {
        unit: inner_unit,
        ..inner
    };
    Qty {
        boxed: true,
        pack: outer.pack,
        ..mul(outer, inner)
    }
}

/// What a quantity means for a product sold by `unit`: grams or pieces, or why a
/// shopkeeper would have to ask back. `pack_size` is what one of the quantity's
/// containers holds for this product (see `ProductIndex::pack_size`).
pub(crate) fn resolve(q: &Qty, unit: Unit, pack_size: Option<u32>) -> Result<u32, UnclearReason> {
    let amount = match (unit, q.unit) {
        (Unit::Kg, QUnit::Gram) => Some(q.milli.saturating_add(500) / 1000),
        (Unit::Kg, QUnit::Kg) => Some(q.milli),
        (Unit::Kg, QUnit::None | QUnit::Piece | QUnit::Dozen) => {
            return Err(UnclearReason::BareNumberForWeight)
        }
        (Unit::Pc, QUnit::None | QUnit::Piece) => whole(q.milli),
        (Unit::Pc, QUnit::Dozen) => whole(q.milli.saturating_mul(12)),
        (Unit::Pc, QUnit::Box) => {
            pack_size.and_then(|s| whole(q.milli.saturating_mul(u64::from(s))))
        }
        // "kanda 1 bag" with a "Bag of 5 kg" variant: grams.
        (Unit::Kg, QUnit::Box) => pack_size.map(|s| q.milli.saturating_mul(u64::from(s)) / 1000),
        _ => None,
    };
    match amount {
        // More than one order line holds is asked about, not taken on trust.
        Some(a) if a > u64::from(max_line_amount(unit)) => Err(UnclearReason::TooMuch),
        Some(a) if a > 0 => u32::try_from(a).map_err(|_| UnclearReason::TooMuch),
        _ => Err(UnclearReason::NoQuantity),
    }
}

/// How much a weight or liquid amount measures, in thousandths of a gram or millilitre,
/// with whether it is a liquid; None for counts and containers.
pub(crate) fn measure(unit: QUnit, milli: u64) -> Option<(bool, u64)> {
    match unit {
        QUnit::Gram => Some((false, milli)),
        QUnit::Kg => Some((false, milli.saturating_mul(1000))),
        QUnit::Liquid => Some((true, milli.saturating_mul(1000))),
        _ => None,
    }
}

fn whole(milli: u64) -> Option<u64> {
    milli.is_multiple_of(1000).then_some(milli / 1000)
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    fn qty(text: &str) -> Option<Qty> {
        let lx = lex(text);
        match read(&lx, 0, lx.len(), &|_| false) {
            Read::Qty(q, _) => Some(q),
            _ => None,
        }
    }

    fn grams(text: &str) -> Result<u32, UnclearReason> {
        resolve(&qty(text).unwrap_or_default(), Unit::Kg, None)
    }

    fn pieces(text: &str, box_size: Option<u32>) -> Result<u32, UnclearReason> {
        resolve(&qty(text).unwrap_or_default(), Unit::Pc, box_size)
    }

    #[test]
    fn weights() {
        assert_eq!(grams("250 gms"), Ok(250));
        assert_eq!(grams("1kg"), Ok(1000));
        assert_eq!(grams("1.5 kg"), Ok(1500));
        assert_eq!(grams("dedh kilo"), Ok(1500));
        assert_eq!(grams("½ kg"), Ok(500));
        assert_eq!(grams("1/2 kg"), Ok(500));
        assert_eq!(grams("aadha kilo"), Ok(500));
        assert_eq!(grams("paav"), Ok(250));
        assert_eq!(grams("quarter kg"), Ok(250));
        assert_eq!(grams("dhai kilo"), Ok(2500));
        assert_eq!(grams("1 ½ kg"), Ok(1500));
    }

    #[test]
    fn hundreds_in_words() {
        assert_eq!(grams("dhai sau gram"), Ok(250));
        assert_eq!(grams("paanch sau gm"), Ok(500));
        assert_eq!(grams("dedh sau gram"), Ok(150));
        assert_eq!(grams("two hundred grams"), Ok(200));
        assert_eq!(grams("sau gram"), Ok(100));
        assert_eq!(pieces("do sau", None), Ok(200));
    }

    #[test]
    fn regional_amounts() {
        // Marathi
        assert_eq!(grams("don kilo"), Ok(2000));
        assert_eq!(grams("ardha kilo"), Ok(500));
        assert_eq!(grams("sawa kilo"), Ok(1250));
        assert_eq!(pieces("1 darjan", None), Ok(12));
        assert_eq!(pieces("6 nag", None), Ok(6));
        // Gujarati
        assert_eq!(grams("be kilo"), Ok(2000));
        assert_eq!(grams("adhi kilo"), Ok(500));
        assert_eq!(grams("adho kilo"), Ok(500));
        assert_eq!(grams("dodh kilo"), Ok(1500));
        assert!(qty("be").is_none(), "\"be\" alone is the English verb");
        // Punjabi and Hindi
        assert_eq!(grams("dedh kilo"), Ok(1500));
        assert_eq!(grams("dhai kilo"), Ok(2500));
        assert_eq!(grams("sawa kilo"), Ok(1250));
        assert_eq!(grams("sawa do kilo"), Ok(2250));
        assert_eq!(grams("saade teen kilo"), Ok(3500));
        assert_eq!(grams("paune do kilo"), Ok(1750));
        // Before hundreds, the fraction is of the hundreds.
        assert_eq!(grams("sawa sau gram"), Ok(125));
        assert_eq!(grams("saade teen sau gram"), Ok(350));
        assert_eq!(grams("paune do sau gm"), Ok(175));
        assert_eq!(pieces("sawa sau", None), Ok(125));
        assert_eq!(grams("paav"), Ok(250));
        assert_eq!(grams("paav bhar"), Ok(250));
        assert_eq!(grams("do kilo"), Ok(2000));
        // English
        assert_eq!(pieces("two dozen", None), Ok(24));
        assert_eq!(pieces("half dozen", None), Ok(6));
        assert_eq!(pieces("seventeen", None), Ok(17));
        assert_eq!(grams("half a kg"), Ok(500));
        assert_eq!(pieces("half a dozen", None), Ok(6));
        assert_eq!(grams("one and a half kg"), Ok(1500));
        assert_eq!(grams("2 and a half kg"), Ok(2500));
        assert_eq!(grams("two and a quarter kilo"), Ok(2250));
        assert_eq!(grams("1 kg and 500 gm"), Ok(1500));
        assert_eq!(grams("2 kilo aur 250 gram"), Ok(2250));
    }

    #[test]
    fn containers_count_what_the_catalog_says() {
        assert_eq!(
            resolve(&qty("1 bag").unwrap_or_default(), Unit::Kg, Some(5000)),
            Ok(5000)
        );
        assert_eq!(pieces("2 judi", Some(1)), Ok(2));
        assert_eq!(pieces("3 plate", Some(2)), Ok(6));
        assert_eq!(qty("2 judi").map(|q| q.pack), Some(Pack::Bunch));
        assert_eq!(qty("ek peti").map(|q| q.pack), Some(Pack::Box));
        assert_eq!(
            qty("2 x 1 plate").map(|q| (q.milli, q.pack)),
            Some((2000, Pack::Plate))
        );
    }

    #[test]
    fn multipliers() {
        assert_eq!(grams("500g x 2"), Ok(1000));
        assert_eq!(grams("2 x 250gm"), Ok(500));
        assert_eq!(grams("250 gm × 4"), Ok(1000));
        assert_eq!(grams("2 boxes of 500g"), Ok(1000));
        assert!(qty("2x").is_some_and(|q| q.mult_mark));
    }

    #[test]
    fn counts() {
        assert_eq!(pieces("half dozen", None), Ok(6));
        assert_eq!(pieces("2 box", Some(12)), Ok(24));
        assert_eq!(pieces("ek dabba", Some(4)), Ok(4));
        assert_eq!(pieces("10", None), Ok(10));
        assert_eq!(pieces("box of 12", None), Ok(12));
        assert_eq!(pieces("1 box", None), Err(UnclearReason::NoQuantity));
        assert_eq!(pieces("1 kg", None), Err(UnclearReason::NoQuantity));
    }

    #[test]
    fn bare_number_for_weight_is_unclear() {
        assert_eq!(grams("2"), Err(UnclearReason::BareNumberForWeight));
        assert_eq!(grams("3 pcs"), Err(UnclearReason::BareNumberForWeight));
    }

    #[test]
    fn words_need_units_and_times_are_skipped() {
        assert!(qty("half").is_none());
        assert!(qty("two").is_some_and(|q| q.word_only));
        assert!(qty("do").is_some_and(|q| q.hindi_do));
        let lx = lex("8 pm");
        assert!(matches!(read(&lx, 0, lx.len(), &|_| false), Read::Skip(2)));
    }

    #[test]
    fn huge_numbers_saturate() {
        assert_eq!(
            grams("99999999999999999999999 kg x 99999999999999999"),
            Err(UnclearReason::TooMuch)
        );
        assert_eq!(grams("1000 kg"), Ok(1_000_000));
        assert_eq!(grams("1000.001 kg"), Err(UnclearReason::TooMuch));
    }
}
