//! Cuts a message into tokens (words, numbers, operators, separators) carrying byte
//! spans into the text, so later stages never re-scan raw characters.

use super::matcher::fold;

/// Integer parts beyond this are junk, not amounts; capping keeps all arithmetic small.
const MAX_INT: u64 = 1_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sep {
    Line,
    Comma,
    Stop,
    Question,
    Plus,
    Symbol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Word,
    /// Value in thousandths, so ½, 1.5 and 1/4 stay exact integers.
    Num(u64),
    /// `x`, `×`, `*` between a quantity and its multiplier.
    Op,
    Dash,
    Hash,
    Slash,
    Sep(Sep),
    /// Ordinals ("3rd") and other tokens that take part in nothing.
    Other,
    /// A list marker opening a line ("-", "•", "2)").
    Bullet,
    End,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Tok,
    start: usize,
    end: usize,
    low: (usize, usize),
    fold: (usize, usize),
    bracket: bool,
}

/// Tokens plus one arena holding every lowercased and folded word, to keep a read to
/// a handful of allocations.
#[derive(Debug, Default)]
pub(crate) struct Lexed {
    toks: Vec<Token>,
    arena: String,
}

impl Lexed {
    pub(crate) fn len(&self) -> usize {
        self.toks.len()
    }

    pub(crate) fn kind(&self, i: usize) -> Tok {
        self.toks.get(i).map_or(Tok::End, |t| t.kind)
    }

    pub(crate) fn low(&self, i: usize) -> &str {
        self.toks
            .get(i)
            .and_then(|t| self.arena.get(t.low.0..t.low.1))
            .unwrap_or("")
    }

    pub(crate) fn folded(&self, i: usize) -> &str {
        self.toks
            .get(i)
            .and_then(|t| self.arena.get(t.fold.0..t.fold.1))
            .unwrap_or("")
    }

    pub(crate) fn span(&self, i: usize) -> (usize, usize) {
        self.toks.get(i).map_or((0, 0), |t| (t.start, t.end))
    }

    pub(crate) fn bracket(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.bracket)
    }

    pub(crate) fn is_word(&self, i: usize) -> bool {
        self.kind(i) == Tok::Word
    }

    /// Byte span covering tokens `a..b` (empty when the range is).
    pub(crate) fn range_span(&self, a: usize, b: usize) -> (usize, usize) {
        if a >= b {
            return (0, 0);
        }
        (self.span(a).0, self.span(b - 1).1)
    }

    fn push(&mut self, kind: Tok, start: usize, end: usize, bracket: bool) {
        let at = self.arena.len();
        self.toks.push(Token {
            kind,
            start,
            end,
            low: (at, at),
            fold: (at, at),
            bracket,
        });
    }

    fn push_word(&mut self, word: &str, start: usize, end: usize, bracket: bool) {
        let l0 = self.arena.len();
        self.arena.extend(word.chars().flat_map(char::to_lowercase));
        let l1 = self.arena.len();
        let kind = if &self.arena[l0..l1] == "x" {
            Tok::Op
        } else {
            Tok::Word
        };
        fold(word, &mut self.arena);
        let f1 = self.arena.len();
        self.toks.push(Token {
            kind,
            start,
            end,
            low: (l0, l1),
            fold: (l1, f1),
            bracket,
        });
    }
}

pub(crate) fn lex(text: &str) -> Lexed {
    let mut lx = Lexed {
        toks: Vec::with_capacity(text.len() / 3 + 4),
        arena: String::with_capacity(text.len() * 2),
    };
    let mut st = State {
        i: 0,
        line_start: true,
        depth: 0,
    };
    while let Some(c) = text[st.i..].chars().next() {
        step(text, c, &mut st, &mut lx);
    }
    lx
}

struct State {
    i: usize,
    line_start: bool,
    depth: u32,
}

