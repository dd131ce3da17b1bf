#!/usr/bin/env bash
# Builds Novi's .deb from the dev-profile binary `cargo test` already built, installs it with
# dpkg, checks what it installed (binary, units, config, user, data directory, `novi doctor`
# as the service's user), and purges it. Run as root on a machine without Novi installed; CI
# runs it after `cargo test`. systemd need not be running.
# Usage: packaging/deb-check.sh        (CARGO_DEB_VERSION pins the cargo-deb installed if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "deb-check: $*"; }
fail() { echo "deb-check: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (it installs and removes a package)"
if dpkg -s novi >/dev/null 2>&1; then
    fail "novi is already installed on this machine; this check would remove it"
fi
made_user=no made_data=no
getent passwd novi >/dev/null || made_user=yes
[ -e /var/lib/novi ] || made_data=yes

if ! command -v cargo-deb >/dev/null; then
    say "installing cargo-deb"
    cargo install cargo-deb --locked --version "${CARGO_DEB_VERSION:-3.8.0}"
fi

started=$SECONDS
[ -x target/debug/novi ] || cargo build --bin novi
deb=target/debian/novi-check.deb
mkdir -p target/debian
packaging/deb/manual.sh target/debug/novi
# The dev-profile binary cargo test built: no release build in CI. --fast: lighter compression.
cargo deb --profile dev --no-build --fast --output "$deb" >/dev/null
say "built $deb ($(du -h "$deb" | cut -f1)) in $((SECONDS - started)) s"

cleanup() {
    dpkg --purge novi >/dev/null 2>&1 || true
    [ "$made_data" = yes ] && rm -rf /var/lib/novi
    [ "$made_user" = yes ] && { userdel novi 2>/dev/null || true; }
    return 0
}
trap cleanup EXIT

dpkg -i "$deb"
novi --version
for f in /usr/bin/novi /lib/systemd/system/novi.service /lib/systemd/system/novi-litestream.service \
    /usr/lib/sysusers.d/novi.conf /usr/share/man/man1/novi.1.gz \
    /usr/share/bash-completion/completions/novi /etc/novi/config.toml /etc/novi/litestream.yml /etc/novi/litestream.env; do
    [ -e "$f" ] || fail "$f was not installed"
done
[ "$(stat -c %a /etc/novi/litestream.env)" = 600 ] || fail "/etc/novi/litestream.env is readable by others"
zcat /usr/share/man/man1/novi.1.gz | sed -n '1{/^\.TH novi 1/p}' | grep -q . || fail "the manual page is not roff"
getent passwd novi >/dev/null || fail "the user novi was not made"
[ "$(stat -c '%U %a' /var/lib/novi)" = "novi 750" ] || fail "/var/lib/novi is $(stat -c '%U %a' /var/lib/novi)"
grep -q '^ProtectSystem=strict' /lib/systemd/system/novi.service || fail "novi.service is not hardened"
if command -v systemd-analyze >/dev/null; then
    # Litestream is not part of the package, so its unit's binary may well be missing.
    complaints=$(systemd-analyze verify /lib/systemd/system/novi.service \
        /lib/systemd/system/novi-litestream.service 2>&1 | grep -v 'Command /usr/bin/litestream' || true)
    [ -z "$complaints" ] || fail "systemd-analyze verify: $complaints"
fi

# As the service runs it: its user, its data directory, its config file.
as_novi() { runuser -u novi -- env NOVI_DATA_DIR=/var/lib/novi NOVI_CONFIG=/etc/novi/config.toml novi "$@"; }
as_novi migrate >/dev/null
# Free disk speaks for this build machine, not for the package: a run short of space is read as
# passed when that is all that failed.
only_disk_failed() {
    grep -q '^FAIL  free disk:' <<<"$1" && ! grep '^FAIL' <<<"$1" | grep -qv '^FAIL  free disk:'
}
report=$(as_novi doctor) || only_disk_failed "$report" || fail "novi doctor failed:
$report"
echo "$report"
# The packaged litestream.yml ships commented out: an untouched install is not replicating.
grep -q '^ok    replication: off' <<<"$report" || fail "doctor's replication line is not off"

dpkg --purge novi
[ ! -e /usr/bin/novi ] || fail "/usr/bin/novi is still there after purge"
[ ! -e /etc/novi/config.toml ] || fail "/etc/novi/config.toml is still there after purge"
[ -e /var/lib/novi/novi.db ] || fail "purge deleted the shop's data"
say "ok in $((SECONDS - started)) s"
