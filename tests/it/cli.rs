//! The `novi` binary as an admin uses it: every subcommand on good and bad input, and
//! `novi serve` as a real process (setup link, demo shop, settings sources, SIGTERM).

use std::path::Path;

use crate::support::process::{fails, install_with_business, novi, ok, Server};
use crate::support::Browser;
use novi::db::Db;
use reqwest::StatusCode;

fn fresh() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn migrate_says_what_it_did() {
    let dir = fresh();
    let files: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".sql")
                .to_owned()
        })
        .collect();
    let first = ok(dir.path(), &["migrate"], "");
    assert!(
        first.contains(&format!("applied {} migration(s)", files.len())),
        "{first}"
    );
    for name in &files {
        assert!(first.contains(name.as_str()), "{name} listed in {first}");
    }
    let second = ok(dir.path(), &["migrate"], "");
    assert!(second.contains("up to date"), "{second}");
}

#[test]
fn business_add_and_list() {
    let dir = fresh();
    let out = ok(
        dir.path(),
        &[
            "business",
            "add",
            "--name",
            "Sharma Sweets",
            "--short-code",
            "sharma",
        ],
        "",
    );
    assert!(out.contains("added business sharma"));
    let err = fails(
        dir.path(),
        &[
            "business",
            "add",
            "--name",
            "Other",
            "--short-code",
            "sharma",
        ],
        "",
    );
    assert!(err.contains("already taken"));
    let err = fails(
        dir.path(),
        &[
            "business",
            "add",
            "--name",
            "Other",
            "--short-code",
            "no spaces",
        ],
        "",
    );
    assert!(err.contains("short code"));
    let err = fails(
        dir.path(),
        &[
            "business",
            "add",
            "--name",
            "",
            "--short-code",
            "empty-name",
        ],
        "",
    );
    assert!(err.contains("business name"));
    let list = ok(dir.path(), &["business", "list"], "");
    assert!(list.contains("sharma") && list.contains("Sharma Sweets"));
    assert_eq!(list.lines().count(), 2, "header and one business: {list}");
}

#[test]
fn commands_on_a_missing_install_fail_and_create_nothing() {
    let dir = fresh();
    let missing = dir.path().join("typo");
    let err = fails(&missing, &["business", "list"], "");
    assert!(err.contains("no Novi database"));
    fails(&missing, &["user", "list"], "");
    fails(
        &missing,
        &["token", "create", "--business", "x", "--name", "t"],
        "",
    );
    assert!(!missing.exists());
}

#[test]
fn users_from_the_shell() {
    let dir = install_with_business("shop");
    let d = dir.path();
    users_are_added_and_bad_adds_refused(d);
    users_are_listed_disabled_and_given_new_passwords(d);
    // Staff added from the shell are in the audit log, as when added from Settings.
    let db = novi::db::Db::open(d).unwrap();
    let notes: Vec<String> = db
        .with_conn(|c| novi::audit::list(c, None, None, 100))
        .unwrap()
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n == "added asha (owner) from the shell"),
        "{notes:?}"
    );
    // A name is one line.
    let add = [
        "business",
        "add",
        "--name",
        "Sweets\nand more",
        "--short-code",
        "x3",
    ];
    assert!(fails(d, &add, "").contains("line break"));
}

/// `novi user add` for `username` as `role` in `business`, the password on standard input.
fn user_add<'a>(business: &'a str, username: &'a str, role: &'a str) -> [&'a str; 9] {
    [
        "user",
        "add",
        "--business",
        business,
        "--username",
        username,
        "--role",
        role,
        "--password-stdin",
    ]
}

