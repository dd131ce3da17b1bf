"""Off-site copies proven end to end: orders taken by a real `novi serve` over HTTP, streamed by
Litestream to an S3-compatible server (moto) on loopback, the machine lost (both killed with
SIGKILL, the data directory deleted), the database restored into an empty directory with
`litestream restore`, and every acknowledged order found again through the restored Novi's API.

Run by packaging/litestream-check.sh, which makes the virtualenv this needs. Exits non-zero on
any mismatch. Arguments: NOVI_BINARY [ORDERS].
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUCKET = "novi-offsite"
CATALOG = "sku,name,category,unit,price,aliases,variants,stock\nladoo,Ladoo,Sweets,pc,10,,,1000000\n"


def fail(why):
    print(f"litestream-check: FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def wait_for(what, predicate, seconds=60.0):
    """Polls `predicate` until it is true, failing with `what` past the deadline."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    fail(f"timed out waiting for {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Novi:
    def __init__(self, binary, data_dir):
        self.binary, self.data_dir = binary, data_dir

    def run(self, *args, check=True):
        env = dict(os.environ, NOVI_DATA_DIR=str(self.data_dir))
        out = subprocess.run([self.binary, *args], env=env, capture_output=True, text=True)
        if check and out.returncode != 0:
            fail(f"novi {' '.join(args)}: {out.stderr.strip()}")
        return out

    def serve(self):
        """Starts `novi serve` on a free loopback port; returns the process and its base URL."""
        env = dict(os.environ, NOVI_DATA_DIR=str(self.data_dir))
        proc = subprocess.Popen(
            [self.binary, "serve", "--listen", "127.0.0.1:0"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        found = {}

        def read():
            for line in proc.stdout:
                if line.startswith("Novi is running at "):
                    found["base"] = line.split()[4].rstrip("/")

        threading.Thread(target=read, daemon=True).start()
        wait_for("novi serve to start", lambda: "base" in found or proc.poll() is not None)
        if "base" not in found:
            fail("novi serve stopped before it was up")
        return proc, found["base"]


def api(base, token, method, path, body=None):
    req = urllib.request.Request(
        base + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None


def take_orders(base, token, count, first=0):
    """Posts `count` orders from four clients, numbered from `first` in their notes; returns
    {order number: note} of those acknowledged."""

    def one(i):
        body = {
            "customer": {"name": f"Customer {i}", "phone": f"+9198{i:08d}"},
            "lines": [{"sku": "ladoo", "qty": 1 + i % 7}],
            "notes": f"offsite-{i}",
            "fulfilment": "pickup",
        }
        status, reply = api(base, token, "POST", "/api/v1/orders", body)
        return (reply["order"]["number"], body["notes"]) if status == 201 else None

    with ThreadPoolExecutor(4) as pool:
        acked = [r for r in pool.map(one, range(first, first + count)) if r]
    return dict(acked)


def all_orders(base, token):
    """Every order the API lists, as {number: note}, page by page."""
    orders, page = {}, 1
    while True:
        status, reply = api(base, token, "GET", f"/api/v1/orders?per_page=100&page={page}")
        if status != 200:
            fail(f"listing orders answered {status}")
        orders.update({o["number"]: o["notes"] for o in reply["orders"]})
        if page >= reply["pagination"]["pages"]:
            return orders
        page += 1


def litestream_config(work, db, endpoint):
    """The packaged config with this machine's database, the bucket and the loopback endpoint."""
    shipped = (HERE / "litestream.yml").read_text()
    if "\n# dbs:\n" not in shipped:
        fail("packaging/litestream.yml no longer ships its dbs: block commented out")
    # Uncommented from "dbs:" on, as the README tells an operator to.
    head, block = shipped.split("\n# dbs:\n", 1)
    lines = ["dbs:"] + [line.removeprefix("# ") for line in block.splitlines()]
    text = head + "\n" + "\n".join(lines) + "\n"
    edits = {
        "/var/lib/novi/novi.db": str(db),
        "bucket: my-shop-backups": f"bucket: {BUCKET}",
        "# endpoint: https://s3.example.com": f"endpoint: {endpoint}",
        "# force-path-style: true": "force-path-style: true",
    }
    for old, new in edits.items():
        if old not in text:
            fail(f"packaging/litestream.yml no longer has {old!r}; update this script")
        text = text.replace(old, new)
    path = work / f"litestream-{db.parent.name}.yml"
    path.write_text(text)
    return path


def replica_max_txid(litestream, config, db):
    out = subprocess.run(
        [litestream, "ltx", "-config", str(config), "-level", "all", "-json", str(db)],
        capture_output=True, text=True,
    )
    if out.returncode != 0:
        return 0
    return max((int(f["max_txid"], 16) for f in json.loads(out.stdout or "[]")), default=0)


def local_position(db):
    """Litestream's newest local transaction, if it has read every change in the WAL."""
    level0 = db.parent / f".{db.name}-litestream" / "ltx" / "0"
    files = sorted(level0.glob("*.ltx"), key=lambda p: int(p.stem.split("-")[1], 16))
    if not files:
        return None
    wal = db.parent / f"{db.name}-wal"
    if wal.exists() and wal.stat().st_mtime_ns > files[-1].stat().st_mtime_ns:
        return None
    return int(files[-1].stem.split("-")[1], 16)


class Machine:
    """One shop machine: Novi and Litestream running on its data directory."""

    def __init__(self, tools, work, data, endpoint):
        self.tools, self.data, self.db = tools, data, data / "novi.db"
        self.config = litestream_config(work, self.db, endpoint)
        log = open(work / f"litestream-{data.name}.log", "w")
        self.replicate = subprocess.Popen(
            [tools["litestream"], "replicate", "-config", str(self.config)],
            stdout=subprocess.DEVNULL, stderr=log)
        self.server, self.base = Novi(tools["novi"], data).serve()
        tools["procs"] += [self.replicate, self.server]

    def take_replicated_orders(self, token, count, first, batches=5):
        """Takes orders in batches; after each, waits until Litestream has read every change and
        the object store holds the newest, as an operator would before pulling a plug
        (Litestream is asynchronous: a sync a second). Batches, so the stream carries several
        transactions rather than one snapshot."""
        wait_for("Litestream's first snapshot", lambda: local_position(self.db) is not None)
        acked, started = {}, time.monotonic()
        for batch in range(batches):
            before = local_position(self.db) or 0
            acked.update(take_orders(self.base, token, count // batches, first + batch * count // batches))
            wait_for("Litestream to copy every change off the machine",
                     lambda: (pos := local_position(self.db)) is not None and pos > before
                     and replica_max_txid(self.tools["litestream"], self.config, self.db) >= pos)
        print(f"{self.data.name}: {len(acked)} orders acknowledged of {count} in "
              f"{time.monotonic() - started:.1f} s, replicated up to transaction {local_position(self.db)}")
        if len(acked) != count // batches * batches:
            fail(f"only {len(acked)} of {count} orders were acknowledged")
        return acked

    def check_doctor_sees_it_current(self):
        doctor = Novi(self.tools["novi"], self.data).run("doctor", check=False).stdout
        line = next((l for l in doctor.splitlines() if "replication:" in l), "")
        print(f"{self.data.name}: doctor says: {line.strip()}")
        if not line.startswith("ok") or "every change" not in line:
            fail(f"novi doctor does not see replication as current:\n{doctor}")

    def lose(self):
        """The machine is lost: both killed outright, the data directory gone."""
        for p in (self.server, self.replicate):
            p.send_signal(signal.SIGKILL)
            p.wait()
        shutil.rmtree(self.data)


def restore_and_compare(tools, config, source_db, target, token, acked):
    """`litestream restore` into the empty `target`, then Novi on it must list exactly `acked`."""
    target.mkdir()
    started = time.monotonic()
    out = subprocess.run([tools["litestream"], "restore", "-config", str(config),
                          "-o", str(target / "novi.db"), str(source_db)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        fail(f"litestream restore: {out.stderr.strip()}")
    server, base = Novi(tools["novi"], target).serve()
    found = all_orders(base, token)
    server.kill()
    server.wait()
    missing = sorted(set(acked) - set(found))
    changed = sorted(n for n in acked if n in found and found[n] != acked[n])
    print(f"{target.name}: restored in {time.monotonic() - started:.1f} s; {len(found)} orders "
          f"(acknowledged {len(acked)}, missing {len(missing)}, different {len(changed)})")
    if missing or changed or len(found) != len(acked):
        fail(f"missing {missing[:10]}, different {changed[:10]}, {len(found)} found")


def start_s3(tools, work):
    """moto's S3 server on a free loopback port, with the bucket made; returns its address."""
    import boto3

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    tools["procs"].append(subprocess.Popen(
        [tools["moto"], "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=open(work / "moto.log", "w")))
    client = boto3.client("s3", endpoint_url=endpoint)

    def bucket_made():
        try:
            client.create_bucket(Bucket=BUCKET)
            return True
        except Exception:
            return False

    wait_for("the S3 server", bucket_made)
    return endpoint


def set_up_shop(binary, work, data):
    """A business with one product and an API token, made with Novi's own commands."""
    novi = Novi(binary, data)
    novi.run("business", "add", "--name", "Offsite Sweets", "--short-code", "shop")
    (work / "catalog.csv").write_text(CATALOG)
    novi.run("catalog", "import", "--business", "shop", str(work / "catalog.csv"))
    return novi.run("token", "create", "--business", "shop", "--name", "ci").stdout.strip()


def main():
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    venv_bin = Path(sys.executable).parent
    tools = {"novi": os.path.abspath(sys.argv[1]), "litestream": str(venv_bin / "litestream"),
             "moto": str(venv_bin / "moto_server"), "procs": []}
    # A CA bundle meant for real HTTPS makes Litestream's S3 client refuse to start; the
    # loopback server is plain HTTP.
    os.environ.pop("AWS_CA_BUNDLE", None)
    os.environ.update(AWS_ACCESS_KEY_ID="novi", AWS_SECRET_ACCESS_KEY="novi",
                      AWS_DEFAULT_REGION="us-east-1")
    work = Path(tempfile.mkdtemp(prefix="novi-litestream-"))
    try:
        endpoint = start_s3(tools, work)
        first = work / "first-machine"
        token = set_up_shop(tools["novi"], work, first)
        machine = Machine(tools, work, first, endpoint)
        acked = machine.take_replicated_orders(token, count, 0)
        machine.check_doctor_sees_it_current()
        machine.lose()
        second = work / "second-machine"
        restore_and_compare(tools, machine.config, machine.db, second, token, acked)

        # The new machine carries on, streaming to the same place, and is lost in its turn.
        machine = Machine(tools, work, second, endpoint)
        acked.update(machine.take_replicated_orders(token, count // 3, count))
        machine.lose()
        restore_and_compare(tools, machine.config, machine.db, work / "third-machine", token, acked)
        print("litestream-check: ok")
    finally:
        for p in tools["procs"]:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
