//! The catalog file: one product per CSV row, imported all-or-nothing and exported so
//! that an untouched file comes back byte-for-byte.
//!
//! Columns: `sku,name,category,unit,price,aliases,variants,stock`.
//!
//! - `unit` is `kg` or `pc`; `price` is in rupees (up to 2 decimals), per kg or per piece.
//! - `aliases` are separated by `|`.
//! - `variants` are `label=amount;label=amount`, amount in grams or pieces, first is the
//!   default; `label=amount@price` gives a variant its own price in rupees.
//! - `stock` is in grams or pieces.
//! - Prices, pack amounts and stock are held to the limits in `domain::limits`.
//!
//! Blank lines (and rows of only commas, as spreadsheets save them) are skipped, and a
//! UTF-8 byte-order mark is ignored. A file with a header but no products is rejected,
//! so an accidental import cannot wipe the catalog.

use std::collections::HashMap;
use std::fmt;
use std::io;

use super::products;
use crate::domain::limits::{check_line_amount, MAX_STOCK};
use crate::domain::sheet::{cell, uncell};
use crate::domain::{Money, Sku, Unit};

/// The header line, column by column.
pub const HEADER: [&str; 8] = [
    "sku", "name", "category", "unit", "price", "aliases", "variants", "stock",
];

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The most problems reported for one file; past them, reading stops.
pub const MAX_ERRORS: usize = 100;

/// One product as written in the catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    pub sku: Sku,
    pub name: String,
    pub category: String,
    pub unit: Unit,
    /// Per kg for `kg` products, per piece for `pc` products.
    pub price: Money,
    pub aliases: Vec<String>,
    /// The first variant is the default.
    pub variants: Vec<VariantRow>,
    /// Grams for `kg` products, pieces for `pc` products.
    pub stock: u64,
}

/// A ready-made pack size, e.g. `500 g=500` or `Box of 12=12@220`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantRow {
    pub label: String,
    /// Grams or pieces, always more than zero.
    pub amount: u32,
    /// The pack's own price; `None` means it is priced from the product's unit price.
    pub price: Option<Money>,
}

/// One problem found on one line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// 1-based line in the file; the header is line 1.
    pub line: u64,
    pub message: String,
}

/// Every problem found in a rejected file, in file order. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportErrors {
    pub errors: Vec<ImportError>,
}

