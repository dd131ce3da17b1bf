//! Property tests: bad input can't hurt. Generated input (text of any length and script with
//! control characters, bytes that are not text, JSON of any shape) never makes a parser panic
//! or allocate more than a bound proportional to its size, and what Novi prints parses back to
//! the same value.
//!
//! Each property runs `PROPTEST_CASES` cases (proptest's own variable; 256 when unset, so
//! `cargo test` stays quick). A longer run: `PROPTEST_CASES=1000000 cargo test --release --test
//! it props`. A failing case is shrunk to a smallest one and printed; keep it as a plain test
//! beside the code it broke.

use proptest::test_runner::{Config, TestCaseError};

use crate::support::alloc::Usage;

mod catalog;
mod domain;
mod gen;
mod reader;
mod webhooks;

/// Cases from `PROPTEST_CASES`, and no regression files written into the source tree: a
/// failure is kept as a named unit test instead.
fn config() -> Config {
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

/// Bytes a parser may hold at once for each byte of input.
const PER_BYTE: usize = 64;

/// The reader's allowance: it keeps a token, a place in a clause and an element for every
/// word, and a word can be one byte long ("1,1,1,…"), so it needs more per byte than the other
/// parsers. Still linear: memory growing faster than the input fails whatever the factor.
const READER_PER_BYTE: usize = 256;

/// Fails the case when `usage` is over the bound for `len` bytes of input: at most `per_byte`
/// bytes held at once for each byte, plus 64 KiB for fixed costs; and at most four times that
/// asked for in all, since buffers that grow or are built and dropped along the way count too.
fn within_bound(
    what: &str,
    len: usize,
    per_byte: usize,
    usage: Usage,
) -> Result<(), TestCaseError> {
    let held = per_byte * len + 64 * 1024;
    let asked = 4 * held;
    if usage.peak > held || usage.total > asked {
        return Err(TestCaseError::fail(format!(
            "{what}: {len} bytes of input held {} bytes at once (at most {held}) and asked for \
             {} in all (at most {asked})",
            usage.peak, usage.total
        )));
    }
    Ok(())
}
