//! The `novi` binary as a separate process: admin commands (and data directories set up with
//! them), and `novi serve` started, stopped gracefully, or killed outright.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};

use tempfile::TempDir;

use super::{data, title_case};

pub const NOVI: &str = env!("CARGO_BIN_EXE_novi");

/// Runs `novi ARGS` on the install in `dir`, with `stdin` as its input.
pub fn novi(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(NOVI)
        .args(args)
        .env("NOVI_DATA_DIR", dir)
        .env_remove("NOVI_LISTEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run novi");
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    // A command that stops before reading its input (bad arguments) closes the pipe first.
    if let Err(e) = written {
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe,
            "write to novi: {e}"
        );
    }
    child.wait_with_output().unwrap()
}

/// Runs `novi ARGS` and returns its standard output, failing the test if it fails.
pub fn ok(dir: &Path, args: &[&str], stdin: &str) -> String {
    let out = novi(dir, args, stdin);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "novi {args:?} failed: {err}");
    String::from_utf8(out.stdout).unwrap()
}

/// Asserts failure with one readable line on stderr, and returns that line.
pub fn fails(dir: &Path, args: &[&str], stdin: &str) -> String {
    let out = novi(dir, args, stdin);
    assert!(!out.status.success(), "novi {args:?} should fail");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error:"), "{err}");
    err
}

/// Asserts failure with nothing on standard output and a readable `error:` line on
/// standard error; returns standard error.
pub fn fails_printing_nothing(dir: &Path, args: &[&str], stdin: &str) -> String {
    let out = novi(dir, args, stdin);
    assert!(!out.status.success(), "novi {args:?} should fail");
    assert!(out.stdout.is_empty(), "nothing on stdout: {:?}", out.stdout);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.lines().any(|l| l.starts_with("error: ")), "{err}");
    err
}

/// A fresh data directory with one business, `code` (named `Shop` for `shop`), added with
/// `novi business add`.
pub fn install_with_business(code: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let name = title_case(code);
    let add = ["business", "add", "--name", &name, "--short-code", code];
    ok(dir.path(), &add, "");
    dir
}

/// [`install_with_business`], with the sweet shop's catalog imported into it the way an owner
/// would, with `novi catalog import`.
pub fn install_with_sweet_shop(code: &str) -> TempDir {
    let dir = install_with_business(code);
    let import = ["catalog", "import", "--business", code, data::CATALOG_PATH];
    ok(dir.path(), &import, "");
    dir
}

/// A running `novi serve`. Dropping it kills the process, so a failed test leaves none behind.
pub struct Server {
    child: Option<Child>,
    pub lines: Vec<String>,
    pub base: String,
}

impl Server {
    /// Starts `novi serve ARGS` and returns once it has said it is up.
    pub fn start(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Server {
        Self::start_logging(dir, args, envs, Stdio::null())
    }

    /// [`Server::start`], with the server's log (standard error) going to `log`.
    pub fn start_logging(
        dir: &Path,
        args: &[&str],
        envs: &[(&str, &str)],
        log: impl Into<Stdio>,
    ) -> Server {
        let mut cmd = Command::new(NOVI);
        cmd.arg("serve")
            .args(args)
            .env("NOVI_DATA_DIR", dir)
            .env_remove("NOVI_LISTEN");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(log).spawn().unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "serve exited early: {lines:?}"
            );
            let done = line.contains("Press Ctrl-C");
            lines.push(line.trim_end().to_owned());
            if done {
                break;
            }
        }
        let first = &lines[0];
        let start = first.find("http").expect("address printed");
        let base = first[start..]
            .split('/')
            .take(3)
            .collect::<Vec<_>>()
            .join("/");
        Server {
            child: Some(child),
            lines,
            base,
        }
    }

    fn signal(&mut self, signal: &str) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let pid = child.id().to_string();
        assert!(Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success());
        child.wait().unwrap()
    }

    /// Stops it as systemd would (SIGTERM) and returns how it exited.
    pub fn terminate(mut self) -> ExitStatus {
        self.signal("-TERM")
    }

    /// Kills it with no chance to clean up, as a power cut or the OOM killer would.
    pub fn kill(mut self) -> ExitStatus {
        self.signal("-KILL")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
