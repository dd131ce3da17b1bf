//! The admin subcommands: migrations, businesses, users and API tokens.

use std::io::BufRead;
use std::path::Path;

use anyhow::{bail, Context};

use super::{BusinessCommand, TokenCommand, UserAddArgs, UserCommand};
use crate::accounts;
use crate::accounts::{businesses, tokens, users};
use crate::audit;
use crate::db::{Db, DB_FILE};

/// Opens the database of an install that exists, so a mistyped `--data-dir` is reported
/// instead of silently creating an empty install there.
pub(super) fn open_existing(data_dir: &Path) -> anyhow::Result<Db> {
    if !data_dir.join(DB_FILE).exists() {
        bail!(
            "no Novi database in {} (check --data-dir, or run `novi migrate` to create one)",
            data_dir.display()
        );
    }
    Db::open(data_dir)
}

/// Records a change made at the shell in the audit log.
fn shell_audit(db: &Db, business_id: Option<i64>, action: &str, what: &str) -> anyhow::Result<()> {
    let who = audit::Actor::shell();
    db.with_tx(|tx| audit::record(tx, &who, business_id, action, what))?;
    Ok(())
}

pub fn migrate(data_dir: &Path) -> anyhow::Result<()> {
    let db = Db::open_without_migrating(data_dir)?;
    let applied = db.migrate()?;
    if applied.is_empty() {
        outln!("database {} is up to date", db.path().display())?;
    } else {
        outln!(
            "applied {} migration(s) to {}:",
            applied.len(),
            db.path().display()
        )?;
        for name in applied {
            outln!("  {name}")?;
        }
    }
    Ok(())
}

pub fn business(data_dir: &Path, cmd: BusinessCommand) -> anyhow::Result<()> {
    match cmd {
        BusinessCommand::Add { name, short_code } => {
            let db = Db::open(data_dir)?;
            let b = accounts::create_business(&db, &name, &short_code)?;
            let what = format!("created \"{}\" ({}) from the shell", b.name, b.short_code);
            shell_audit(&db, Some(b.id), audit::BUSINESS, &what)?;
            outln!("added business {} ({})", b.short_code, b.name)?;
        }
        BusinessCommand::List => {
            let db = open_existing(data_dir)?;
            let all = db.with_conn(businesses::list)?;
            outln!("{:<20} {:<6} NAME", "SHORT CODE", "CUR")?;
            for b in all {
                outln!("{:<20} {:<6} {}", b.short_code, b.currency, b.name)?;
            }
        }
        BusinessCommand::Export { business, file } => {
            super::business::export(data_dir, &business, &file)?
        }
        BusinessCommand::Import { file } => super::business::import(data_dir, &file)?,
    }
    Ok(())
}

pub fn user(data_dir: &Path, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add(args) => add_user(data_dir, args),
        UserCommand::List { business } => list_users(data_dir, business.as_deref()),
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let db = open_existing(data_dir)?;
            let user = db.with_conn(|c| users::require(c, &username))?;
            let pass = read_password(password_stdin)?;
            accounts::change_password(&db, user.id, &pass)?;
            let what = format!("password changed for {} from the shell", user.username);
            shell_audit(&db, user.business_id, audit::USER, &what)?;
            outln!("password changed for {}", user.username)?;
            Ok(())
        }
        UserCommand::Disable { username } => set_disabled(data_dir, &username, true),
        UserCommand::Enable { username } => set_disabled(data_dir, &username, false),
    }
}

fn add_user(data_dir: &Path, args: UserAddArgs) -> anyhow::Result<()> {
    let db = Db::open(data_dir)?;
    let membership = match (args.platform_admin, args.business, args.role) {
        (true, _, _) => users::Membership::PlatformAdmin,
        (false, Some(code), Some(role)) => {
            let b = db.with_conn(|c| businesses::require(c, &code))?;
            users::Membership::Staff {
                business_id: b.id,
                role,
            }
        }
        _ => bail!("give --business and --role, or --platform-admin"),
    };
    // Check the name before asking for a password, so a typo is not found out after typing it twice.
    let username = accounts::parse_username(&args.username)?;
    if db
        .with_conn(|c| users::by_username(c, &username))?
        .is_some()
    {
        bail!("username \"{username}\" is already taken");
    }
    let pass = read_password(args.password_stdin)?;
    let user = accounts::create_user(&db, &username, &pass, membership)?;
    let what = match user.role {
        Some(role) => role.to_string(),
        None => "platform admin".to_owned(),
    };
    let note = format!("added {} ({what}) from the shell", user.username);
    shell_audit(&db, user.business_id, audit::USER, &note)?;
    outln!("added user {} ({what})", user.username)?;
    Ok(())
}

