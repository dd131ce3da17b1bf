//! `--config FILE` (`NOVI_CONFIG`): the settings file the packaged service reads from
//! /etc/novi, used by `serve` and `doctor` instead of `novi.toml` in the data directory.

use std::path::Path;
use std::process::Command;

use crate::support::process::{fails, install_with_business, novi, Server, NOVI};

fn doctor_with_env(dir: &Path, config: &Path) -> String {
    let out = Command::new(NOVI)
        .arg("doctor")
        .env("NOVI_DATA_DIR", dir)
        .env("NOVI_CONFIG", config)
        .env_remove("NOVI_LISTEN")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn serve_takes_its_settings_from_the_named_file_not_the_data_directory() {
    let dir = install_with_business("shop");
    let etc = tempfile::tempdir().unwrap();
    let file = etc.path().join("config.toml");
    std::fs::write(&file, "public_url = \"http://from-etc.test:8443\"\n").unwrap();
    std::fs::write(
        dir.path().join("novi.toml"),
        "public_url = \"http://from-data-dir.test\"\n",
    )
    .unwrap();
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--config",
        file.to_str().unwrap(),
    ];
    let server = Server::start(dir.path(), &args, &[]);
    assert!(
        server.lines[0].contains("http://from-etc.test:8443/"),
        "{:?}",
        server.lines
    );
    drop(server);

    // Without it, today's behaviour: novi.toml in the data directory.
    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    assert!(
        server.lines[0].contains("http://from-data-dir.test/"),
        "{:?}",
        server.lines
    );
}

#[test]
fn doctor_reads_the_file_novi_config_names() {
    let dir = install_with_business("shop");
    let etc = tempfile::tempdir().unwrap();
    let file = etc.path().join("config.toml");
    std::fs::write(&file, "listen = \"0.0.0.0:9444\"\n").unwrap();
    let report = doctor_with_env(dir.path(), &file);
    let listen = report
        .lines()
        .find(|l| l.contains("listen address:"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(listen.starts_with("warn"), "{report}");
    assert!(listen.contains("0.0.0.0:9444"), "{report}");
}

#[test]
fn a_named_file_that_is_missing_is_an_error_not_the_defaults() {
    let dir = install_with_business("shop");
    let missing = dir.path().join("no-such.toml");
    let err = fails(
        dir.path(),
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            missing.to_str().unwrap(),
        ],
        "",
    );
    assert!(err.contains("no-such.toml"), "{err}");

    let out = novi(
        dir.path(),
        &["doctor", "--config", missing.to_str().unwrap()],
        "",
    );
    assert!(!out.status.success());
    let report = String::from_utf8(out.stdout).unwrap();
    // A config file that is not there is the configuration's problem, not the address's.
    let listen = report
        .lines()
        .find(|l| l.contains("configuration:"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        listen.starts_with("FAIL") && listen.contains("no-such.toml"),
        "{report}"
    );
    assert!(!report.contains("listen address:"), "{report}");
}
