//! `novi completions SHELL` and `novi man`: shell completion scripts and the manual page, both
//! made from the command line's own definition, so they never drift from it.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::Cli;

/// Prints the completion script for `shell`.
pub fn completions(shell: Shell) -> anyhow::Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "novi", &mut script);
    print(&script)
}

/// Prints the manual page (roff), what `man` reads as `novi.1`.
pub fn man() -> anyhow::Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    print(title_first(&String::from_utf8(page)?).as_bytes())
}

/// The page with its `.TH` title line first, as man pages conventionally start (and as
/// packaging checks look for). The renderer writes a two-line definition of the apostrophe
/// string (`Aq`) before it; that may as well follow the title, which uses no apostrophe.
fn title_first(page: &str) -> String {
    let Some(start) = page.find("\n.TH ").map(|i| i + 1) else {
        return page.to_owned();
    };
    let end = page[start..]
        .find('\n')
        .map_or(page.len(), |i| start + i + 1);
    let title = &page[start..end];
    if title.contains("\\*(Aq") {
        return page.to_owned();
    }
    format!("{title}{}{}", &page[..start], &page[end..])
}

/// Writes to standard output; a reader that stopped early (`| head`) is no error.
fn print(bytes: &[u8]) -> anyhow::Result<()> {
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(super::unwritten(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_line_comes_first() {
        let page = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH novi 1 \"novi 0.1.0\"\n.SH NAME\n";
        let moved = title_first(page);
        assert!(
            moved.starts_with(".TH novi 1 \"novi 0.1.0\"\n.ie "),
            "{moved}"
        );
        assert!(moved.ends_with(".el .ds Aq '\n.SH NAME\n"), "{moved}");
        assert_eq!(moved.len(), page.len());
    }
}
