//! Decides what a message wants (order, greeting, status, cancel, menu, other) from the
//! cue phrases of the whole message, read clause by clause, and from what the line reader
//! found; `sift` then keeps only the lines the message really asks for.

use super::clauses::Clause;
use super::lexer::Lexed;
use super::lines::{LineKind, Parsed};
use super::words;
use super::Intent;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cues {
    pub cancel: bool,
    pub status: bool,
    pub price: bool,
    pub menu: bool,
    pub request: bool,
    pub order_wish: bool,
    pub greeting_only: bool,
    /// Thanks, praise, a complaint, "not this time": talk about goods, not a wish for them.
    pub talk: bool,
    /// Takes something back: a cancel or remove phrase ("nahi chahiye", "mat bhejo").
    pub refuses: bool,
}

impl Cues {
    /// The message talks about goods and asks for nothing: only plain order lines outside
    /// its talk can make it an order.
    pub(crate) fn only_talk(&self) -> bool {
        self.talk && !self.request && !self.order_wish
    }

    /// The message says what it does not want and asks for nothing.
    pub(crate) fn only_refuses(&self) -> bool {
        self.refuses && !self.request && !self.order_wish
    }

    /// The message asks for nothing to be sent: its questions only ask.
    pub(crate) fn no_request(&self) -> bool {
        !self.request && !self.order_wish
    }
}

/// What one clause says, for deciding which of its lines are wanted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClauseCues {
    /// Byte span of the clause in the text read.
    pub span: (usize, usize),
    /// Talks about goods already had ("... thande the", "thanks").
    pub talk: bool,
    /// A question, or asks a price or what is available.
    pub asks: bool,
    /// Speaks of a payment ("PhonePe kiya 1450"): its amounts are money.
    pub paid: bool,
}

/// The cues of a whole message and of each of its clauses.
#[derive(Debug, Default)]
pub(crate) struct Message {
    pub cues: Cues,
    pub clauses: Vec<ClauseCues>,
    /// Cancel or remove phrases ("batata cancel", "hata do"): clause and token range.
    pub removals: Vec<(usize, usize, usize)>,
}

impl Message {
    /// The clause holding byte `at`.
    pub(crate) fn clause_at(&self, at: usize) -> Option<usize> {
        let k = self.clauses.partition_point(|c| c.span.0 <= at);
        k.checked_sub(1).filter(|&k| at < self.clauses[k].span.1)
    }
}

/// The message's words, each with its token and its clause (a conjunction between two
/// clauses goes with the one it opens).
struct Words<'a> {
    ws: Vec<&'a str>,
    tok: Vec<usize>,
    clause: Vec<usize>,
}

fn words_of<'a>(lx: &'a Lexed, clauses: &[Clause]) -> Words<'a> {
    let mut w = Words {
        ws: Vec::new(),
        tok: Vec::new(),
        clause: Vec::new(),
    };
    let mut ci = 0;
    for i in (0..lx.len()).filter(|&i| lx.is_word(i)) {
        while ci + 1 < clauses.len() && clauses[ci].end <= i {
            ci += 1;
        }
        w.ws.push(lx.low(i));
        w.tok.push(i);
        w.clause.push(ci);
    }
    w
}

pub(crate) fn read(lx: &Lexed, clauses: &[Clause]) -> Message {
    let w = words_of(lx, clauses);
    let mut m = Message {
        clauses: clauses
            .iter()
            .map(|c| ClauseCues {
                span: lx.range_span(c.start, c.end),
                asks: c.question,
                ..ClauseCues::default()
            })
            .collect(),
        ..Message::default()
    };
    let hits = words::cue_hits(&w.ws);
    // "bhej diye" (sent) and "nahi chahiye" (not wanted) ask for nothing.
    let void = |i: usize| {
        hits.iter()
            .any(|&(s, a, n)| matches!(s, "sent" | "remove" | "cancel") && (a..a + n).contains(&i))
    };
    // Hindi puts the verb last: "... thande the" talks about the past, "the kaju" does not.
    let last_in_clause = |i: usize| w.clause.get(i + 1) != w.clause.get(i);
    // "is baar ... mat bhejna" skips a regular order once: it takes goods back, cancels nothing.
    let this_time: Vec<usize> = hits
        .iter()
        .filter(|h| h.0 == "this-time")
        .map(|h| w.clause[h.1])
        .collect();
    let mut goods = false;
    for &(section, i, n) in &hits {
        let c = w.clause[i];
        let Some(cc) = m.clauses.get_mut(c) else {
            continue;
        };
        let cues = &mut m.cues;
        match section {
            "cancel" | "remove" => {
                cues.cancel |= section == "cancel" && !this_time.contains(&c);
                cues.refuses = true;
                m.removals.push((c, w.tok[i], w.tok[i + n - 1] + 1));
            }
            "status" => cues.status = true,
            "price" | "menu" => {
                cues.price |= section == "price";
                cues.menu |= section == "menu";
                cc.asks = true;
            }
            "goods" => goods = true,
            "request" => cues.request |= !void(i),
            "status-asked" => cues.status |= clauses.get(c).is_some_and(|c| c.question),
            "order-wish" => cues.order_wish = true,
            "talk" => cc.talk = true,
            "paid" => cc.paid = true,
            "talk-end" => cc.talk |= last_in_clause(i),
            _ => {}
        }
    }
    let question = clauses.iter().any(|c| c.question);
    m.cues.menu |= question && goods;
    m.cues.talk = m.clauses.iter().any(|c| c.talk);
    m.cues.greeting_only = greeting_only(&w.ws);
    m
}

