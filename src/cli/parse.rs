//! `novi parse`: the order reader from the shell, against a business's active catalog.
//! One message as pretty JSON (or how it was read, with --explain), a JSONL batch for scripts,
//! a score on labelled corpora, or a score of the whole chat on a corpus of conversations.
//!
//! A batch is all or nothing: every malformed line is reported with its line number and
//! nothing is written, so a script never mistakes half an answer for a whole one.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use clap::{ArgGroup, Args};
use serde_json::{Map, Value};

use super::admin::open_existing;
use crate::accounts::businesses;
use crate::conversation::score::{self as chat_score, Shop};
use crate::db::Db;
use crate::reader::{self, score::Miss, score::Score, ProductIndex};

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("input").required(true).args(["text", "jsonl", "score", "conversations"])))]
pub struct ParseArgs {
    /// The business's short code; its active products are the catalog.
    #[arg(long)]
    pub business: String,
    /// A message to read; its reading is printed as JSON.
    pub text: Option<String>,
    /// With a message: show how it was read (contact fields, each clause's words and what
    /// they became, the lines and why one is unclear or unknown, the intent and its cue),
    /// then the reading as it is printed without --explain.
    // `requires` alone is met by any member of the "input" group (clap issue 4707), hence
    // the conflicts too.
    #[arg(long, requires = "text", conflicts_with_all = ["jsonl", "score", "conversations"])]
    pub explain: bool,
    /// How --explain prints: text for a person, or json for a script.
    #[arg(long, value_enum, default_value = "text", requires = "explain")]
    pub format: ExplainFormat,
    /// Read {"id","text"} lines from FILE (- for standard input) and write one
    /// {"id", ...reading} line each. Blank lines are skipped; a malformed line stops the
    /// whole batch with its line number and nothing is written.
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,
    /// Score the reader on labelled corpora of {"id","text","expect"} lines (- for standard
    /// input): exact-match rate, item precision and recall, field accuracy, the confusion
    /// (wrong intent, wrong product, wrong amount, missed line, extra line) and the misses,
    /// per file, then a total when there are several. All are read against --business's
    /// catalog, so give several files only of the same shop.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub score: Vec<PathBuf>,
    /// Score the chat on a corpus of whole conversations, {"id","messages","setup","expect"}
    /// lines (- for standard input): each is replayed on a scratch copy of the business and
    /// its order compared with the expected one. Prints each conversation that differs, then
    /// how many were exact. The business itself is never changed.
    #[arg(long, value_name = "FILE")]
    pub conversations: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

pub fn run(data_dir: &Path, args: ParseArgs) -> anyhow::Result<()> {
    if let Some(file) = &args.conversations {
        return print(&conversations(data_dir, &args.business, file)?);
    }
    let catalog = load_catalog(data_dir, &args.business)?;
    // Everything is built in memory first so a failure leaves standard output empty.
    let out = if let Some(text) = &args.text {
        one_message(&catalog, text, args.explain.then_some(args.format))?
    } else if let Some(file) = &args.jsonl {
        read_batch(&catalog, file, &read_input(file)?)?
    } else if !args.score.is_empty() {
        score_files(&catalog, &args.score)?
    } else {
        // clap's "input" group requires one of the three.
        bail!("give a message, --jsonl FILE, --score FILE or --conversations FILE");
    };
    print(&out)
}

/// One message's reading as pretty JSON, or its explanation in `explain` format.
fn one_message(
    catalog: &ProductIndex,
    text: &str,
    explain: Option<ExplainFormat>,
) -> anyhow::Result<String> {
    let mut out = match explain {
        None => serde_json::to_string_pretty(&reader::read(catalog, text).to_debug_json())?,
        Some(ExplainFormat::Text) => return Ok(reader::explain(catalog, text).to_text()),
        Some(ExplainFormat::Json) => {
            serde_json::to_string_pretty(&reader::explain(catalog, text).to_json())?
        }
    };
    out.push('\n');
    Ok(out)
}

fn print(out: &str) -> anyhow::Result<()> {
    std::io::stdout()
        .lock()
        .write_all(out.as_bytes())
        .context("cannot write to standard output")
}

/// Replays a conversation corpus in a temporary database holding a copy of the business
/// (profile and products on sale), removed afterwards: the business's own orders, stock and
/// chats are never touched, and every run starts from the same shop.
fn conversations(data_dir: &Path, code: &str, file: &Path) -> anyhow::Result<String> {
    let shop = open_existing(data_dir)?.with_conn(|c| Shop::of(c, code))?;
    let corpus = chat_score::parse(&read_input(file)?, &shop.catalog)
        .map_err(|e| anyhow!("{}: {e}", shown(file)))?;
    let dir = tempfile::Builder::new()
        .prefix("novi-conversations-")
        .tempdir()
        .context("cannot make a scratch directory")?;
    let scratch = Db::open(dir.path())?;
    let s = chat_score::score(&scratch, &shop, &corpus)?;
    let mut out = String::new();
    for f in &s.failures {
        out += &format!("{}: {}\n", f.id, f.differences.join("; "));
    }
    out += &format!(
        "conversations: {}/{} exact ({:.1}%)\n",
        s.exact,
        s.total,
        s.percent()
    );
    Ok(out)
}

fn load_catalog(data_dir: &Path, code: &str) -> anyhow::Result<ProductIndex> {
    let db = open_existing(data_dir)?;
    let catalog = db.with_conn(|c| {
        let b = businesses::require(c, code)?;
        ProductIndex::for_business(c, b.id)
    })?;
    Ok(catalog)
}

/// How a file is named in messages: `-` is standard input.
fn shown(file: &Path) -> String {
    if file == Path::new("-") {
        "standard input".into()
    } else {
        file.display().to_string()
    }
}

fn read_input(file: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if file == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input as UTF-8 text")?;
    } else {
        text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
    }
    Ok(text)
}