impl ImportErrors {
    /// "3 problems", or "more than 100 problems" when reading stopped there (its last entry
    /// is then the note that it stopped, not a problem of the file).
    pub fn how_many(&self) -> String {
        if self.errors.len() > MAX_ERRORS {
            format!("more than {MAX_ERRORS} problems")
        } else {
            crate::domain::plural::count(self.errors.len(), "problem", "problems")
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportErrors {}

impl ImportErrors {
    fn one(line: u64, message: impl Into<String>) -> ImportErrors {
        let message = message.into();
        ImportErrors {
            errors: vec![ImportError { line, message }],
        }
    }
}

/// Reads a whole catalog file. Either every row is good and all are returned, or
/// nothing is and every problem is reported with its line number.
pub fn parse_catalog(mut reader: impl io::Read) -> Result<Vec<ProductRow>, ImportErrors> {
    // Catalogs are small, and reading it all lets us drop a spreadsheet's BOM up front.
    let mut bytes = Vec::new();
    if let Err(e) = reader.read_to_end(&mut bytes) {
        return Err(ImportErrors::one(
            1,
            format!("could not read the file: {e}"),
        ));
    }
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(&bytes);
    let mut records = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
        .into_byte_records();
    match records.next() {
        None => Err(ImportErrors::one(1, empty_file_message())),
        Some(Err(e)) => Err(ImportErrors::one(
            1,
            format!("could not read the file: {e}"),
        )),
        Some(Ok(header)) => {
            check_header(&header)?;
            // The reader's own line count passes over blank lines it skips; a record's line is
            // counted from its byte offset instead, so it names the line as an editor shows it.
            let newlines: Vec<usize> = memchr::memchr_iter(b'\n', bytes).collect();
            let line_at = |byte: u64| {
                // A record's position is where the reader began, blank lines before it included.
                let from = usize::try_from(byte).unwrap_or(usize::MAX);
                let skipped = bytes.get(from..).map_or(0, |rest| {
                    rest.iter()
                        .take_while(|b| matches!(b, b'\r' | b'\n'))
                        .count()
                });
                let before = newlines.partition_point(|&at| at < from + skipped);
                u64::try_from(before).unwrap_or(u64::MAX - 1) + 1
            };
            parse_body(records, line_at)
        }
    }
}

fn empty_file_message() -> String {
    format!(
        "the file is empty; it must start with the header {}",
        HEADER.join(",")
    )
}

fn check_header(record: &::csv::ByteRecord) -> Result<(), ImportErrors> {
    let column = |field: &[u8]| String::from_utf8_lossy(field).trim().to_ascii_lowercase();
    if record.len() == HEADER.len() && record.iter().zip(HEADER).all(|(f, h)| column(f) == h) {
        return Ok(());
    }
    let message = format!(
        "the first line must be the header {}, but it is {}",
        HEADER.join(","),
        shown_header(record)
    );
    Err(ImportErrors::one(1, message))
}

/// How much of a wrong first line its message repeats, in characters.
const HEADER_SHOWN: usize = 120;

/// The first line as its message repeats it: columns trimmed and lowercased as they are
/// compared, cut after [`HEADER_SHOWN`] characters. A file with no line breaks is all one
/// line, and its message must not be the whole file again (nor its reading hold a copy of
/// every column).
fn shown_header(record: &::csv::ByteRecord) -> String {
    let mut shown = String::new();
    for (i, field) in record.iter().enumerate() {
        if i > 0 {
            shown.push(',');
        }
        // Enough bytes for the characters shown and one more, however many bytes each takes,
        // so a character cut in two lies past the cut.
        let field = field.trim_ascii_start();
        let part = &field[..field.len().min(4 * (HEADER_SHOWN + 1))];
        shown.push_str(&String::from_utf8_lossy(part).trim().to_ascii_lowercase());
        if let Some((cut, _)) = shown.char_indices().nth(HEADER_SHOWN) {
            shown.truncate(cut);
            shown.push('…');
            break;
        }
    }
    shown
}

fn parse_body(
    records: impl Iterator<Item = ::csv::Result<::csv::ByteRecord>>,
    line_at: impl Fn(u64) -> u64,
) -> Result<Vec<ProductRow>, ImportErrors> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut first_seen: HashMap<Sku, u64> = HashMap::new();
    let mut last_line = 1;
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let message = format!("could not read the file: {e}");
                errors.push(ImportError {
                    line: last_line + 1,
                    message,
                });
                break;
            }
        };
        last_line = record
            .position()
            .map_or(last_line + 1, |p| line_at(p.byte()));
        match parse_record(&record, last_line, &mut first_seen) {
            Ok(row) => rows.extend(row),
            Err(problems) => errors.extend(problems.into_iter().map(|message| ImportError {
                line: last_line,
                message,
            })),
        }
        if errors.len() > MAX_ERRORS {
            // A file that is not a catalog at all would otherwise get a message for every
            // line, held in memory at many times the file's size, then printed.
            errors.truncate(MAX_ERRORS);
            let message = format!("stopped after {MAX_ERRORS} problems; fix these and try again");
            errors.push(ImportError {
                line: last_line,
                message,
            });
            break;
        }
    }
    finish(rows, errors, last_line)
}

fn finish(
    rows: Vec<ProductRow>,
    errors: Vec<ImportError>,
    last_line: u64,
) -> Result<Vec<ProductRow>, ImportErrors> {
    if !errors.is_empty() {
        return Err(ImportErrors { errors });
    }
    if rows.is_empty() {
        let message = "the file has a header but no products";
        return Err(ImportErrors::one(last_line + 1, message));
    }
    Ok(rows)
}

/// One line's product, `Ok(None)` for a blank line, or every problem on the line.
fn parse_record(
    record: &::csv::ByteRecord,
    line: u64,
    first_seen: &mut HashMap<Sku, u64>,
) -> Result<Option<ProductRow>, Vec<String>> {
    // Spreadsheets on Windows may save in a legacy encoding; say so rather than guess.
    let fields = record
        .iter()
        .map(std::str::from_utf8)
        .collect::<Result<Vec<&str>, _>>()
        .map_err(|_| {
            vec!["this line is not UTF-8 text; save the file as \"CSV UTF-8\"".to_owned()]
        })?;
    if fields.iter().all(|f| f.trim().is_empty()) {
        return Ok(None);
    }
    let mut problems = Vec::new();
    let row = parse_row(&fields, &mut problems);
    problems.extend(check_duplicate(&fields, line, first_seen));
    match row {
        Some(row) if problems.is_empty() => Ok(Some(row)),
        _ => Err(problems),
    }
}

