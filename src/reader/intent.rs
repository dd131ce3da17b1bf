//! Decides what a message wants (order, greeting, status, cancel, menu, other) from
//! cue words in it and from what the line reader found.

use super::lexer::{Lexed, Sep, Tok};
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
}

pub(crate) fn cues(lx: &Lexed) -> Cues {
    let ws: Vec<&str> = (0..lx.len())
        .filter(|&i| lx.is_word(i))
        .map(|i| lx.low(i))
        .collect();
    let question = (0..lx.len()).any(|i| lx.kind(i) == Tok::Sep(Sep::Question));
    let hits = words::cue_sections(&ws);
    let any = |section: &str| hits.contains(&section);
    Cues {
        cancel: any("cancel"),
        status: any("status"),
        price: any("price"),
        menu: any("menu") || (question && any("goods")),
        request: any("request"),
        order_wish: any("order-wish"),
        greeting_only: greeting_only(&ws),
    }
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
    use super::super::lexer::lex;
    use super::*;

    fn cue(text: &str) -> Cues {
        cues(&lex(text))
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