/// Adds asha (owner) and ravi (agent) to `shop`, and root as platform admin; refuses the rest.
fn users_are_added_and_bad_adds_refused(d: &Path) {
    let add = |name: &str, role: &str, pw: &str| novi(d, &user_add("shop", name, role), pw);
    assert!(add("asha", "owner", "asha-password\n").status.success());
    assert!(add("ravi", "agent", "ravi-password\n").status.success());
    let err = fails(d, &user_add("nope", "x1", "agent"), "password123\n");
    assert!(err.contains("no business"));
    let err = fails(d, &user_add("shop", "kiran", "agent"), "short\n");
    assert!(err.contains("at least 8"));
    let err = fails(d, &user_add("shop", "asha", "agent"), "password123\n");
    assert!(err.contains("already taken"));
    assert!(
        !add("mallory", "emperor", "password123\n").status.success(),
        "unknown role refused"
    );
    let root = [
        "user",
        "add",
        "--username",
        "root",
        "--platform-admin",
        "--password-stdin",
    ];
    ok(d, &root, "root-password\n");
}

fn users_are_listed_disabled_and_given_new_passwords(d: &Path) {
    let list = ok(d, &["user", "list"], "");
    assert!(list.contains("asha") && list.contains("owner") && list.contains("platform admin"));
    assert!(
        !list.contains("kiran") && !list.contains("mallory"),
        "failed adds left nothing"
    );
    let shop_only = ok(d, &["user", "list", "--business", "shop"], "");
    assert!(!shop_only.contains("root"));

    ok(d, &["user", "disable", "ravi"], "");
    assert!(ok(d, &["user", "list"], "")
        .lines()
        .any(|l| l.contains("ravi") && l.contains("disabled")));
    // Again: nothing to do, said so, and not a second entry in the audit log.
    let again = ok(d, &["user", "disable", "ravi"], "");
    assert_eq!(again.trim(), "ravi is already disabled; nothing changed");
    let entries: i64 = rusqlite::Connection::open(d.join("novi.db"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE detail LIKE 'disabled ravi%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(entries, 1);
    ok(d, &["user", "enable", "ravi"], "");
    let err = fails(d, &["user", "disable", "asha"], "");
    assert!(err.contains("only active owner"));
    let err = fails(d, &["user", "disable", "root"], "");
    assert!(err.contains("only active platform admin"), "{err}");
    let err = fails(d, &["user", "disable", "ghost"], "");
    assert!(err.contains("no user named"));

    ok(
        d,
        &["user", "passwd", "ravi", "--password-stdin"],
        "a-new-password\n",
    );
    fails(d, &["user", "passwd", "ravi", "--password-stdin"], "tiny\n");
    // Not the username either, as when the user was added.
    ok(
        d,
        &user_add("shop", "kitchen01", "agent"),
        "a-kitchen-password\n",
    );
    let err = fails(
        d,
        &["user", "passwd", "kitchen01", "--password-stdin"],
        "Kitchen01\n",
    );
    assert!(err.contains("the password cannot be the username"), "{err}");
    // Without a terminal and without --password-stdin there is nothing to prompt on.
    let err = fails(d, &["user", "passwd", "ravi"], "");
    assert!(err.contains("password"));
}

#[test]
fn tokens_are_shown_once_and_can_be_revoked() {
    let dir = install_with_business("shop");
    let d = dir.path();
    let token = ok(
        d,
        &["token", "create", "--business", "shop", "--name", "pos"],
        "",
    );
    assert!(token.trim().starts_with("novi_") && token.trim().len() > 40);
    let err = fails(
        d,
        &["token", "create", "--business", "shop", "--name", "pos"],
        "",
    );
    assert!(err.contains("already exists"));
    assert_eq!(
        ok(d, &["token", "list", "--business", "shop"], "").trim(),
        "pos"
    );
    ok(d, &["token", "revoke", "pos", "--business", "shop"], "");
    let err = fails(d, &["token", "revoke", "pos", "--business", "shop"], "");
    assert!(err.contains("no live token"));
    // Only the hash is stored.
    let db = std::fs::read(d.join("novi.db")).unwrap();
    let needle = token.trim().as_bytes();
    assert!(!db.windows(needle.len()).any(|w| w == needle));
}

#[test]
fn config_print_is_a_valid_config_and_every_command_has_help() {
    let dir = fresh();
    let example = ok(dir.path(), &["config", "print"], "");
    std::fs::write(dir.path().join("novi.toml"), &example).unwrap();
    assert!(example.contains("NOVI_LISTEN"));
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["business", "add", "--help"],
        &["user", "add", "--help"],
        &["user", "passwd", "--help"],
        &["token", "create", "--help"],
        &["config", "print", "--help"],
    ] {
        let out = ok(dir.path(), args, "");
        assert!(out.contains("Usage"), "{args:?}");
    }
    let serve_help = ok(dir.path(), &["serve", "--help"], "");
    assert!(serve_help.contains("NOVI_LISTEN") && serve_help.contains("novi.toml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_a_setup_link_that_works_once_and_stops_on_sigterm() {
    let dir = fresh();
    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    let link = server
        .lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(&server.base))
        .expect("setup link");
    assert!(link.starts_with("/setup/"));
    let mut b = Browser::new(server.base.clone());
    b.get(link).await;
    assert!(b.csrf.is_some(), "form with csrf");
    let form = [
        ("business_name", "Gupta Bakery"),
        ("short_code", "gupta"),
        ("username", "gupta"),
        ("new_password", "gupta-password"),
        ("password_again", "gupta-password"),
    ];
    let (status, _, _) = b.post(link, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    b = Browser::new(server.base.clone());
    b.get("/login").await;
    let (status, _, _) = b.post(link, &form).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "second use refused");
    let (status, _) = b.get(link).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let status = server.terminate();
    assert!(status.success(), "graceful exit on SIGTERM: {status:?}");

    // Once someone can log in, no setup link is printed.
    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    assert!(!server.lines.iter().any(|l| l.contains("/setup/")));
    assert!(server.lines.iter().any(|l| l.contains("/login")));
    assert!(server.terminate().success());
}

/// A stored webhook is routine, one of thousands a second on a busy day: its line is at
/// `debug`. A refused one is logged at `info` like any other request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_webhook_is_logged_at_debug_and_a_refused_one_at_info() {
    for (level, lines) in [("info", 1), ("info,novi=debug", 2)] {
        let (dir, _) = crate::support::bridge::cloud_install("http://127.0.0.1:9");
        let log = dir.path().join("serve.log");
        let server = Server::start_logging(
            dir.path(),
            &["--listen", "127.0.0.1:0"],
            &[("RUST_LOG", level)],
            std::fs::File::create(&log).unwrap(),
        );
        let client = reqwest::Client::new();
        let stored =
            crate::support::bridge::post_cloud_text(&client, &server.base, "wamid.logged").await;
        assert_eq!(stored.unwrap(), StatusCode::OK);
        let refused = client
            .post(format!("{}/webhooks/whatsapp/shop", server.base))
            .header("X-Hub-Signature-256", "sha256=00")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert!(server.terminate().success());
        let text = std::fs::read_to_string(&log).unwrap();
        let webhooks: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("served") && l.contains("/webhooks/whatsapp"))
            .collect();
        assert_eq!(webhooks.len(), lines, "{level}: {webhooks:?}");
        assert!(
            webhooks.iter().any(|l| l.contains("status=401")),
            "{level}: {webhooks:?}"
        );
    }
}