fn greeting_only(ws: &[&str]) -> bool {
    let mut buf = String::new();
    let mut core = false;
    for w in ws {
        words::collapse(w, &mut buf);
        match words::greeting(&buf) {
            Some(c) => core |= c,
            None => return false,
        }
    }
    core
}

/// Where someone else's words begin: a line opening with "Forwarded", "Fwd" or the like.
/// What comes after it is passed on, not written to the shop.
pub(crate) fn forward_start(text: &str) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start_matches(|c: char| !c.is_alphanumeric());
        let first = body
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("");
        let maybe =
            first.len() <= 12 && first.get(..1).is_some_and(|f| f.eq_ignore_ascii_case("f"));
        if maybe {
            let low = first.to_ascii_lowercase();
            if words::cue_sections(&[low.as_str()]).contains(&"forward") {
                return Some(at);
            }
        }
        at += line.len();
    }
    None
}

pub(crate) fn classify(c: &Cues, p: &Parsed) -> Intent {
    let catalog = |l: &&super::lines::Line| !matches!(l.kind, LineKind::Unknown);
    let qty_line = p.lines.iter().filter(catalog).any(|l| l.qty_given);
    let any_line = p.lines.iter().any(|l| catalog(&l));
    let unknown = p.lines.iter().any(|l| l.kind == LineKind::Unknown);
    // Asking about or cancelling an order may name its lines; only a request makes
    // them a new order.
    if c.cancel && !(qty_line && c.request) {
        Intent::Cancel
    } else if c.status && !(qty_line && c.request) {
        Intent::Status
    } else if c.price && !c.request {
        Intent::Menu
    } else if qty_line {
        Intent::Order
    } else if c.menu && !c.request {
        Intent::Menu
    } else if any_line || (unknown && (c.request || p.unknown_with_unit)) {
        Intent::Order
    } else if p.asked || c.menu || c.price {
        Intent::Menu
    } else if c.order_wish {
        Intent::Order
    } else if c.greeting_only {
        Intent::Greeting
    } else {
        Intent::Other
    }
}

#[cfg(test)]
mod tests {
    use super::super::clauses::clauses;
    use super::super::lexer::lex;
    use super::*;

    fn cue(text: &str) -> Cues {
        let lx = lex(text);
        read(&lx, &clauses(&lx)).cues
    }

    #[test]
    fn cue_words() {
        assert!(cue("Order no. 2231 kab tak pahunchega").status);
        assert!(cue("order cancel kar do please").cancel);
        assert!(cue("rate kya hai kaju katli ka?").price);
        assert!(cue("kalakand available hai abhi?").menu);
        assert!(cue("rasgulla bhej do").request);
    }

    #[test]
    fn greetings_only() {
        assert!(cue("Jai Shri Krishna 🙏🙏").greeting_only);
        assert!(cue("hiii").greeting_only);
        assert!(cue("good morning bhaiya").greeting_only);
        assert!(!cue("hello, 1 kg jalebi").greeting_only);
        assert!(!cue("bhaiya").greeting_only);
    }

    #[test]
    fn classify_without_lines() {
        let none = Parsed::default();
        assert_eq!(
            classify(&cue("Has my order been dispatched yet?"), &none),
            Intent::Status
        );
        assert_eq!(
            classify(&cue("what sweets do you have"), &none),
            Intent::Menu
        );
        assert_eq!(classify(&cue("ok"), &none), Intent::Other);
        assert_eq!(classify(&cue("Sat Sri Akal ji"), &none), Intent::Greeting);
    }
}
