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

/// The most a parser may allocate for `len` bytes of input: 64 bytes for each byte, plus 64 KiB
/// for fixed costs. Linear, so no input can make it blow up.
fn bound(len: usize) -> usize {
    64 * len + 64 * 1024
}

/// Fails the case when `usage` (peak held and total asked for) is over [`bound`] for `len` bytes.
fn within_bound(what: &str, len: usize, usage: Usage) -> Result<(), TestCaseError> {
    let limit = bound(len);
    if usage.total > limit {
        return Err(TestCaseError::fail(format!(
            "{what}: {len} bytes of input allocated {} bytes in all (peak {}), over {limit}",
            usage.total, usage.peak
        )));
    }
    Ok(())
}