/// The log as the journal or a log file receives it: one plain line per request, in either
/// format, and nothing of a setup link's secret path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_logs_each_request_as_plain_text_or_json_lines() {
    for format in ["pretty", "json"] {
        let dir = fresh();
        let log = dir.path().join("serve.log");
        let server = Server::start_logging(
            dir.path(),
            &["--listen", "127.0.0.1:0", "--log-format", format],
            &[("RUST_LOG", "info")],
            std::fs::File::create(&log).unwrap(),
        );
        let link = server
            .lines
            .iter()
            .find_map(|l| l.trim().strip_prefix(&server.base))
            .expect("setup link")
            .to_owned();
        let mut b = Browser::new(server.base.clone());
        assert_eq!(b.get("/login").await.0, StatusCode::OK);
        assert_eq!(b.get(&link).await.0, StatusCode::OK);
        assert!(server.terminate().success());
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(
            !text.contains('\u{1b}'),
            "{format}: no colour codes in {text}"
        );
        assert!(
            !text.contains(&link),
            "{format}: the setup link's path is never logged"
        );
        let served: Vec<&str> = text.lines().filter(|l| l.contains("served")).collect();
        let login = served
            .iter()
            .find(|l| l.contains("/login"))
            .expect("a line for /login");
        assert!(login.contains("GET") && login.contains("200"), "{login}");
        if format == "json" {
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
                assert!(
                    v["timestamp"].is_string() && v["level"].is_string(),
                    "{line}"
                );
            }
        } else {
            assert!(
                login.contains("route=/login") && login.contains("status=200"),
                "{login}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_creates_the_demo_shop_once() {
    let dir = fresh();
    let server = Server::start(dir.path(), &["--demo", "--listen", "127.0.0.1:0"], &[]);
    assert!(server
        .lines
        .iter()
        .any(|l| l.contains("Demo shop (created)") && l.contains("novi-demo")));
    let mut b = Browser::new(server.base.clone());
    let (status, _) = b.login("owner", "novi-demo").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = b.get("/b/demo/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(server.terminate().success());

    let server = Server::start(dir.path(), &["--demo", "--listen", "127.0.0.1:0"], &[]);
    assert!(server
        .lines
        .iter()
        .any(|l| l.contains("Demo shop (reusing)")));
    assert!(server.terminate().success());
    assert_eq!(ok(dir.path(), &["business", "list"], "").lines().count(), 2);
}

#[test]
fn serve_demo_refuses_a_data_directory_with_real_shops() {
    let dir = install_with_business("sharma");
    // A port already taken: should the refusal ever go, serve fails instead of running on.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    let err = fails(dir.path(), &["serve", "--demo", "--listen", &listen], "");
    assert!(
        err.contains("the demo shop needs a data directory of its own"),
        "{err}"
    );
    let users = ok(dir.path(), &["user", "list"], "");
    assert!(!users.contains("owner"), "no demo login added: {users}");
    let shops = ok(dir.path(), &["business", "list"], "");
    assert!(!shops.contains("demo"), "no demo shop added: {shops}");
}

#[test]
fn settings_come_from_flags_then_environment_then_novi_toml() {
    let dir = fresh();
    let port = |s: &Server| s.base.rsplit(':').next().unwrap().parse::<u16>().unwrap();
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (p_file, p_env, p_flag) = (free(), free(), free());
    std::fs::write(
        dir.path().join("novi.toml"),
        format!("listen = \"127.0.0.1:{p_file}\"\n"),
    )
    .unwrap();
    let s = Server::start(dir.path(), &[], &[]);
    assert_eq!(port(&s), p_file);
    s.terminate();
    let env_listen = format!("127.0.0.1:{p_env}");
    let s = Server::start(dir.path(), &[], &[("NOVI_LISTEN", &env_listen)]);
    assert_eq!(port(&s), p_env);
    s.terminate();
    let flag_listen = format!("127.0.0.1:{p_flag}");
    let s = Server::start(
        dir.path(),
        &["--listen", &flag_listen],
        &[("NOVI_LISTEN", &env_listen)],
    );
    assert_eq!(port(&s), p_flag);
    s.terminate();
}

#[test]
fn serve_refuses_bad_settings_with_one_line() {
    let dir = fresh();
    let err = fails(dir.path(), &["serve", "--listen", "localhost"], "");
    assert!(err.contains("IP:PORT"));
    std::fs::write(dir.path().join("novi.toml"), "lisen = 1\n").unwrap();
    let err = fails(dir.path(), &["serve"], "");
    assert!(err.contains("novi.toml"));
}

#[test]
fn whatsapp_configure_and_show_from_the_shell() {
    let dir = install_with_business("shop");
    let d = dir.path();
    the_cloud_api_is_configured_with_its_secrets_masked(d);
    bad_settings_are_refused_and_change_nothing(d);
    a_gateway_is_configured_only_with_its_webhook_key(d);
}

/// `novi whatsapp configure --business BUSINESS --provider PROVIDER`, then `rest`.
fn configure<'a>(business: &'a str, provider: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "whatsapp",
        "configure",
        "--business",
        business,
        "--provider",
        provider,
    ];
    args.extend_from_slice(rest);
    args
}

