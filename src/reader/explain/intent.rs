//! The intent part of an explanation: the cue phrases found in the message, and what decided
//! the intent the reading has (a cue, a line with an amount, a question about a product).

use super::{words_at, CueSeen, IntentSeen, Seen};
use crate::reader::lines::{Line, LineKind};
use crate::reader::{words, Intent, Reading};

pub(super) fn seen(text: &str, s: &Seen, r: &Reading) -> IntentSeen {
    let cues = cues(text, s);
    IntentSeen {
        intent: r.intent,
        decided_by: decided_by(text, s, r, &cues),
        cues,
    }
}

/// Every cue phrase of the vocabulary in the message's words, as written.
fn cues(text: &str, s: &Seen) -> Vec<CueSeen> {
    let lx = &s.lx;
    let at: Vec<usize> = (0..lx.len()).filter(|&i| lx.is_word(i)).collect();
    let ws: Vec<&str> = at.iter().map(|&i| lx.low(i)).collect();
    words::cue_hits(&ws)
        .into_iter()
        .filter(|(cue, _, _)| *cue != "stems")
        .map(|(cue, first, n)| {
            let (a, b) = (at[first], at[first + n - 1]);
            CueSeen {
                cue,
                words: words_at(text, (lx.span(a).0, lx.span(b).1)),
            }
        })
        .collect()
}

/// The evidence for the intent the reading has, in the order the reader weighs it.
fn decided_by(text: &str, s: &Seen, r: &Reading, cues: &[CueSeen]) -> String {
    let cue = |name: &str| {
        let found: Vec<String> = cues
            .iter()
            .filter(|c| c.cue == name)
            .map(|c| format!("\"{}\"", c.words))
            .collect();
        (!found.is_empty()).then(|| format!("the {name} cue {}", found.join(", ")))
    };
    let lines = &s.parsed.lines;
    let catalog = |l: &&Line| !matches!(l.kind, LineKind::Unknown);
    let line = |pick: &dyn Fn(&&Line) -> bool, what: &str| {
        let l = lines.iter().find(|l| pick(l))?;
        Some(format!("{what} \"{}\"", words_at(text, l.span)))
    };
    let found = match r.intent {
        Intent::Order if s.classified != Some(Intent::Order) => {
            Some("a kind of goods with an amount: which of them is asked".into())
        }
        Intent::Cancel => cue("cancel"),
        Intent::Status => cue("status"),
        Intent::Menu => cue("price")
            .or_else(|| cue("menu"))
            .or_else(|| {
                s.parsed
                    .asked
                    .then(|| "a product named in a question".into())
            })
            .or_else(|| cue("goods")),
        Intent::Order => line(&|l| catalog(l) && l.qty_given, "a product with an amount:")
            .or_else(|| line(&catalog, "a product asked for:"))
            .or_else(|| line(&|_| true, "something asked for:"))
            .or_else(|| cue("order-wish")),
        Intent::Greeting => Some("greeting words and nothing else".into()),
        Intent::Other => Some("nothing asked for: no product, amount or cue to act on".into()),
    };
    found.unwrap_or_else(|| "the reader's rules on the cues and lines above".into())
}
