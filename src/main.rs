//! The `novi` binary: parse the command line, run the command, and exit non-zero with one
//! readable line when it fails.

use clap::Parser;

/// mimalloc: under a flood of webhooks glibc's allocator took 15% of the server's time, a quarter
/// of that merging free lists (`malloc_consolidate`) as connections' read buffers grew.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = match novi::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return unreadable(&e),
    };
    match novi::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // One readable line: the error and its causes, joined.
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Help and the version as clap prints them; a command line it cannot read as one line: clap's
/// error with what it names (a missing argument, a near spelling), without its usage block.
fn unreadable(e: &clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    let code = u8::try_from(e.exit_code()).unwrap_or(2);
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        // Help that cannot be written (a closed pipe) has no one left to tell.
        let _ = e.print();
        return std::process::ExitCode::from(code);
    }
    let text = e.render().to_string();
    let said: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    eprintln!("{} (try --help)", said.join(" "));
    std::process::ExitCode::from(code)
}