/// What `novi whatsapp show` says about business `shop`.
fn show(d: &Path) -> String {
    ok(d, &["whatsapp", "show", "--business", "shop"], "")
}

fn the_cloud_api_is_configured_with_its_secrets_masked(d: &Path) {
    let shown = show(d);
    assert!(shown.contains("provider: simulator"), "{shown}");
    let cloud = [
        "--phone-number-id",
        "1100001",
        "--verify-token",
        "verify-123",
        "--app-secret",
        "app-secret-abcdef",
        "--access-token",
        "EAAGsecret-token-xyz",
    ];
    ok(d, &configure("shop", "cloud", &cloud), "");
    let shown = show(d);
    assert!(
        shown.contains("provider: cloud")
            && shown.contains("1100001")
            && shown.contains("/webhooks/whatsapp/shop")
    );
    assert!(shown.contains("access token: set"), "masked: {shown}");
    for secret in ["app-secret-abcdef", "EAAGsecret-token-xyz", "verify-123"] {
        assert!(!shown.contains(secret), "{secret} shown");
    }
    // Audited as Settings audits it, as the shell, secrets by name only.
    let log: String = Db::open(d)
        .unwrap()
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT username || '|' || detail FROM audit_log WHERE action = 'whatsapp'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(
        log.starts_with("shell")
            && log.contains("provider: \"simulator\" → \"cloud\"")
            && log.contains("access token: (secret changed, not shown)")
            && !log.contains("EAAGsecret"),
        "{log}"
    );
}

