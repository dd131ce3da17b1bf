//! The `novi` command line: every subcommand, its flags and its environment variables.
//! Each subcommand either does what it says or exits non-zero with one readable line.

/// Writes a line of a command's output. A closed pipe or a full disk is the command's error
/// (one line, exit 1), never a panic as `println!` would make it.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).map_err(crate::cli::unwritten)
    }};
}

/// [`outln`] without the line's end.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*).map_err(crate::cli::unwritten)
    }};
}

mod admin;
mod backup;
mod business;
mod catalog;
mod completions;
mod demo;
mod doctor;
mod doctor_replica;
mod export;
mod https;
mod linked;
mod parse;
mod report;
mod serve;
mod whatsapp;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::accounts::Role;
use crate::config::LogFormat;
pub use catalog::CatalogCommand;

#[derive(Parser, Debug)]
#[command(
    name = "novi",
    version,
    about = "WhatsApp commerce for small shops, in one binary"
)]
pub struct Cli {
    /// Where Novi keeps its database, uploads and backups.
    #[arg(
        long,
        global = true,
        env = "NOVI_DATA_DIR",
        default_value = "./novi-data"
    )]
    pub data_dir: PathBuf,

    /// The settings file `serve` and `doctor` read [default: novi.toml in the data directory].
    /// A file named here must exist.
    #[arg(long, global = true, env = "NOVI_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (dashboard, WhatsApp webhooks, API).
    ///
    /// Each setting comes from its flag, else its NOVI_* environment variable, else novi.toml in
    /// the data directory, or the file --config names (`novi config print` shows a complete
    /// one), else its default.
    Serve(ServeArgs),
    /// Apply pending database migrations and say which ran.
    Migrate,
    /// Manage businesses (shops).
    #[command(subcommand)]
    Business(BusinessCommand),
    /// Manage the people who log in.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Show configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Export data.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Import or export a business's products as a CSV file.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Connect a business to WhatsApp (Cloud API, gateway, a linked phone, or simulator).
    #[command(subcommand)]
    Whatsapp(whatsapp::WhatsappCommand),
    /// Read order messages against a business's catalog, as Novi reads WhatsApp orders.
    Parse(parse::ParseArgs),
    /// Reports: a range's sales by day, product or category.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Demo data: fill a business with years of orders.
    #[command(subcommand)]
    Demo(demo::DemoCommand),
    /// Back up the database, uploads and WhatsApp sessions into one file, while Novi runs.
    Backup(backup::BackupArgs),
    /// Replace the data with a backup's (Novi must be stopped); the old data is kept aside.
    Restore {
        /// A file made by `novi backup`.
        file: PathBuf,
    },
    /// Check the install: data directory, database, disk, backups, each business's WhatsApp
    /// connection, listen address, clock. One line per check; exits non-zero when any fails.
    Doctor {
        /// Check the database fully (SQLite's integrity_check: every index against its table),
        /// not only its structure; reads the whole file, so takes longer on a large book.
        #[arg(long)]
        full: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output, e.g. `novi man > novi.1`.
    Man,
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Orders taken in a date range (shop-local days, both ends included), to standard output.
    /// CSV has one row per order line with the order's fields; JSON is an array of orders.
    Orders {
        #[arg(long)]
        business: String,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: Option<String>,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "NOVI_LISTEN")]
    pub listen: Option<String>,
    /// Create a demo shop (short code `demo`) with an owner account, once; reuse it after.
    #[arg(long, env = "NOVI_DEMO")]
    pub demo: bool,
    /// Log format [default: pretty].
    #[arg(long, env = "NOVI_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// People reach Novi over HTTPS: mark cookies Secure.
    #[arg(long, env = "NOVI_BEHIND_HTTPS")]
    pub behind_https: bool,
    /// Trust X-Forwarded-For for the client address (only behind a proxy that sets it).
    #[arg(long, env = "NOVI_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// With --trust-forwarded-for: how many proxies in front of Novi add to X-Forwarded-For
    /// [default: 1].
    #[arg(long, env = "NOVI_TRUSTED_PROXY_HOPS")]
    pub trusted_proxy_hops: Option<u32>,
    /// The URL people open Novi at, for links Novi prints.
    #[arg(long, env = "NOVI_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// How long a login lasts, in hours [default: 168].
    #[arg(long, env = "NOVI_SESSION_HOURS")]
    pub session_hours: Option<u32>,
    /// Serve /metrics in Prometheus text format.
    #[arg(long, env = "NOVI_METRICS")]
    pub metrics: bool,
    /// The bearer token /metrics asks for; without one only this machine may read it. Prefer
    /// the environment variable or novi.toml: flags are visible to other users in `ps`.
    #[arg(long, env = "NOVI_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Serve HTTPS for this domain with a certificate from Let's Encrypt, got and renewed by
    /// ACME; plain HTTP redirects to it. The domain's DNS must point at this machine.
    #[arg(long, env = "NOVI_HTTPS", value_name = "DOMAIN")]
    pub https: Option<String>,
    /// With --https: the ACME server's directory URL [default: Let's Encrypt].
    #[arg(long, env = "NOVI_ACME_DIRECTORY", value_name = "URL")]
    pub acme_directory: Option<String>,
    /// With --https: an email address for the ACME account (certificate expiry warnings).
    #[arg(long, env = "NOVI_ACME_EMAIL", value_name = "EMAIL")]
    pub acme_email: Option<String>,
    /// With --https: a PEM file of extra roots to trust for the ACME server (a private CA).
    #[arg(long, env = "NOVI_ACME_CA_ROOT", value_name = "FILE")]
    pub acme_ca_root: Option<PathBuf>,
    /// With --https: address and port for HTTPS [default: 0.0.0.0:443].
    #[arg(long, env = "NOVI_HTTPS_LISTEN", value_name = "ADDR")]
    pub https_listen: Option<String>,
    /// With --https: address and port for plain HTTP, which redirects [default: 0.0.0.0:80].
    #[arg(long, env = "NOVI_HTTP_LISTEN", value_name = "ADDR")]
    pub http_listen: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum BusinessCommand {
    /// Add a business.
    Add {
        #[arg(long)]
        name: String,
        /// Lowercase letters, digits and dashes; used in URLs.
        #[arg(long)]
        short_code: String,
    },
    /// List businesses.
    List,
    /// Write one business into a file: every row it owns, its product images, its WhatsApp
    /// settings and linked phone's session. The file holds its secrets: it is readable by
    /// you only.
    Export {
        /// The business's short code.
        #[arg(long)]
        business: String,
        /// The file to write; it must not exist.
        file: PathBuf,
    },
    /// Load a business from a file made by `novi business export`, in one transaction; a short
    /// code or username already here is refused and nothing is written.
    Import {
        /// A file made by `novi business export`.
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user to a business with a role, or a platform admin.
    Add(UserAddArgs),
    /// List users, of one business or all.
    List {
        #[arg(long)]
        business: Option<String>,
    },
    /// Set a user's password.
    Passwd {
        username: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Stop a user from logging in and end their sessions.
    Disable { username: String },
    /// Let a disabled user log in again.
    Enable { username: String },
}

#[derive(Args, Debug)]
pub struct UserAddArgs {
    /// The business's short code (not with --platform-admin).
    #[arg(
        long,
        required_unless_present = "platform_admin",
        conflicts_with = "platform_admin"
    )]
    pub business: Option<String>,
    #[arg(long)]
    pub username: String,
    /// owner, manager or agent.
    #[arg(
        long,
        required_unless_present = "platform_admin",
        conflicts_with = "platform_admin"
    )]
    pub role: Option<Role>,
    /// A platform admin sees every business.
    #[arg(long)]
    pub platform_admin: bool,
    /// Read the password from the first line of standard input instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Make an API token for a business; it is printed once and only its hash is kept.
    Create {
        #[arg(long)]
        business: String,
        #[arg(long)]
        name: String,
    },
    /// Revoke an API token by name.
    Revoke {
        name: String,
        #[arg(long)]
        business: String,
    },
    /// List a business's live API tokens (names only).
    List {
        #[arg(long)]
        business: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print a complete, commented example novi.toml.
    Print,
}