/// Reads every `{"id","text"}` line; on any malformed line, reports them all and fails.
fn read_batch(catalog: &ProductIndex, file: &Path, input: &str) -> anyhow::Result<String> {
    let mut out = String::new();
    let mut bad = 0usize;
    for (n, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match batch_line(catalog, line) {
            Ok(json) => {
                out += &json;
                out.push('\n');
            }
            Err(problem) => {
                bad += 1;
                // Every problem on its own line, so all can be fixed in one pass.
                eprintln!("{} line {}: {problem}", shown(file), n + 1);
            }
        }
    }
    if bad > 0 {
        bail!(
            "{} has {bad} malformed line(s); nothing was written",
            shown(file)
        );
    }
    Ok(out)
}

/// One output line: the input's `id` beside the reading.
fn batch_line(catalog: &ProductIndex, line: &str) -> Result<String, String> {
    let row: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(row) = row else {
        return Err("not a JSON object".into());
    };
    let id = match row.get("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
        _ => return Err("no \"id\" (a string or number)".into()),
    };
    let Some(text) = row.get("text").and_then(Value::as_str) else {
        return Err("no \"text\" string".into());
    };
    let mut reading = match reader::read(catalog, text).to_debug_json() {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    reading.insert("id".into(), id);
    serde_json::to_string(&reading).map_err(|e| e.to_string())
}

/// Scores every file, and with several adds their total; any file that cannot be read or
/// scored fails the whole run, so a partial report is never taken for a whole one.
fn score_files(catalog: &ProductIndex, files: &[PathBuf]) -> anyhow::Result<String> {
    let stdin = Path::new("-");
    if files.iter().filter(|f| f.as_path() == stdin).count() > 1 {
        bail!("standard input (-) can be scored only once");
    }
    let mut scores = Vec::with_capacity(files.len());
    for file in files {
        let corpus = read_input(file)?;
        let score =
            reader::score::score(catalog, &corpus).map_err(|e| anyhow!("{}: {e}", shown(file)))?;
        scores.push(score);
    }
    let products = catalog.items().len();
    let reports: Vec<String> = files
        .iter()
        .zip(&scores)
        .map(|(file, s)| report(s, file, products))
        .collect();
    let mut out = reports.join("\n");
    if files.len() > 1 {
        out += "\n";
        out += &total_report(files, &scores);
    }
    Ok(out)
}

/// The files together: their summed figures, then each file's exact rate on one line.
fn total_report(files: &[PathBuf], scores: &[Score]) -> String {
    let t = reader::score::total(scores);
    let mut r = format!("total: {} files ({} messages)\n", files.len(), t.total);
    r += &figures(&t);
    r += &confusion(&t);
    r += "per file:\n";
    for (file, s) in files.iter().zip(scores) {
        r += &format!(
            "  {:.3} ({}/{}) {}\n",
            s.exact_rate(),
            s.exact,
            s.total,
            shown(file)
        );
    }
    r
}

/// The score as a person reads it: rates first, then every miss with what was expected.
fn report(s: &Score, file: &Path, products: usize) -> String {
    let mut r = format!(
        "corpus: {} ({} messages, catalog of {products} active products)\n",
        shown(file),
        s.total
    );
    r += &figures(s);
    r += "field accuracy:\n";
    for (name, f) in &s.fields {
        r += &format!(
            "  {name:<8} {:.3} (found {}/{} stated, {} given but not stated)\n",
            s.field_accuracy(name),
            f.found,
            f.expected,
            f.spurious
        );
    }
    r += &confusion(s);
    r += &misses(
        "misses (intent, items, unclear or unknown wrong)",
        &s.misses,
    );
    r += &misses(
        "field misses (read right, a field differs)",
        &s.field_misses,
    );
    r
}

/// Exact-match rate, intent accuracy and item precision and recall.
fn figures(s: &Score) -> String {
    let mut r = format!(
        "exact match rate: {:.3} ({}/{})\n",
        s.exact_rate(),
        s.exact,
        s.total
    );
    r += &format!(
        "intent accuracy: {:.3} ({}/{})\n",
        ratio(s.intent_right, s.total),
        s.intent_right,
        s.total
    );
    r += &format!(
        "item precision: {:.3} ({}/{})\n",
        s.item_precision(),
        s.items_right,
        s.items_got
    );
    r += &format!(
        "item recall: {:.3} ({}/{})\n",
        s.item_recall(),
        s.items_right,
        s.items_expected
    );
    r
}

/// How the misses went wrong: lines of each kind (messages for the intent), and in how
/// many messages.
fn confusion(s: &Score) -> String {
    let mut r = String::from("confusion (intent by message, the rest by line):\n");
    let messages = s.confused_messages.named();
    for ((name, n), (_, m)) in s.confusion.named().into_iter().zip(messages) {
        r += &format!("  {name:<14} {n} in {m} message(s)\n");
    }
    r
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

fn misses(title: &str, list: &[Miss]) -> String {
    let mut r = format!("{title}: {}\n", list.len());
    for m in list {
        // JSON-quoted so a multi-line message stays on one line.
        let text = Value::String(m.text.clone());
        r += &format!(
            "  {} {text}\n    expected {}\n    got      {}\n",
            m.id, m.expected, m.got
        );
        let kinds: Vec<String> = m
            .confusion
            .named()
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        if !kinds.is_empty() {
            r += &format!("    differs  {}\n", kinds.join(", "));
        }
    }
    r
}
