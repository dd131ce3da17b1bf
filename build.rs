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
    // Rust links this target with its own LLD, which reads a symbol ordering file; other
    // linkers may not, and `NOVI_NO_LINK_ORDER=1` leaves it out for one that does not.
    let lld = std::env::var("TARGET").as_deref() == Ok("x86_64-unknown-linux-gnu");
    let wanted = std::env::var_os("NOVI_NO_LINK_ORDER").is_none();
    let order = Path::new(env!("CARGO_MANIFEST_DIR")).join(ORDER);
    if release && lld && wanted && order.exists() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        // A function renamed or gone since the file was written is laid out as usual.
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}