fn step(text: &str, c: char, st: &mut State, lx: &mut Lexed) {
    let i = st.i;
    if c == '\n' {
        lx.push(Tok::Sep(Sep::Line), i, i + 1, false);
        st.line_start = true;
        st.depth = 0;
        st.i += 1;
        return;
    }
    if c.is_whitespace() {
        st.i += c.len_utf8();
        return;
    }
    if std::mem::take(&mut st.line_start) {
        let skip = list_marker(&text[i..]);
        if skip > 0 {
            lx.push(Tok::Bullet, i, i + skip, false);
            st.i += skip;
            return;
        }
    }
    let br = st.depth > 0;
    st.i = if c.is_ascii_digit() {
        lex_number(text, i, br, lx)
    } else if c.is_alphabetic() {
        lex_word(text, i, br, lx)
    } else {
        lex_symbol(text, c, i, st, lx)
    };
}

/// Length of a list marker ("1.", "2)", "-", "•") opening a line, or 0.
fn list_marker(rest: &str) -> usize {
    let b = rest.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if (1..=2).contains(&digits)
        && matches!(b.get(digits), Some(b'.' | b')'))
        && b.get(digits + 1).is_some_and(|c| c.is_ascii_whitespace())
    {
        return digits + 1;
    }
    match rest.chars().next() {
        Some(c @ ('-' | '•' | '*' | '>' | '–' | '·' | '◦' | '▪' | '→' | '✓' | '✔')) =>
        {
            let next = rest[c.len_utf8()..].chars().next();
            if next.is_some_and(|n| n.is_whitespace() || n.is_alphabetic()) {
                c.len_utf8()
            } else {
                0
            }
        }
        _ => 0,
    }
}

fn digits_at(b: &[u8], mut j: usize) -> (u64, usize, usize) {
    let (mut v, mut n) = (0u64, 0usize);
    while let Some(d) = b.get(j).filter(|d| d.is_ascii_digit()) {
        v = (v * 10 + u64::from(d - b'0')).min(MAX_INT);
        j += 1;
        n += 1;
    }
    (v, j, n)
}

fn lex_number(text: &str, i: usize, br: bool, lx: &mut Lexed) -> usize {
    let b = text.as_bytes();
    let (mut int, mut j, _) = digits_at(b, i);
    // "1,500 g": a comma followed by exactly three digits groups thousands.
    while b.get(j) == Some(&b',') {
        let (v, k, n) = digits_at(b, j + 1);
        if n != 3 || b.get(k).is_some_and(u8::is_ascii_digit) {
            break;
        }
        int = (int * 1000 + v).min(MAX_INT);
        j = k;
    }
    let mut milli = int * 1000;
    if b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
        let (frac, k, n) = digits_at(b, j + 1);
        milli += match n {
            1 => frac * 100,
            2 => frac * 10,
            _ => frac / 10u64.pow(u32::try_from(n.saturating_sub(3)).unwrap_or(0).min(18)),
        }
        .min(999);
        j = k;
    } else if b.get(j) == Some(&b'/') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
        let (den, k, _) = digits_at(b, j + 1);
        if let Some(v) = (int * 1000).checked_div(den) {
            milli = v;
            j = k;
        }
    }
    if let Some(c) = text[j..].chars().next() {
        if let Some(f) = vulgar(c) {
            milli += f;
            j += c.len_utf8();
        }
    }
    let rest = &text[j..];
    let ordinal = ["st", "nd", "rd", "th"].iter().any(|s| {
        rest.get(..2).is_some_and(|r| r.eq_ignore_ascii_case(s))
            && !rest[2..].chars().next().is_some_and(char::is_alphabetic)
    });
    if ordinal {
        lx.push(Tok::Other, i, j + 2, br);
        return j + 2;
    }
    lx.push(Tok::Num(milli), i, j, br);
    j
}