impl clap::ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Self] {
        &Role::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let data_dir = cli.data_dir;
    let config = cli.config;
    // Held to the end of the command. `serve` and `restore` take their own; `doctor` looks
    // for a server by trying the lock, which one of its own would answer.
    let _lock = match &cli.command {
        Command::Serve(_)
        | Command::Restore { .. }
        | Command::Doctor { .. }
        | Command::Config(_)
        | Command::Completions { .. }
        | Command::Man => None,
        _ => crate::backup::DirLock::for_command(&data_dir)?,
    };
    match cli.command {
        Command::Serve(args) => serve::run(data_dir, config.as_deref(), args),
        Command::Config(ConfigCommand::Print) => out!("{}", crate::config::EXAMPLE),
        Command::Migrate => admin::migrate(&data_dir),
        Command::Business(cmd) => admin::business(&data_dir, cmd),
        Command::User(cmd) => admin::user(&data_dir, cmd),
        Command::Token(cmd) => admin::token(&data_dir, cmd),
        Command::Export(ExportCommand::Orders {
            business,
            from,
            to,
            format,
        }) => export::orders(&data_dir, &business, from.as_deref(), to.as_deref(), format),
        Command::Catalog(cmd) => catalog::run(&data_dir, cmd),
        Command::Whatsapp(cmd) => whatsapp::run(&data_dir, cmd),
        Command::Parse(args) => parse::run(&data_dir, args),
        Command::Demo(cmd) => demo::run(&data_dir, cmd),
        Command::Report(cmd) => report::run(&data_dir, cmd),
        Command::Backup(args) => backup::run(&data_dir, args),
        Command::Restore { file } => backup::restore(&data_dir, &file),
        Command::Completions { shell } => completions::completions(shell),
        Command::Man => completions::man(),
        Command::Doctor { full } => doctor::run(&data_dir, config.as_deref(), full),
    }
}

