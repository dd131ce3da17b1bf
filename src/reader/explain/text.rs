//! An explanation as plain text, section by section in the order the reader works, ending with
//! the reading exactly as `novi parse` prints it.

use serde_json::Value;

use super::{ClauseSeen, Explanation};
use crate::domain::limits::MAX_READ_CHARS;

pub(super) fn render(x: &Explanation) -> String {
    let r = &x.reading;
    let mut out = String::new();
    if r.clipped {
        out += &format!("only the first {MAX_READ_CHARS} characters were read\n");
    }
    out += &fields(x);
    for (n, c) in x.clauses.iter().enumerate() {
        out += &clause(n + 1, c);
    }
    out += &lines(x);
    let i = &x.intent;
    out += &format!(
        "intent: {}, decided by {}\n",
        json_word(&i.intent),
        i.decided_by
    );
    if !i.cues.is_empty() {
        let cues: Vec<String> = i
            .cues
            .iter()
            .map(|c| format!("{} \"{}\"", c.cue, c.words))
            .collect();
        out += &format!("  cues found: {}\n", cues.join(", "));
    }
    let reading = serde_json::to_string_pretty(&r.to_debug_json()).unwrap_or_default();
    out += &format!("reading (as `novi parse` prints it):\n{reading}\n");
    out
}

/// A serialised enum as its one word ("order", "no_quantity").
fn json_word(v: &impl serde::Serialize) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

fn fields(x: &Explanation) -> String {
    if x.fields.is_empty() {
        return "contact fields: none\n".into();
    }
    let mut out = String::from("contact fields, taken out first (their numbers are no amounts):\n");
    for f in &x.fields {
        let note = f
            .note
            .as_ref()
            .map_or(String::new(), |n| format!("  ({n})"));
        out += &format!("  {:<8} {}{note}\n", f.field, f.value);
    }
    out
}

fn clause(n: usize, c: &ClauseSeen) -> String {
    let asked = if c.question { " (a question)" } else { "" };
    let mut out = format!("clause {n}{asked}: \"{}\"\n", c.text);
    for w in &c.words {
        let quoted = format!("\"{}\"", w.text);
        out += &format!("  {quoted:<20} {:<8} {}\n", w.became, w.meaning);
    }
    out
}

fn lines(x: &Explanation) -> String {
    if x.lines.is_empty() {
        return "lines: none\n".into();
    }
    let mut out = String::from("lines:\n");
    for l in &x.lines {
        let quoted = format!("\"{}\"", l.text);
        out += &format!("  {:<8} {quoted:<24} {}\n", l.kind, l.why);
    }
    if !x.lines_kept {
        out += "  (not kept: the message is not an order)\n";
    }
    if x.reading.skipped > 0 {
        out += &format!(
            "  ({} unclear or unknown lines past the first ones kept were counted, not kept)\n",
            x.reading.skipped
        );
    }
    out
}
