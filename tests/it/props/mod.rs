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

/// How much a parser may allocate for each byte of its input: `held` at most at once, `asked`
/// at most in all (buffers grown, and built and dropped along the way, count too).
#[derive(Clone, Copy)]
struct Allowance {
    held: usize,
    asked: usize,
}

/// The parsers' allowance.
const PER_BYTE: Allowance = Allowance {
    held: 64,
    asked: 256,
};

/// The reader keeps a token, a place in a clause and an element for every word, and a word
/// can be one byte long ("1,1,1,…"), so it may hold more per byte; and its spelling-slip
/// matcher compares each word with every catalog name of the same first letter, allocating
/// for each comparison, so it asks for much more in all (about 1,100 bytes per byte at most
/// with the sweet shop's catalog). Still linear: memory or work growing faster than the input
/// fails whatever the factors.
const READER_PER_BYTE: Allowance = Allowance {
    held: 256,
    asked: 2048,
};

/// Fails the case when `usage` is over `per_byte` for `len` bytes of input, plus 64 KiB held
/// and 256 KiB asked for as fixed costs.
fn within_bound(
    what: &str,
    len: usize,
    per_byte: Allowance,
    usage: Usage,
) -> Result<(), TestCaseError> {
    let held = per_byte.held * len + 64 * 1024;
    let asked = per_byte.asked * len + 256 * 1024;
    if usage.peak > held || usage.total > asked {
        return Err(TestCaseError::fail(format!(
            "{what}: {len} bytes of input held {} bytes at once (at most {held}) and asked for \
             {} in all (at most {asked})",
            usage.peak, usage.total
        )));
    }
    Ok(())
}