/// Output that could not be written, as the command's one line.
pub(crate) fn unwritten(e: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!("cannot write the output: {e}")
}

/// Data written to standard output for another program: a reader that stopped early
/// (`| head -1`) has all it wanted, so a closed pipe ends the command quietly; any other
/// failure to write is an error.
pub(crate) fn reader_may_stop(written: anyhow::Result<()>) -> anyhow::Result<()> {
    let Err(e) = written else { return Ok(()) };
    match io_failure(&e) {
        Some((std::io::ErrorKind::BrokenPipe, _)) => Ok(()),
        // A full disk is the output's fault, said as the other commands say it.
        Some((_, said)) => Err(anyhow::anyhow!("cannot write the output: {said}")),
        None => Err(e),
    }
}

/// The I/O error behind a failed write, as its kind and its words, wherever the writer kept
/// it: the CSV and JSON writers keep it inside their own error, not as its source.
fn io_failure(e: &anyhow::Error) -> Option<(std::io::ErrorKind, String)> {
    let io = |c: &(dyn std::error::Error + 'static)| {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            Some((io.kind(), io.to_string()))
        } else if let Some(j) = c.downcast_ref::<serde_json::Error>() {
            j.io_error_kind().map(|k| (k, j.to_string()))
        } else if let Some(w) = c.downcast_ref::<csv::Error>() {
            match w.kind() {
                csv::ErrorKind::Io(io) => Some((io.kind(), io.to_string())),
                _ => None,
            }
        } else {
            None
        }
    };
    e.chain().find_map(|c| {
        io(c).or_else(|| match c.downcast_ref::<crate::error::AppError>() {
            Some(crate::error::AppError::Internal(inner)) => inner.chain().find_map(io),
            _ => None,
        })
    })
}