/// Returns the row if every field is good; otherwise pushes one message per bad field.
fn parse_row(fields: &[&str], problems: &mut Vec<String>) -> Option<ProductRow> {
    if fields.len() != HEADER.len() {
        problems.push(format!(
            "expected {} columns ({}) but found {}; check for a missing or extra comma",
            HEADER.len(),
            HEADER.join(","),
            fields.len()
        ));
        return None;
    }
    let p = problems;
    // Text cells an export wrote as text, a spreadsheet not running them, are read as they were.
    let (name, category, aliases, variants) = (
        uncell(fields[1]),
        uncell(fields[2]),
        uncell(fields[5]),
        uncell(fields[6]),
    );
    let sku = keep(Sku::parse(fields[0]).map_err(|e| e.to_string()), p);
    let name = keep(parse_name(name), p);
    let category = keep(products::text(category, "category", false), p);
    let aliases = keep(parse_aliases(aliases), p);
    let unit = keep(fields[3].parse::<Unit>().map_err(|e| e.to_string()), p);
    let price = keep(
        Money::parse_major(fields[4]).map_err(|e| e.describe("price")),
        p,
    );
    let variants = keep(parse_variants(variants).and_then(|v| packs_fit(unit, v)), p);
    let stock = keep(parse_stock(fields[7]), p);
    Some(ProductRow {
        sku: sku?,
        name: name?,
        category: category?,
        unit: unit?,
        price: price?,
        aliases: aliases?,
        variants: variants?,
        stock: stock?,
    })
}

/// Records the problem and carries on, so one row can report every bad field.
fn keep<T>(result: Result<T, String>, problems: &mut Vec<String>) -> Option<T> {
    result.map_err(|m| problems.push(m)).ok()
}

fn check_duplicate(
    fields: &[&str],
    line: u64,
    first_seen: &mut HashMap<Sku, u64>,
) -> Option<String> {
    let sku = Sku::parse(fields.first()?).ok()?;
    match first_seen.get(&sku) {
        Some(first) => Some(format!(
            "sku \"{sku}\" appears twice (first on line {first})"
        )),
        None => {
            first_seen.insert(sku, line);
            None
        }
    }
}

fn parse_name(field: &str) -> Result<String, String> {
    products::text(field, "name", true)
}

fn parse_aliases(field: &str) -> Result<Vec<String>, String> {
    field
        .split('|')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| {
            products::text(
                a,
                &format!("alias \"{}\"", crate::domain::cut_short(a, 30)),
                true,
            )
        })
        .collect()
}

/// Reports only the first bad variant, which is enough to point the owner at the cell.
fn parse_variants(field: &str) -> Result<Vec<VariantRow>, String> {
    let mut variants: Vec<VariantRow> = Vec::new();
    // Empty parts come from a stray `;`, which is easy to leave in a spreadsheet cell.
    for part in field.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let variant = parse_variant(part)?;
        if variants.iter().any(|v| v.label == variant.label) {
            return Err(format!("variant \"{}\" appears twice", variant.label));
        }
        variants.push(variant);
    }
    Ok(variants)
}

/// A pack holds no more than one order line can, or no count of it could be ordered.
fn packs_fit(unit: Option<Unit>, variants: Vec<VariantRow>) -> Result<Vec<VariantRow>, String> {
    let Some(unit) = unit else {
        return Ok(variants);
    };
    for v in &variants {
        check_line_amount(unit, u64::from(v.amount))
            .map_err(|e| format!("variant \"{}\": {e}", v.label))?;
    }
    Ok(variants)
}

fn parse_variant(part: &str) -> Result<VariantRow, String> {
    let syntax = || format!("variant \"{part}\" must look like label=amount, e.g. 250 g=250");
    let (label, rest) = part.split_once('=').ok_or_else(syntax)?;
    let label = label.trim();
    if label.is_empty() {
        return Err(syntax());
    }
    let label = products::text(
        label,
        &format!("variant \"{}\"", crate::domain::cut_short(label, 30)),
        true,
    )?;
    let label = label.as_str();
    let (amount, price) = match rest.split_once('@') {
        Some((amount, price)) => (amount, Some(price)),
        None => (rest, None),
    };
    let amount = parse_variant_amount(label, amount.trim())?;
    let price = price
        .map(|p| {
            Money::parse_major(p).map_err(|e| e.describe(&format!("variant \"{label}\" price")))
        })
        .transpose()?;
    Ok(VariantRow {
        label: label.to_owned(),
        amount,
        price,
    })
}

