//! `novi doctor` as the tests read it.
//!
//! Its free-disk check speaks for the machine the tests run on, not for the install a test set
//! up: on a build machine short of space it fails every run. A test of the other checks reads a
//! run as passed when free disk is the only thing that failed. The rule of that check is a unit
//! test beside it, and `doctor::a_healthy_install_passes_every_check` holds its line to the
//! figure it reports.

use std::process::Output;

/// Whether the run passed, setting aside the machine's own free disk; and its report.
pub fn verdict(out: &Output) -> (bool, String) {
    let report = String::from_utf8(out.stdout.clone()).unwrap();
    let failed: Vec<&str> = report.lines().filter(|l| l.starts_with("FAIL")).collect();
    let only_disk = !failed.is_empty() && failed.iter().all(|l| is_check(l, "free disk"));
    (out.status.success() || only_disk, report)
}

/// Whether `line` of a report is the one for `check` (each line is a 6-column level, then it).
pub fn is_check(line: &str, check: &str) -> bool {
    line.get(6..)
        .and_then(|rest| rest.strip_prefix(check))
        .is_some_and(|rest| rest.starts_with(':'))
}
