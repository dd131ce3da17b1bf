//! `novi completions SHELL` and `novi man`: scripts each shell loads, and a page `man` reads,
//! made from the command line itself, so every subcommand is in them.

use crate::support::process::{novi, ok};

const SUBCOMMANDS: [&str; 6] = ["serve", "backup", "restore", "doctor", "completions", "man"];

#[test]
fn each_shell_completes_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let script = ok(dir.path(), &["completions", shell], "");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} script lacks {sub}");
        }
    }
    // The shells' own markers: each script is the kind its shell loads.
    let bash = ok(dir.path(), &["completions", "bash"], "");
    assert!(bash.contains("complete -F"), "{bash}");
    assert!(ok(dir.path(), &["completions", "zsh"], "").starts_with("#compdef novi"));
    assert!(ok(dir.path(), &["completions", "fish"], "").contains("complete -c novi"));
    let unknown = novi(dir.path(), &["completions", "tcsh"], "");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).starts_with("error: invalid value 'tcsh'"));
    assert!(!dir.path().join("novi.db").exists(), "nothing is written");
}

#[test]
fn the_man_page_is_roff_naming_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let page = ok(dir.path(), &["man"], "");
    assert!(page.starts_with(".TH novi 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("novi\\-{sub}")),
            "man page lacks {sub}"
        );
    }
}