fn parse_variant_amount(label: &str, text: &str) -> Result<u32, String> {
    let field = format!("variant \"{label}\" amount");
    match parse_count(text).map(u32::try_from) {
        Ok(Ok(0)) => Err(format!("{field} must be more than 0")),
        Ok(Ok(amount)) => Ok(amount),
        Ok(Err(_)) => Err(count_message(&field, text, CountProblem::TooLarge)),
        Err(problem) => Err(count_message(&field, text, problem)),
    }
}

fn parse_stock(field: &str) -> Result<u64, String> {
    let text = field.trim();
    match parse_count(text) {
        Ok(n) if n > MAX_STOCK.unsigned_abs() => Err(format!(
            "stock \"{text}\" is more than Novi keeps of one product ({MAX_STOCK} grams or pieces)"
        )),
        Ok(n) => Ok(n),
        Err(problem) => Err(count_message("stock", text, problem)),
    }
}

#[derive(Clone, Copy)]
enum CountProblem {
    Empty,
    Negative,
    NotWhole,
    TooLarge,
}

/// Digits only: Rust's own integer parse would also accept a leading `+`.
fn parse_count(text: &str) -> Result<u64, CountProblem> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if text.is_empty() {
        Err(CountProblem::Empty)
    } else if text.strip_prefix('-').is_some_and(digits) {
        Err(CountProblem::Negative)
    } else if !digits(text) {
        Err(CountProblem::NotWhole)
    } else {
        text.parse().map_err(|_| CountProblem::TooLarge)
    }
}

fn count_message(field: &str, text: &str, problem: CountProblem) -> String {
    match problem {
        CountProblem::Empty => format!("{field} is empty; write a whole number of grams or pieces"),
        CountProblem::Negative => format!("{field} \"{text}\" cannot be negative"),
        CountProblem::NotWhole => {
            format!("{field} \"{text}\" is not a whole number of grams or pieces")
        }
        CountProblem::TooLarge => format!("{field} \"{text}\" is too large"),
    }
}

/// Writes the catalog with a header. Checks every row first and, writing nothing, fails
/// with `InvalidInput` if one holds a value the format cannot carry (e.g. an alias with
/// `|`), so every exported file can be imported again. With no rows it writes just the
/// header, which `parse_catalog` rejects as having no products.
pub fn write_catalog(rows: &[ProductRow], out: impl io::Write) -> io::Result<()> {
    if let Some(message) = rows.iter().find_map(unwritable) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    }
    let mut writer = ::csv::WriterBuilder::new().from_writer(out);
    writer.write_record(HEADER)?;
    for row in rows {
        writer.write_record(encode_row(row))?;
    }
    writer.flush()
}

fn encode_row(row: &ProductRow) -> [String; 8] {
    [
        row.sku.to_string(),
        cell(&row.name),
        cell(&row.category),
        row.unit.to_string(),
        row.price.to_major_string(),
        cell(&row.aliases.join("|")),
        cell(&encode_variants(&row.variants)),
        row.stock.to_string(),
    ]
}

fn encode_variants(variants: &[VariantRow]) -> String {
    let encoded: Vec<String> = variants
        .iter()
        .map(|v| match v.price {
            Some(price) => format!("{}={}@{}", v.label, v.amount, price.to_major_string()),
            None => format!("{}={}", v.label, v.amount),
        })
        .collect();
    encoded.join(";")
}

/// Mirrors the reader's rules, since the row's fields are public and may hold anything.
fn unwritable(row: &ProductRow) -> Option<String> {
    row_problem(row).map(|problem| format!("product \"{}\": {problem}", row.sku))
}

fn row_problem(row: &ProductRow) -> Option<String> {
    let padded = |s: &str| s.trim() != s;
    if row.name.is_empty() || padded(&row.name) {
        return Some(format!(
            "name \"{}\" is empty or has spaces around it",
            row.name
        ));
    }
    if padded(&row.category) {
        return Some(format!(
            "category \"{}\" has spaces around it",
            row.category
        ));
    }
    if row.price.is_negative() {
        return Some("price cannot be negative".to_owned());
    }
    let bad_alias = row
        .aliases
        .iter()
        .find(|a| a.is_empty() || padded(a) || a.contains('|'));
    if let Some(alias) = bad_alias {
        return Some(format!(
            "alias \"{alias}\" is empty, has spaces around it or contains |"
        ));
    }
    row.variants.iter().find_map(unwritable_variant)
}

