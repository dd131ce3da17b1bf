//! Rebuilds when a migration is added or changed: the migrations are embedded in the binary
//! at compile time, and without this a new file would not be seen until other code changed.
//!
//! A release build for x86-64 Linux also hands the linker `packaging/link-order.txt`, the
//! functions Novi runs to start, wait and serve (written by `scripts/link-order.sh`). Laid out
//! together, they take a few megabytes of the binary's pages in memory instead of pieces of
//! nearly all of it: the kernel maps code 64 KB at a time around what runs.

use std::path::Path;

const ORDER: &str = "packaging/link-order.txt";

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed={ORDER}");
    println!("cargo:rerun-if-env-changed=NOVI_NO_LINK_ORDER");
    let release = std::env::var("PROFILE").as_deref() == Ok("release");
    let wanted = std::env::var_os("NOVI_NO_LINK_ORDER").is_none();
    // The directory of the checkout being built, as Cargo says when it runs this script: the
    // script's binary is reused for another checkout sharing the target directory (a second
    // work tree), and the directory written into it at compile time (`env!`) is the first
    // one's, which may be gone; the file was then not found and silently left out.
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
    let order = Path::new(&dir).join(ORDER);
    // Asked last: it runs rustc, which only a release build needs.
    if release && wanted && order.exists() && lld() {
        // Relative: rustc, and the linker it starts, run in the package's directory. Cargo may
        // reuse this script's output for another checkout sharing a target directory, and an
        // absolute path would then lay that checkout out by this one's file.
        println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={ORDER}");
        // A function renamed or gone since the file was written is laid out as usual.
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether the linker reads a symbol ordering file. Rust links this target with its own LLD
/// (since 1.90), which does; GNU ld does not. A linker set in Cargo's configuration
/// (`RUSTC_LINKER`) or in RUSTFLAGS is left alone, and `NOVI_NO_LINK_ORDER=1` leaves the file
/// out for any other.
fn lld() -> bool {
    let configured = std::env::var_os("RUSTC_LINKER").is_some()
        || std::env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|f| f.contains("link"));
    std::env::var("TARGET").as_deref() == Ok("x86_64-unknown-linux-gnu")
        && !configured
        && rustc_minor().is_some_and(|minor| minor >= 90)
}

/// The minor version of the rustc building Novi (`1.95.0` gives 95).
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var_os("RUSTC")?;
    let out = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.split_whitespace()
        .nth(1)?
        .split('.')
        .nth(1)?
        .parse()
        .ok()
}