fn bad_settings_are_refused_and_change_nothing(d: &Path) {
    let no_verify_token = configure("shop", "cloud", &["--phone-number-id", "1"]);
    let err = fails(d, &no_verify_token, "");
    assert!(err.contains("verify token is required"), "{err}");
    let gateway = ["--gateway-url", "gw.local", "--api-key", "k"];
    let err = fails(d, &configure("shop", "gateway", &gateway), "");
    assert!(err.contains("http://"), "{err}");
    // Past the prefix, an address must be one a request can be sent to.
    for (url, says) in [
        ("http://exa mple", "is not a web address"),
        ("http://", "is not a web address"),
    ] {
        let gateway = ["--gateway-url", url, "--api-key", "k", "--hmac-key", "h"];
        let err = fails(d, &configure("shop", "gateway", &gateway), "");
        assert!(
            err.contains(says) && err.lines().count() == 1,
            "{url}: {err}"
        );
    }
    let err = fails(d, &configure("shop", "simulator", &["--api-key", "k"]), "");
    assert!(err.contains("no credentials"), "{err}");
    // A template's language alone would be saved for no template: a usage error.
    let alone = novi(
        d,
        &configure("shop", "simulator", &["--template-language", "hi"]),
        "",
    );
    assert_eq!(alone.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&alone.stderr).contains("--template-name"));
    fails(d, &configure("nope", "simulator", &[]), "");
    // The number itself instead of Meta's id for it would match no webhook.
    let number = [
        "--phone-number-id",
        "+91 98000 00001",
        "--verify-token",
        "v",
        "--app-secret",
        "s",
        "--access-token",
        "t",
    ];
    let err = fails(d, &configure("shop", "cloud", &number), "");
    assert!(err.contains("digits only"), "{err}");
    assert!(
        show(d).contains("provider: cloud"),
        "failed configures changed nothing"
    );
}

