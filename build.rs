//! Rebuilds when a migration is added or changed: the migrations are embedded in the binary
//! at compile time, and without this a new file would not be seen until other code changed.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
