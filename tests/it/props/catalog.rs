//! The catalog file: any bytes are read without a panic and in bounded memory, and a catalog
//! exported reads back as the same products.

use std::collections::HashSet;

use novi::catalog::csv::{
    parse_catalog, write_catalog, ProductRow, VariantRow, HEADER, MAX_ERRORS,
};
use novi::domain::{limits, Money, Sku, Unit};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::{config, gen, within_bound, PER_BYTE};
use crate::support::alloc::measure;

/// Text that looks like a catalog file: the header (or not), then rows of cells built from the
/// separators the format uses and the pieces the parsers look for.
fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let cell = prop_oneof![
        3 => gen::short_text(),
        1 => select(&["kg", "pc", "1200", "0", "250 g=250;1 kg=1000@10", "a|b", "\"", "\"\""][..])
            .prop_map(str::to_owned),
    ];
    let row = vec(cell, 0..11).prop_map(|cells| cells.join(","));
    (
        any::<bool>(),
        vec(row, 0..12),
        select(&["\n", "\r\n", "\r"][..]),
    )
        .prop_map(|(header, rows, end)| {
            let mut lines = Vec::new();
            if header {
                lines.push(HEADER.join(","));
            }
            lines.extend(rows);
            lines.join(end).into_bytes()
        })
}

/// Text the file can carry in a trimmed cell, as a product's text is held: no spaces around
/// it, no control character, at most 100 characters, and none of `forbidden`.
fn cell(forbidden: &'static [char]) -> impl Strategy<Value = String> {
    gen::short_text().prop_map(move |s| {
        let kept: String = s
            .replace(forbidden, "")
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
        kept.trim().to_owned()
    })
}

fn filled(forbidden: &'static [char]) -> impl Strategy<Value = String> {
    cell(forbidden).prop_map(|s| if s.is_empty() { "x".to_owned() } else { s })
}

/// Prices Novi keeps: from nothing up to its stated limit.
fn money() -> impl Strategy<Value = Money> {
    let max = limits::MAX_PRICE.minor();
    prop_oneof![0..100_000_i64, 0..=max].prop_map(Money::from_minor)
}

fn variants() -> impl Strategy<Value = Vec<VariantRow>> {
    let variant = (
        filled(&['=', ';']),
        // A pack holds at most what one order line may: the smaller of the two units' limits.
        1..=limits::MAX_LINE_PIECES,
        proptest::option::of(money()),
    );
    vec(variant, 0..5).prop_map(|vs| {
        let mut seen = HashSet::new();
        vs.into_iter()
            .filter(|(label, ..)| seen.insert(label.clone()))
            .map(|(label, amount, price)| VariantRow {
                label,
                amount,
                price,
            })
            .collect()
    })
}

/// A product as the database holds it, so as `novi catalog export` writes it.
fn product() -> impl Strategy<Value = ProductRow> {
    let sku = "[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?".prop_map(|s| Sku::parse(&s).expect("valid"));
    let unit = prop_oneof![Just(Unit::Kg), Just(Unit::Pc)];
    let text = (filled(&[]), cell(&[]), vec(filled(&['|']), 0..4));
    (
        sku,
        text,
        unit,
        money(),
        variants(),
        0..=limits::MAX_STOCK.unsigned_abs(),
    )
        .prop_map(
            |(sku, (name, category, aliases), unit, price, variants, stock)| ProductRow {
                sku,
                name,
                category,
                unit,
                price,
                aliases,
                variants,
                stock,
            },
        )
}

/// One to eight products with different skus, as a business's catalog has.
fn catalog() -> impl Strategy<Value = Vec<ProductRow>> {
    vec(product(), 1..8).prop_map(|rows| {
        let mut seen = HashSet::new();
        rows.into_iter()
            .filter(|r| seen.insert(r.sku.clone()))
            .collect()
    })
}

fn write(rows: &[ProductRow]) -> Vec<u8> {
    let mut out = Vec::new();
    write_catalog(rows, &mut out).expect("an exported catalog is writable");
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_file_is_read_in_bounded_memory(bytes in prop_oneof![gen::bytes(), csv_like()]) {
        let (_, usage) = measure(|| parse_catalog(bytes.as_slice()));
        within_bound("parse_catalog", bytes.len(), PER_BYTE, usage)?;
    }

    #[test]
    fn an_exported_catalog_reads_back_the_same(rows in catalog()) {
        let file = write(&rows);
        let back = parse_catalog(file.as_slice());
        prop_assert_eq!(back, Ok(rows), "{}", String::from_utf8_lossy(&file));
    }

    #[test]
    fn a_file_that_reads_is_written_back_the_same(bytes in csv_like()) {
        if let Ok(rows) = parse_catalog(bytes.as_slice()) {
            prop_assert_eq!(parse_catalog(write(&rows).as_slice()), Ok(rows));
        }
    }
}

/// Found by `any_file_is_read_in_bounded_memory`'s bound: a first line of 4,096 commas held
/// about 93 bytes for each, a copy of every column kept to compare and repeat in full in its
/// message. Now the columns are compared as they are read, and the message shows the start.
#[test]
fn a_first_line_of_empty_columns_reads_in_bounded_memory() {
    let file = ",".repeat(4_096);
    let (result, usage) = measure(|| parse_catalog(file.as_bytes()));
    within_bound("parse_catalog", file.len(), PER_BYTE, usage).unwrap();
    let message = result.unwrap_err().errors[0].to_string();
    assert!(message.ends_with(",,,…"), "{message}");
}

/// Found by `any_file_is_read_in_bounded_memory`'s bound: a file that is no catalog got a
/// message for every line, about 130 bytes for each 2-byte line here. Now it stops after
/// [`MAX_ERRORS`] problems and says so.
#[test]
fn a_file_of_junk_lines_reads_in_bounded_memory() {
    let file = format!("{}\n{}", HEADER.join(","), "x\n".repeat(10_000));
    let (result, usage) = measure(|| parse_catalog(file.as_bytes()));
    within_bound("parse_catalog", file.len(), PER_BYTE, usage).unwrap();
    let errors = result.unwrap_err().errors;
    assert_eq!(errors.len(), MAX_ERRORS + 1);
    let last = errors.last().unwrap().to_string();
    assert_eq!(
        last,
        "line 52: stopped after 100 problems; fix these and try again"
    );
}