fn vulgar(c: char) -> Option<u64> {
    match c {
        '½' => Some(500),
        '¼' => Some(250),
        '¾' => Some(750),
        '⅓' => Some(333),
        '⅔' => Some(667),
        _ => None,
    }
}

fn lex_word(text: &str, i: usize, br: bool, lx: &mut Lexed) -> usize {
    let mut j = i;
    let mut it = text[i..].char_indices().peekable();
    while let Some((k, c)) = it.next() {
        // "I'd", "kaju-katli": an apostrophe or hyphen between letters joins them.
        let joiner = matches!(c, '\'' | '’' | '-')
            && it.peek().is_some_and(|&(_, n)| n.is_alphabetic())
            && k > 0;
        if !(c.is_alphabetic() || is_mark(c) || joiner) {
            break;
        }
        j = i + k + c.len_utf8();
    }
    lx.push_word(&text[i..j], i, j, br);
    j
}

/// Combining marks (accents, Devanagari matras) stay inside their word.
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0951..=0x0957 | 0x0962..=0x0963)
}

fn lex_symbol(text: &str, c: char, i: usize, st: &mut State, lx: &mut Lexed) -> usize {
    let end = i + c.len_utf8();
    let br = st.depth > 0;
    let kind = match c {
        '×' | '*' => Tok::Op,
        '-' | '–' | '—' => Tok::Dash,
        '#' => Tok::Hash,
        '/' => Tok::Slash,
        ',' | ';' | '|' => Tok::Sep(Sep::Comma),
        '.' | '…' => Tok::Sep(Sep::Stop),
        '?' => Tok::Sep(Sep::Question),
        '!' => Tok::Sep(Sep::Stop),
        '&' | '+' => Tok::Sep(Sep::Plus),
        '(' | '[' | '{' => {
            // "(2) jalebi": an enumeration, not a quantity.
            if let Some(n) = enumeration(&text[end..]) {
                return end + n;
            }
            st.depth = st.depth.saturating_add(1);
            return end;
        }
        ')' | ']' | '}' => {
            st.depth = st.depth.saturating_sub(1);
            return end;
        }
        '₹' => {
            lx.push_word("rs", i, end, br);
            return end;
        }
        _ => match vulgar(c) {
            Some(v) => Tok::Num(v),
            None if c.is_ascii_punctuation() => return end,
            None => Tok::Sep(Sep::Symbol),
        },
    };
    lx.push(kind, i, end, br);
    end
}

/// Bytes of "2)" after an opening bracket, when the bracket holds just a list number.
fn enumeration(rest: &str) -> Option<usize> {
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    ((1..=2).contains(&digits) && rest.as_bytes().get(digits) == Some(&b')')).then_some(digits + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        let lx = lex(text);
        (0..lx.len()).map(|i| lx.kind(i)).collect()
    }

    #[test]
    fn numbers_and_units_split() {
        let k = kinds("2.5kg ½ kg 1/2 1,500g 3rd");
        assert_eq!(k[0], Tok::Num(2500));
        assert_eq!(k[1], Tok::Word);
        assert_eq!(k[2], Tok::Num(500));
        assert_eq!(k[4], Tok::Num(500));
        assert_eq!(k[5], Tok::Num(1_500_000));
        assert_eq!(k[7], Tok::Other);
    }

    #[test]
    fn multipliers_and_markers() {
        assert_eq!(kinds("x2")[0], Tok::Op);
        assert_eq!(kinds("2x")[1], Tok::Op);
        // A list number is not a quantity.
        assert_eq!(kinds("1) Kaju")[..2], [Tok::Bullet, Tok::Word]);
        assert_eq!(kinds("1. Kaju")[..2], [Tok::Bullet, Tok::Word]);
        assert_eq!(kinds("1.5 kg")[0], Tok::Num(1500));
    }

    #[test]
    fn brackets_mark_tokens() {
        let lx = lex("laddu (besan wale)");
        assert!(!lx.bracket(0));
        assert!(lx.bracket(1));
    }
}
