//! `novi backup [--to FILE]`, `novi backup verify FILE` and `novi restore FILE`, with a
//! progress bar on a terminal (none when output goes to a file or a pipe).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::backup::{self, Progress};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    /// The file to write [default: backups/novi-backup-<time>.tar in the data directory].
    #[arg(long)]
    pub to: Option<PathBuf>,
    #[command(subcommand)]
    pub action: Option<BackupAction>,
}

#[derive(Subcommand, Debug)]
pub enum BackupAction {
    /// Check a backup file whole: every entry against its checksum, every database by SQLite.
    Verify { file: PathBuf },
}

/// A progress bar on standard error; indicatif draws nothing when that is not a terminal.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        let style = ProgressStyle::with_template("{msg:12} [{bar:30}] {bytes}/{total_bytes} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        Self(ProgressBar::new(0).with_style(style))
    }
}

impl Progress for Bar {
    fn start(&self, what: &str, total: u64) {
        self.0.set_message(what.to_owned());
        self.0.set_length(total);
        self.0.set_position(0);
    }

    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

pub fn run(data_dir: &Path, args: BackupArgs) -> anyhow::Result<()> {
    match args.action {
        Some(BackupAction::Verify { file }) => verify(&file),
        None => make(data_dir, args.to),
    }
}

fn make(data_dir: &Path, to: Option<PathBuf>) -> anyhow::Result<()> {
    let dest = to.unwrap_or_else(|| backup::default_path(data_dir));
    let made = {
        let bar = Bar::new();
        backup::make(data_dir, &dest, &bar)?
    };
    outln!(
        "backup written to {} ({}, {})",
        made.path.display(),
        files(made.manifest.entries.len()),
        indicatif::HumanBytes(made.bytes)
    )?;
    Ok(())
}

fn verify(file: &Path) -> anyhow::Result<()> {
    let manifest = {
        let bar = Bar::new();
        backup::verify(file, &bar)?
    };
    outln!(
        "{} is a good backup: made {} by Novi {} (schema {}), {}, {}",
        file.display(),
        manifest.created_at,
        manifest.novi_version,
        manifest.schema_version,
        files(manifest.entries.len()),
        indicatif::HumanBytes(manifest.total_bytes())
    )?;
    Ok(())
}

fn files(n: usize) -> String {
    if n == 1 {
        "1 file".to_owned()
    } else {
        format!("{n} files")
    }
}

pub fn restore(data_dir: &Path, file: &Path) -> anyhow::Result<()> {
    let restored = {
        let bar = Bar::new();
        backup::restore(data_dir, file, &bar)?
    };
    let m = &restored.manifest;
    outln!(
        "restored {} into {} (made {} by Novi {})",
        file.display(),
        data_dir.display(),
        m.created_at,
        m.novi_version
    )?;
    match restored.aside {
        Some(aside) => outln!(
            "the data that was there before is kept in {}",
            aside.display()
        )?,
        None => outln!("there was no data there before")?,
    }
    outln!("start Novi again; it brings the database up to date if the backup is older")?;
    Ok(())
}