fn unwritable_variant(v: &VariantRow) -> Option<String> {
    let label = &v.label;
    if label.is_empty() || label.trim() != label || label.contains(['=', ';']) {
        return Some(format!(
            "variant \"{label}\" is empty, has spaces around it or contains = or ;"
        ));
    }
    if v.amount == 0 {
        return Some(format!("variant \"{label}\" amount must be more than 0"));
    }
    if v.price.is_some_and(Money::is_negative) {
        return Some(format!("variant \"{label}\" price cannot be negative"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../tests/data/sweetshop-catalog.csv");
    const HEAD: &str = "sku,name,category,unit,price,aliases,variants,stock\n";
    const GOOD: &str =
        "kaju-katli,Kaju Katli,Sweets,kg,1200,kaju|cashew katli,250 g=250;1 kg=1000,20000\n";

    fn parse(text: &str) -> Result<Vec<ProductRow>, ImportErrors> {
        parse_catalog(text.as_bytes())
    }

    fn errors(text: &str) -> Vec<String> {
        let errs = parse(text).expect_err("file should be rejected");
        errs.errors.iter().map(ToString::to_string).collect()
    }

    fn write(rows: &[ProductRow]) -> String {
        let mut out = Vec::new();
        write_catalog(rows, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_name_a_spreadsheet_would_run_is_written_as_text_and_read_back_as_it_was() {
        let csv = "sku,name,category,unit,price,aliases,variants,stock\n\
                   new-r,'=HYPERLINK(\"x\"),@Sweets,pc,10,+plus|kaju,-Box=12,5\n";
        let rows = parse(csv).unwrap();
        assert_eq!(rows[0].name, "=HYPERLINK(\"x\")");
        assert_eq!(rows[0].category, "@Sweets");
        assert_eq!(rows[0].aliases, ["+plus", "kaju"]);
        let written = write(&rows);
        assert!(
            written
                .contains("new-r,\"'=HYPERLINK(\"\"x\"\")\",'@Sweets,pc,10,'+plus|kaju,'-Box=12,5"),
            "{written}"
        );
        assert_eq!(parse(&written).unwrap(), rows);
    }

    #[test]
    fn a_file_cut_off_at_the_limit_is_said_to_have_more_problems() {
        let bad: String = (0..300)
            .map(|i| format!("b{i},Bad,Cat,pc,abc,,,5\n"))
            .collect();
        let many = parse(&format!("{HEAD}{bad}")).unwrap_err();
        assert_eq!(many.how_many(), "more than 100 problems");
        let two = parse(&format!("{HEAD}a,A,Cat,pc,x,,,5\nb,B,Cat,pc,y,,,5\n")).unwrap_err();
        assert_eq!(two.how_many(), "2 problems");
        // Exactly the limit is all of them: nothing was left unread.
        let hundred: String = (0..100)
            .map(|i| format!("b{i},Bad,Cat,pc,abc,,,5\n"))
            .collect();
        let all = parse(&format!("{HEAD}{hundred}")).unwrap_err();
        assert_eq!(all.how_many(), "100 problems");
        assert!(!all.errors.iter().any(|e| e.message.starts_with("stopped")));
    }

    #[test]
    fn text_the_product_form_would_refuse_is_refused_here_too() {
        let long = "N".repeat(101);
        let csv = format!(
            "{HEAD}a,Null\u{0}Byte,Cat,pc,10,,,5\n\
             b,\"Line\nBreak\",Cat,pc,10,,,5\n\
             c,{long},Cat,pc,10,,,5\n\
             d,Dhokla,\"Ca\tt\",pc,10,,,5\n\
             e,Kachori,Cat,pc,10,ok|ba\u{1b}d,,5\n\
             f,Samosa,Cat,pc,10,,Bo\u{0}x=12,5\n"
        );
        let errs = errors(&csv);
        for says in [
            "line 2: name holds a control character",
            "line 3: name holds a control character",
            "line 5: name can be at most 100 characters",
            "line 6: category holds a control character",
            "line 7: alias \"ba\u{1b}d\" holds a control character",
            "line 8: variant \"Bo\u{0}x\" holds a control character",
        ] {
            assert!(
                errs.iter().any(|e| e.starts_with(says)),
                "{says}: {errs:#?}"
            );
        }
    }

    #[test]
    fn a_problem_names_its_line_as_an_editor_counts_blank_lines() {
        let row = "a,A,Cat,kg,10,,,5";
        let bad = "b,B,Cat,kg,1x,,,5";
        let header = HEADER.join(",");
        for (csv, line) in [
            (format!("{header}\n\n{bad}\n"), 3),
            (format!("{header}\n{row}\n\n\n\n{bad}\n"), 6),
            (format!("\u{feff}{header}\r\n\r\n{row}\r\n\r\n{bad}\r\n"), 5),
            (format!("{header}\n\"a\nb\",x,Cat,kg,10,,,5\n{bad}\n"), 4),
        ] {
            let errs = parse(&csv).unwrap_err();
            let price = errs.errors.iter().find(|e| e.message.contains("\"1x\""));
            assert_eq!(price.map(|e| e.line), Some(line), "{csv:?}: {errs:?}");
        }
    }

    #[test]
    fn fixture_round_trips_byte_for_byte() {
        let rows = parse(FIXTURE).unwrap();
        assert_eq!(rows.len(), 18);
        assert_eq!(write(&rows), FIXTURE);
    }

    #[test]
    fn fixture_fields_are_read() {
        let rows = parse(FIXTURE).unwrap();
        let kaju = &rows[0];
        assert_eq!(kaju.sku.as_str(), "kaju-katli");
        assert_eq!(kaju.name, "Kaju Katli");
        assert_eq!(kaju.category, "Sweets");
        assert_eq!(kaju.unit, Unit::Kg);
        assert_eq!(kaju.price, Money::from_minor(120_000));
        assert_eq!(kaju.aliases.len(), 5);
        assert_eq!(kaju.aliases[3], "cashew katli");
        let labels: Vec<_> = kaju
            .variants
            .iter()
            .map(|v| (v.label.as_str(), v.amount))
            .collect();
        assert_eq!(labels, [("250 g", 250), ("500 g", 500), ("1 kg", 1000)]);
        assert!(kaju.variants.iter().all(|v| v.price.is_none()));
        assert_eq!(kaju.stock, 20_000);
        assert_eq!(rows[1].unit, Unit::Pc);
        assert_eq!(rows[1].variants[1].label, "Box of 12");
    }

    #[test]
    fn reports_every_bad_row_with_its_line() {
        let file = format!(
            "{HEAD}{GOOD}\
             rasgulla,Rasgulla,Sweets,pc,18,,Single=1,400\n\
             jalebi,Jalebi,Sweets,kg,12x0,,250 g=250,100\n\
             samosa,Samosa,Snacks,pc,15,,Single=1\n\
             kachori,Kachori,Snacks,pc,15,,Single=1,300,extra\n\
             kaju-katli,Kaju Again,Sweets,kg,1000,,1 kg=1000,5\n\
             milk,Milk,Dairy,ltr,60,,1 l=1,5\n\
             dhokla,,Snacks,kg,280,,250 g,-5\n\
             laddu,Laddu,Sweets,kg,600,,250 g=0,10\n"
        );
        let expected = [
            "line 4: price \"12x0\" is not a number",
            "line 5: expected 8 columns (sku,name,category,unit,price,aliases,variants,stock) but found 7; check for a missing or extra comma",
            "line 6: expected 8 columns (sku,name,category,unit,price,aliases,variants,stock) but found 9; check for a missing or extra comma",
            "line 7: sku \"kaju-katli\" appears twice (first on line 2)",
            "line 8: unit must be kg or pc, got \"ltr\"",
            "line 9: name is empty",
            "line 9: variant \"250 g\" must look like label=amount, e.g. 250 g=250",
            "line 9: stock \"-5\" cannot be negative",
            "line 10: variant \"250 g\" amount must be more than 0",
        ];
        assert_eq!(errors(&file), expected);
        let shown = parse(&file).unwrap_err().to_string();
        assert_eq!(shown, expected.join("\n"));
    }

    #[test]
    fn rejects_empty_and_header_only_files() {
        let empty = "line 1: the file is empty; it must start with the header sku,name,category,unit,price,aliases,variants,stock";
        assert_eq!(errors(""), [empty]);
        assert_eq!(errors("\n\n"), [empty]);
        assert_eq!(
            errors(HEAD),
            ["line 2: the file has a header but no products"]
        );
    }

    #[test]
    fn rejects_wrong_header() {
        let file = format!("sku,name,unit,price\n{GOOD}");
        assert_eq!(
            errors(&file),
            ["line 1: the first line must be the header sku,name,category,unit,price,aliases,variants,stock, but it is sku,name,unit,price"]
        );
        // A data row where the header should be is the common mistake.
        assert_eq!(errors(GOOD).len(), 1);
    }

    /// A file with no line breaks is one long first line: its message shows the start of it,
    /// not all of it.
    #[test]
    fn a_long_wrong_first_line_is_cut_in_its_message() {
        let file = format!("{},{}\n{GOOD}", "Ä".repeat(100), " X,".repeat(5_000));
        let errors = errors(&file);
        let shown = format!("{}{}…", "Ä".repeat(100), ",x".repeat(10));
        assert_eq!(
            errors,
            [format!(
                "line 1: the first line must be the header {}, but it is {shown}",
                HEADER.join(",")
            )]
        );
    }

    #[test]
    fn accepts_spreadsheet_quirks() {
        let file = format!("\u{feff}SKU, Name ,category,unit,price,aliases,variants,stock\r\n\r\n{}\r\n,,,,,,,\r\n", GOOD.trim_end());
        let rows = parse(&file).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].stock, 20_000);
    }

    #[test]
    fn line_numbers_count_blank_and_multiline_rows() {
        let file = format!(
            "{HEAD}\n\"kaju-katli\",\"Kaju\nKatli\",Sweets,kg,1200,,1 kg=1000,5\nbad,Bad,Sweets,kg,1,,1 kg=1000,x\n"
        );
        // The row over two lines is line 3 (a name may not hold the break, as the form's
        // may not); the row after it is line 5.
        assert_eq!(
            errors(&file),
            [
                "line 3: name holds a control character or a line break",
                "line 5: stock \"x\" is not a whole number of grams or pieces"
            ]
        );
    }

    #[test]
    fn reports_non_utf8_lines() {
        let mut bytes = format!("{HEAD}{GOOD}").into_bytes();
        bytes.extend_from_slice(b"barfi,Barfi \xe9,Sweets,kg,650,,1 kg=1000,5\n");
        let errs = parse_catalog(bytes.as_slice()).unwrap_err();
        assert_eq!(
            errs.to_string(),
            "line 3: this line is not UTF-8 text; save the file as \"CSV UTF-8\""
        );
    }

    #[test]
    fn reads_and_writes_variant_prices() {
        let file = format!(
            "{HEAD}gulab-jamun,Gulab Jamun,Sweets,pc,20.5,,Single=1;Box of 12=12@220.50,400\n"
        );
        let rows = parse(&file).unwrap();
        assert_eq!(rows[0].price, Money::from_minor(2050));
        let boxed = &rows[0].variants[1];
        assert_eq!(
            (boxed.amount, boxed.price),
            (12, Some(Money::from_minor(22_050)))
        );
        assert_eq!(rows[0].variants[0].price, None);
        assert_eq!(write(&rows), file.replace("20.5,", "20.50,"));
    }

    #[test]
    fn rejects_bad_variants() {
        let cases = [
            (
                "=250",
                "variant \"=250\" must look like label=amount, e.g. 250 g=250",
            ),
            (
                "250 g=abc",
                "variant \"250 g\" amount \"abc\" is not a whole number of grams or pieces",
            ),
            (
                "250 g=",
                "variant \"250 g\" amount is empty; write a whole number of grams or pieces",
            ),
            (
                "250 g=+5",
                "variant \"250 g\" amount \"+5\" is not a whole number of grams or pieces",
            ),
            (
                "big=4294967296",
                "variant \"big\" amount \"4294967296\" is too large",
            ),
            ("a=1;a=2", "variant \"a\" appears twice"),
            (
                "a=1;b",
                "variant \"b\" must look like label=amount, e.g. 250 g=250",
            ),
            (
                "box=12@1.234",
                "variant \"box\" price \"1.234\" has more than 2 digits after the decimal point",
            ),
            ("box=12@", "variant \"box\" price is empty"),
        ];
        for (variants, message) in cases {
            let file = format!("{HEAD}x,X,Sweets,pc,1,,{variants},5\n");
            assert_eq!(errors(&file), [format!("line 2: {message}")], "{variants}");
        }
    }

    #[test]
    fn refuses_values_above_the_limits_with_their_lines() {
        let file = format!(
            "{HEAD}{GOOD}\
             a,A,Sweets,kg,500000000000000,,,5\n\
             b,B,Sweets,pc,1000000,,Box=12@1000000.01,5\n\
             c,C,Sweets,pc,10,,Sack=100001,5\n\
             d,D,Sweets,kg,10,,1000 kg=1000000,1000000001\n"
        );
        let expected = [
            "line 3: price \"500000000000000\" is more than the highest price Novi takes (1000000)",
            "line 4: variant \"Box\" price \"1000000.01\" is more than the highest price Novi takes (1000000)",
            "line 5: variant \"Sack\": 100001 pc is more than one order line can hold (at most 100000 pc)",
            "line 6: stock \"1000000001\" is more than Novi keeps of one product (1000000000 grams or pieces)",
        ];
        assert_eq!(errors(&file), expected);
    }

    #[test]
    fn empty_optional_fields_are_allowed() {
        let file = format!("{HEAD}x,X,,pc,0,,,0\n");
        let rows = parse(&file).unwrap();
        assert_eq!((rows[0].category.as_str(), rows[0].stock), ("", 0));
        let stray = parse(&format!("{HEAD}x,X,,pc,0,,a=1; ;,0\n")).unwrap();
        assert_eq!(stray[0].variants.len(), 1);
        assert!(rows[0].aliases.is_empty() && rows[0].variants.is_empty());
        assert_eq!(write(&rows), file);
    }

    #[test]
    fn tidies_aliases_and_fields() {
        let file = format!(
            "{HEAD} Kaju-Katli , Kaju Katli ,Sweets, KG ,\"1,200\", kaju || barfi ,250 g=250, 7 \n"
        );
        let row = &parse(&file).unwrap()[0];
        assert_eq!(row.sku.as_str(), "kaju-katli");
        assert_eq!(row.name, "Kaju Katli");
        assert_eq!(row.unit, Unit::Kg);
        assert_eq!(row.price, Money::from_minor(120_000));
        assert_eq!(row.aliases, ["kaju", "barfi"]);
        assert_eq!(row.stock, 7);
    }

    #[test]
    fn quotes_fields_that_need_it() {
        let file = format!(
            "{HEAD}kaju,\"Kaju Katli, Premium \"\"A\"\"\",Sweets,kg,1200.50,,1 kg=1000,5\n"
        );
        let rows = parse(&file).unwrap();
        assert_eq!(rows[0].name, "Kaju Katli, Premium \"A\"");
        assert_eq!(write(&rows), file);
    }

    #[test]
    fn writer_refuses_rows_it_cannot_read_back() {
        let mut row = parse(&format!("{HEAD}{GOOD}")).unwrap().remove(0);
        row.aliases.push("a|b".into());
        let mut out = Vec::new();
        let err = write_catalog(&[row.clone()], &mut out).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(
            err.to_string(),
            "product \"kaju-katli\": alias \"a|b\" is empty, has spaces around it or contains |"
        );
        assert!(out.is_empty());
        row.aliases.pop();
        row.variants[0].label = "a=b".into();
        assert!(write_catalog(&[row.clone()], Vec::new()).is_err());
        row.variants[0].label = "ok".into();
        row.variants[0].amount = 0;
        assert!(write_catalog(&[row.clone()], Vec::new()).is_err());
        row.variants[0].amount = 1;
        row.name = " ".into();
        assert!(write_catalog(&[row], Vec::new()).is_err());
    }

    #[test]
    fn odd_input_never_panics() {
        let inputs: [&[u8]; 9] = [
            b"\"",
            b"\"\n\"",
            b"sku",
            b"\xff\xfe",
            b"\xEF\xBB\xBF",
            b"sku,name,category,unit,price,aliases,variants,stock\n\"unterminated",
            b"sku,name,category,unit,price,aliases,variants,stock\n,,,,,,,,,,,,\n",
            b"sku,name,category,unit,price,aliases,variants,stock\n;;;,=,@,=@,;,|,=@;=,-\n",
            b"\r\r\r\n\n,",
        ];
        for input in inputs {
            let _ = parse_catalog(input);
        }
    }
}