fn list_users(data_dir: &Path, business: Option<&str>) -> anyhow::Result<()> {
    let db = open_existing(data_dir)?;
    let (rows, codes) = db.with_conn(|c| {
        let id = match business {
            Some(code) => Some(businesses::require(c, code)?.id),
            None => None,
        };
        let codes: std::collections::HashMap<i64, String> = businesses::list(c)?
            .into_iter()
            .map(|b| (b.id, b.short_code))
            .collect();
        Ok((users::list(c, id)?, codes))
    })?;
    outln!(
        "{:<24} {:<20} {:<16} STATUS",
        "USERNAME",
        "BUSINESS",
        "ROLE"
    )?;
    for u in rows {
        let code = u
            .business_id
            .and_then(|id| codes.get(&id))
            .map_or("-", |s| s);
        let role = u.role.map_or("platform admin", |r| r.as_str());
        let status = if u.disabled { "disabled" } else { "active" };
        outln!("{:<24} {code:<20} {role:<16} {status}", u.username)?;
    }
    Ok(())
}

fn set_disabled(data_dir: &Path, username: &str, disabled: bool) -> anyhow::Result<()> {
    let db = open_existing(data_dir)?;
    let user = db.with_conn(|c| users::require(c, username))?;
    let verb = if disabled { "disabled" } else { "enabled" };
    // Nothing to do is said so, and not audited as a change.
    if user.disabled == disabled {
        outln!("{} is already {verb}; nothing changed", user.username)?;
        return Ok(());
    }
    accounts::set_disabled(&db, user.id, disabled)?;
    let what = format!("{verb} {} from the shell", user.username);
    shell_audit(&db, user.business_id, audit::USER, &what)?;
    outln!("{verb} {}", user.username)?;
    Ok(())
}

pub fn token(data_dir: &Path, cmd: TokenCommand) -> anyhow::Result<()> {
    let db = open_existing(data_dir)?;
    match cmd {
        TokenCommand::Create { business, name } => {
            let name = accounts::parse_name(&name, "token name")?;
            let token = db.with_tx(|tx| {
                let b = businesses::require(tx, &business)?;
                tokens::create(tx, b.id, &name)
            })?;
            eprintln!("API token \"{name}\" for {business} (shown once; keep it safe):");
            // A token no one could read is no token: it is revoked at once.
            if let Err(e) = outln!("{token}") {
                db.with_tx(|tx| {
                    let b = businesses::require(tx, &business)?;
                    tokens::revoke(tx, b.id, &name)
                })?;
                return Err(e.context("the token was not kept"));
            }
        }
        TokenCommand::Revoke { name, business } => {
            let revoked = db.with_tx(|tx| {
                let b = businesses::require(tx, &business)?;
                tokens::revoke(tx, b.id, &name)
            })?;
            if !revoked {
                bail!("no live token named \"{name}\" for business {business}");
            }
            outln!("revoked token \"{name}\"")?;
        }
        TokenCommand::List { business } => {
            let list = db.with_conn(|c| tokens::list(c, businesses::require(c, &business)?.id))?;
            for t in list {
                outln!("{}", t.name)?;
            }
        }
    }
    Ok(())
}

/// The password from standard input's first line, or typed twice at the terminal.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("Password: ")
        .context("cannot prompt for a password (no terminal? use --password-stdin)")?;
    let again = rpassword::prompt_password("Password again: ")
        .context("cannot prompt for a password (no terminal? use --password-stdin)")?;
    if first != again {
        bail!("the two passwords differ; nothing was changed");
    }
    Ok(first)
}
