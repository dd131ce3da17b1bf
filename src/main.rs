//! The `novi` binary: parse the command line, run the command, and exit non-zero with one
//! readable line when it fails.

use clap::Parser;

/// mimalloc: under a flood of webhooks glibc's allocator took 15% of the server's time, a quarter
/// of that merging free lists (`malloc_consolidate`) as connections' read buffers grew.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = novi::cli::Cli::parse();
    match novi::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // One readable line: the error and its causes, joined.
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