fn a_gateway_is_configured_only_with_its_webhook_key(d: &Path) {
    let mut gateway = vec![
        "--gateway-url",
        "http://127.0.0.1:3000",
        "--api-key",
        "gw-key-1234567890",
    ];
    let refused = novi(d, &configure("shop", "gateway", &gateway), "");
    assert!(
        !refused.status.success(),
        "a gateway without a webhook key is refused"
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("HMAC key is required"));
    gateway.extend(["--hmac-key", "webhook-signing-key-123"]);
    ok(d, &configure("shop", "gateway", &gateway), "");
    let shown = show(d);
    assert!(shown.contains("provider: gateway") && shown.contains("/webhooks/gateway/shop"));
}

/// A command line clap cannot read is refused in one line that still names what is wrong (the
/// value, the missing argument), exit status 2, and nothing is written.
#[test]
fn an_unreadable_command_line_is_one_line() {
    let dir = fresh();
    let bad_value = fails(
        dir.path(),
        &["demo", "fill", "--business", "demo", "--orders", "many"],
        "",
    );
    assert!(
        bad_value.starts_with("error: invalid value 'many' for '--orders"),
        "{bad_value}"
    );
    let missing = fails(dir.path(), &["catalog", "import"], "");
    assert!(
        missing.contains("--business") && missing.contains("<FILE>"),
        "{missing}"
    );
    let unknown = fails(dir.path(), &["frobnicate"], "");
    assert!(unknown.contains("'frobnicate'"), "{unknown}");
    let out = crate::support::process::novi(dir.path(), &["frobnicate"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("novi.db").exists(), "nothing is written");
    // Help is still clap's, whole, and a success.
    let help = ok(dir.path(), &["demo", "fill", "--help"], "");
    assert!(
        help.contains("Usage:") && help.contains("--orders"),
        "{help}"
    );
}

/// `novi ARGS` with its output sent to `/dev/full`, a disk with no room: its status and stderr.
fn to_a_full_disk(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = std::process::Command::new(crate::support::process::NOVI)
        .args(args)
        .env("NOVI_DATA_DIR", dir)
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_damaged_database_is_named_at_once_not_a_pool_timeout() {
    let dir = install_with_business("shop");
    let db = dir.path().join("novi.db");
    // Pages past the header overwritten: SQLite opens the file and finds it malformed.
    let mut bytes = std::fs::read(&db).unwrap();
    for b in bytes.iter_mut().skip(4096 * 2) {
        *b ^= 0x5a;
    }
    std::fs::write(&db, bytes).unwrap();
    for args in [&["business", "list"][..], &["user", "list"]] {
        let err = fails(dir.path(), args, "");
        assert!(
            err.starts_with("error: cannot open database")
                && err.contains("malformed")
                && !err.contains("timed out")
                && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    // doctor names it in the database check, and no other check blames "our side".
    let report = String::from_utf8(novi(dir.path(), &["doctor"], "").stdout).unwrap();
    assert!(
        report.contains("FAIL  database:")
            && report.contains("whatsapp: not checked")
            && !report.contains("something went wrong"),
        "{report}"
    );
}

#[test]
fn output_that_cannot_be_written_is_one_line_not_a_panic() {
    let dir = install_with_business("shop");
    let d = dir.path();
    for args in [
        &["business", "list"][..],
        &["user", "list"],
        &["config", "print"],
        &["doctor"],
        &["token", "create", "--business", "shop", "--name", "pos"],
        &["completions", "bash"],
        &["man"],
    ] {
        let (code, err) = to_a_full_disk(d, args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(
            err.lines().last().unwrap_or_default().starts_with("error:")
                && err.contains("cannot write the output")
                && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
    // The token no one could read was revoked: none is live.
    assert_eq!(
        ok(d, &["token", "list", "--business", "shop"], "").trim(),
        ""
    );
    // An export that could not be written is on record as such, not as a success.
    let (code, err) = to_a_full_disk(d, &["export", "orders", "--business", "shop"]);
    assert_eq!(code, Some(1), "{err}");
    let db = rusqlite::Connection::open(d.join("novi.db")).unwrap();
    let last: String = db
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'export' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        last.starts_with("orders from the shell (0 orders): not written (cannot write"),
        "{last}"
    );
}

#[test]
fn a_new_data_directory_is_closed_to_other_users() {
    use std::os::unix::fs::PermissionsExt;
    let parent = fresh();
    let dir = parent.path().join("novi").join("data");
    ok(&dir, &["migrate"], "");
    for made in [&dir, &parent.path().join("novi")] {
        let mode = std::fs::metadata(made).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o007, 0, "{} is {mode:o}", made.display());
    }
    let report = String::from_utf8(novi(&dir, &["doctor"], "").stdout).unwrap();
    let line = report
        .lines()
        .find(|l| l.contains("data directory:"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(line.starts_with("ok"), "{report}");
}

#[test]
fn serve_on_an_address_in_use_says_only_that() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = fresh();
    let out = novi(dir.path(), &["serve", "--listen", &addr], "");
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    let said: Vec<&str> = err.lines().collect();
    assert_eq!(said.len(), 1, "{err}");
    assert!(said[0].starts_with("error: cannot listen on"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!dir.path().join("novi.db").exists(), "nothing migrated");
}

#[test]
fn a_report_by_an_unknown_grouping_is_a_usage_error() {
    let dir = install_with_business("shop");
    let args = [
        "report",
        "sales",
        "--business",
        "shop",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--by",
        "week",
    ];
    let out = novi(dir.path(), &args, "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("week") && err.contains("product"), "{err}");
}

/// `novi ARGS` writing into a pipe whose reader has already gone, as `| head -1` leaves it.
fn to_a_closed_pipe(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(crate::support::process::NOVI)
        .args(args)
        .env("NOVI_DATA_DIR", dir)
        .stdout(writer)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn data_for_a_reader_that_stopped_early_ends_quietly() {
    let dir = install_with_business("shop");
    let d = dir.path();
    let day = ["--from", "2026-01-01", "--to", "2026-01-31"];
    let mut report = vec!["report", "sales", "--business", "shop", "--by", "day"];
    report.extend(day);
    for args in [
        &["export", "orders", "--business", "shop"][..],
        &["export", "orders", "--business", "shop", "--format", "json"],
        &report,
        &["catalog", "export", "--business", "shop"],
    ] {
        let (code, err) = to_a_closed_pipe(d, args);
        assert_eq!((code, err.as_str()), (Some(0), ""), "{args:?}");
    }
    // A token no one can read is still an error, and is revoked.
    let (code, err) =
        to_a_closed_pipe(d, &["token", "create", "--business", "shop", "--name", "x"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cannot write the output"), "{err}");
}

#[test]
fn a_change_from_cron_names_the_user_id_when_no_user_name_is_set() {
    let dir = fresh();
    let out = std::process::Command::new(crate::support::process::NOVI)
        .args([
            "business",
            "add",
            "--name",
            "Cron Shop",
            "--short-code",
            "cron",
        ])
        .env("NOVI_DATA_DIR", dir.path())
        .env_remove("USER")
        .env_remove("LOGNAME")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let who: String = rusqlite::Connection::open(dir.path().join("novi.db"))
        .unwrap()
        .query_row("SELECT username FROM audit_log", [], |r| r.get(0))
        .unwrap();
    assert!(
        who.starts_with("shell (uid ") && who.ends_with(')'),
        "not \"shell (unknown)\": {who}"
    );
}
