#!/usr/bin/env python3
"""The security suite of issue 20: the attacker's side of each finding, played over loopback
against the real kioskd, which runs as the store's hub on 127.0.0.1.

Each test_<finding>_<what> function makes one attack. It passes when the daemon stops the
attack. It fails when the attack works, and says why: the status, an excerpt of the body and
the figures. A few tests are controls: the legitimate form of the same request must still work,
so that a refusal is known to come from the defence and not from a broken request.

Client addresses: Linux routes all of 127.0.0.0/8 to loopback, so a socket bound to 127.0.1.1,
127.0.1.2, … is another client to the daemon. Every PIN attempt comes from an address of its own
(``fresh_address``), unless the attack is about one address. Then the per-address limit of
finding 2 never decides an attack that is not about it. Attacks whose state would interfere get
a hub of their own; each hub starts from a copy of one prepared store (``Template``).

Usage: attacks.py [-k NAME]... [--keep]      KIOSKD: the binary (default .build/debug/kioskd)
Standard library only; needs openssl for the https attack.
"""

import argparse
import base64
import concurrent.futures
import datetime
import gzip
import hashlib
import hmac
import http.client
import itertools
import json
import secrets
import os
import re
import resource
import select
import shutil
import signal
import socket
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
KIOSKD = os.environ.get("KIOSKD") or str(TOP / ".build/debug/kioskd")

# The store every hub starts from.
STAFF = {  # badge: (name, role, PIN)
    "AD": ("管理员", "admin", "1122"),
    "MG": ("经理", "manager", "2233"),
    "SA": ("服务顾问", "service_advisor", "3344"),
    "T1": ("王师傅", "technician", "4455"),
    "T2": ("李师傅", "technician", "5566"),
    "C1": ("配件员", "clerk", "6677"),
}
PHONE = "13800138000"
VIN = "LSVAU2180N2183294"
PART_BARCODE = "6901234567892"
# WO-1 is the customer's job the attacks look for; the push attacks each move a job of their own.
ORDERS = ["WO-1", "WO-3A", "WO-3B", "WO-3C", "WO-3E", "WO-3G", "WO-3K", "WO-7A", "WO-7C"]

# Which badges a device of each role may get PIN verifiers for (finding 4).
VERIFIERS_ALLOWED = {
    "counter": {"clerk", "manager", "admin"},
    "bay": {"technician", "service_advisor", "manager", "admin"},
    "lobby": set(),
}

# How long any single wait may last, unless a test says otherwise.
HTTP_TIMEOUT = 10
START_TIMEOUT = 15
CLI_TIMEOUT = 60


class AttackWorked(Exception):
    """The daemon let the attack through: the test fails."""


class Skipped(Exception):
    """The attack cannot be made here (said why)."""


class Broken(Exception):
    """The test could not set the attack up: no verdict on the attack itself."""


def check(condition, message):
    """The daemon must have stopped the attack; otherwise the test fails with `message`."""
    if not condition:
        raise AttackWorked(message)


def need(condition, message):
    """A precondition of the attack (a control, a set-up step)."""
    if not condition:
        raise Broken(message)


# MARK: Client addresses

_addresses = itertools.count()
_address_lock = threading.Lock()


def fresh_address():
    """A loopback address no request has come from yet: 127.0.1.1, 127.0.1.2, …
    127.0.0.x is left for the attacks that name their address."""
    with _address_lock:
        n = next(_addresses)
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


# MARK: HTTP

@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise Broken(f"HTTP {self.status}: not JSON ({e}): {self.excerpt()}")

    def excerpt(self, n=240):
        text = self.body.decode("utf-8", "replace").replace("\n", " ")
        return text if len(text) <= n else text[:n] + "…"

    def __str__(self):
        return f"HTTP {self.status} {self.excerpt(160)}"


@dataclass
class Session:
    badge: str
    cookie: str
    csrf: str
    set_cookie: str


def request(port, method, path, *, json_body=None, body=None, headers=None, source=None, session=None,
            timeout=HTTP_TIMEOUT, tls=False):
    """One request on a new connection from `source` (a loopback address); the session's cookie
    and, for a change, its CSRF token go with it."""
    headers = dict(headers or {})
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers.setdefault("Content-Type", "application/json")
    if session is not None:
        headers["Cookie"] = f"kd_session={session.cookie}"
        if method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = session.csrf
    address = (source or fresh_address(), 0)
    if tls:
        context = ssl._create_unverified_context()
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, source_address=address, context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=address)
    started = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return Answer(response.status, response.headers, data, time.monotonic() - started)
    except (OSError, http.client.HTTPException) as e:
        raise Broken(f"{method} {path} from {address[0]}: no answer after {time.monotonic() - started:.1f} s ({e!r})")
    finally:
        conn.close()


def iso(date):
    return date.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


# MARK: Processes

def run_cli(config, *args, stdin=None, timeout=CLI_TIMEOUT):
    """`kioskd ARGS --config CONFIG`; stdin is closed unless given (a prompt reads EOF)."""
    try:
        return subprocess.run([KIOSKD, *args, "--config", str(config)], input=stdin, text=True,
                              stdin=None if stdin is not None else subprocess.DEVNULL,
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Broken(f"kioskd {' '.join(args)} did not finish within {timeout} s")


def cli_ok(config, *args, stdin=None):
    r = run_cli(config, *args, stdin=stdin)
    need(r.returncode == 0, f"kioskd {' '.join(args)} exited {r.returncode}: {(r.stdout + r.stderr).strip()[:300]}")
    return r.stdout


def set_pin(config, badge, pin):
    """Sets a PIN the way finding 6 wants it (on stdin), else the old way (as an argument).
    Returns the form that worked."""
    on_stdin = run_cli(config, "technicians", "set-pin", badge, stdin=f"{pin}\n")
    if on_stdin.returncode == 0:
        return "stdin"
    as_argument = run_cli(config, "technicians", "set-pin", badge, pin)
    need(as_argument.returncode == 0, f"set-pin {badge}: on stdin exit {on_stdin.returncode} ({on_stdin.stderr.strip()[:150]}), "
                                      f"as an argument exit {as_argument.returncode} ({as_argument.stderr.strip()[:150]})")
    return "argument"


def hub_config(folder, name, extra=""):
    """A hub's config: its own data folder, the web server on a free port, a FIFO scanner."""
    return (f'[device]\nid = "{name}"\ndata_dir = "{folder}/data"\nrole = "hub"\n'
            f'[web]\nlisten = "127.0.0.1:0"\n{extra}'
            f'[backup]\nenabled = false\n'
            f'[[scanners]]\nkind = "fifo"\npath = "{folder}/scan.fifo"\n')


class Template:
    """The prepared store every hub starts from (a copy of its data folder): the staff with their
    PINs, one part, the work orders; WO-1's phone-page token is read from `jobs open`."""

    def __init__(self, work):
        self.folder = work / "template"
        self.folder.mkdir()
        self.config = self.folder / "kioskd.toml"
        self.config.write_text(hub_config(self.folder, "template"))
        (self.folder / "parts.csv").write_text(
            f"part_number,name_zh,name_en,unit,barcodes,bin,safety_stock,reorder_point\n"
            f"P1,刹车片,Brake pad,个,{PART_BARCODE},A-01,0,0\n")
        cli_ok(self.config, "parts", "import", str(self.folder / "parts.csv"))
        for badge, (name, role, pin) in STAFF.items():
            # `staff add --pin` while it is accepted; else add, then the PIN on stdin.
            if run_cli(self.config, "staff", "add", badge, name, "--role", role, "--pin", pin).returncode != 0:
                cli_ok(self.config, "staff", "add", badge, name, "--role", role)
                set_pin(self.config, badge, pin)
        self.tokens = {}
        for i, ticket in enumerate(ORDERS):
            out = cli_ok(self.config, "jobs", "open", "--ticket", ticket, "--plate", f"粤B1234{i}", "--vin", VIN,
                         "--phone", PHONE, "--bay", "BAY-1")
            m = re.search(r"token\s+(\S+)", out)
            self.tokens[ticket] = m.group(1) if m else None
        if not self.tokens["WO-1"]:
            with sqlite3.connect(self.folder / "data/kioskd.sqlite") as db:
                self.tokens["WO-1"] = db.execute("SELECT publicToken FROM work_order WHERE ticketCode = 'WO-1'").fetchone()[0]


class Hub:
    """A kioskd hub started from the template: its CLI, its web server, its store."""

    def __init__(self, suite, name, extra="", nofile=None, tls=False):
        self.suite, self.name, self.tls = suite, name, tls
        self.folder = suite.work / name
        self.folder.mkdir()
        shutil.copytree(suite.template.folder / "data", self.folder / "data")
        self.config = self.folder / "kioskd.toml"
        self.config.write_text(hub_config(self.folder, name, extra))
        self.log_path = self.folder / "daemon.log"
        self.nofile = nofile
        self.process = None
        self.port = None
        self.devices = {}
        self.start()

    def start(self):
        log = open(self.log_path, "ab")
        before = self.log_path.read_bytes().count(b"port=")

        def limits():
            if self.nofile:
                hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
                resource.setrlimit(resource.RLIMIT_NOFILE, (min(self.nofile, hard), hard))

        self.process = subprocess.Popen([KIOSKD, "run", "--config", str(self.config)], stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=log, preexec_fn=limits)
        log.close()
        self.suite.processes.append(self.process)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            ports = re.findall(r"port=(\d+)", text)
            if len(ports) > before and "kioskd ready" in text:
                self.port = int(ports[-1])
                return
            if self.process.poll() is not None:
                raise Broken(f"hub {self.name} exited {self.process.returncode} at start: {self.log_tail()}")
            time.sleep(0.05)
        raise Broken(f"hub {self.name} did not start within {START_TIMEOUT} s (waited for 'kioskd ready' and 'port='): {self.log_tail()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
                raise Broken(f"hub {self.name} did not stop within 15 s of SIGTERM (killed)")

    def log_tail(self, lines=5):
        return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-lines:])

    def cli(self, *args, stdin=None):
        return run_cli(self.config, *args, stdin=stdin)

    def request(self, method, path, **kwargs):
        return request(self.port, method, path, tls=self.tls, **kwargs)

    def sign_in(self, badge, pin=None, source=None):
        answer = self.request("POST", "/api/v1/session", json_body={"badge": badge, "pin": pin or STAFF[badge][2]}, source=source)
        need(answer.status == 201, f"{badge} could not sign in with the right PIN: {answer}")
        cookie = re.search(r"kd_session=([^;]*)", answer.headers.get("Set-Cookie", ""))
        need(cookie, f"no kd_session cookie in the sign-in answer: {answer.headers}")
        return Session(badge, cookie.group(1), answer.json()["csrfToken"], answer.headers.get("Set-Cookie", ""))

    def query(self, sql, *args):
        """Reads the hub's store (SQLite, WAL: the running daemon is not disturbed)."""
        db = sqlite3.connect(f"file:{self.folder}/data/kioskd.sqlite", uri=True, timeout=10)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def order_state(self, ticket):
        rows = self.query("SELECT state FROM work_order WHERE ticketCode = ?", ticket)
        need(rows, f"no work order {ticket} at the hub")
        return rows[0][0]

    # Devices (finding 3 and 4)

    def device(self, role):
        """A device of `role` enrolled with this hub: `hub enrol NAME --role ROLE`, or without
        --role where the binary has no device roles (then every device is alike)."""
        if role not in self.devices:
            name = f"{role}-1"
            r = self.cli("hub", "enrol", name, "--role", role, *(["--bay", "BAY-1"] if role == "bay" else []))
            with_role = r.returncode == 0
            if not with_role and "--role" in r.stderr:   # "Unknown option '--role'": a kioskd without device roles
                r = self.cli("hub", "enrol", name)
            need(r.returncode == 0, f"hub enrol {name} exited {r.returncode}: {(r.stdout + r.stderr).strip()[:300]}")
            m = re.search(r"code for \S+?:\s*([A-Z0-9][A-Z0-9-]{5,})", r.stdout) or re.search(r"\b([A-Z0-9]{10})\b", r.stdout)
            need(m, f"no enrolment code in: {r.stdout.strip()}")
            answer = self.request("POST", "/api/v1/sync/enrol", json_body={"deviceID": name, "code": m.group(1)})
            need(answer.status == 200, f"enrolment of {name}: {answer}")
            self.devices[role] = Device(name, role, answer.json()["token"], with_role)
        return self.devices[role]

    def push(self, device, events, claimed=None):
        return self.request("POST", "/api/v1/sync/push", json_body={"deviceID": claimed or device.name, "events": events},
                            headers={"Authorization": f"Bearer {device.token}"})

    def pull(self, device):
        return self.request("GET", "/api/v1/sync/pull?after=0", headers={"Authorization": f"Bearer {device.token}"})

    def event_outcome(self, event_id):
        rows = self.query("SELECT outcome FROM hub_event WHERE hex(eventID) = ?", event_id.replace("-", "").upper())
        return rows[0][0] if rows else "not stored"


@dataclass
class Device:
    name: str
    role: str
    token: str
    with_role: bool  # enrolled with --role (False: the binary has no device roles)

    def __str__(self):
        return self.name if self.with_role else f"{self.name} (enrolled without a role: this kioskd has no --role)"


_hlc = itertools.count(1)


def event(seq, kind, event_id=None, **payload):
    """A SyncEvent as a device sends it (Sources/KioskCore/Sync/SyncProtocol.swift): a movement
    or a job move travels under its own key (the hub refuses any other shape before it looks
    at who sent it, so an attack with another shape would be refused for the wrong reason)."""
    return {"seq": seq, "id": event_id or str(uuid.uuid4()).upper(), "kind": kind,
            "hlc": (int(time.time() * 1000) << 16) + next(_hlc) % 65536, **payload}


def transition(seq, ticket, from_state, to_state, actor, bay="BAY-1", pin_key=None):
    """A job move as a device sends it. `pin_key`: what PBKDF2 makes of the actor's PIN (the
    page holds it while they are signed in); the move then carries their proof."""
    move = {"id": str(uuid.uuid4()).upper(), "ticketCode": ticket, "fromState": from_state, "toState": to_state,
            "actor": actor, "bay": bay, "at": iso(now_utc())}
    if to_state == "cancelled":
        move["reason"] = "客户取消 / the customer called it off"   # a cancellation needs a reason
    if pin_key is not None:
        message = f"kioskd job move v1|{move['id']}|{ticket}|{from_state or ''}|{to_state}|{actor}".encode()
        move["proof"] = base64.b64encode(hmac.new(pin_key, message, hashlib.sha256).digest()).decode()
    return event(seq, "job.transition", event_id=move["id"], transition=move)


def pin_key(hub, badge):
    """What PBKDF2 makes of `badge`'s PIN: the hub's stored hash (pbkdf2-sha256$rounds$salt$hash)."""
    stored = hub.query("SELECT pinHash FROM technician WHERE badge = ?", badge)[0][0]
    return base64.b64decode(stored.split("$")[3])


def movement(seq, device_id, actor, quantity=3):
    key = str(uuid.uuid4()).upper()
    return event(seq, "stock.movement", event_id=key, movement={
        "key": key, "kind": "receive", "partNumber": "P1", "quantity": quantity, "toBin": "A-01",
        "deviceID": device_id, "actor": actor, "recordedAt": iso(now_utc())})


def push_summary(answer):
    if answer.status != 200:
        return f"HTTP {answer.status}"
    body = answer.json()
    return f"HTTP 200, stored {body.get('stored')}, rejected {len(body.get('rejected') or [])}"


# MARK: Finding 1: the PIN lockout cannot be raced

def test_1_pin_race(suite):
    """40 wrong guesses at T1, 8 at a time, each from its own address: at most 5 are checked
    (401) before the lock, the rest get 429; then the right PIN gets 429 too."""
    hub = suite.hub("race")
    guesses = [f"{n:04d}" for n in range(40)]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda pin: hub.request("POST", "/api/v1/session", json_body={"badge": "T1", "pin": pin}), guesses))
    seconds = time.monotonic() - started
    counts = {s: sum(a.status == s for a in answers) for s in sorted({a.status for a in answers})}
    right = hub.request("POST", "/api/v1/session", json_body={"badge": "T1", "pin": STAFF["T1"][2]})
    figures = f"40 guesses in {seconds:.1f} s: {counts_text(counts)}; then the right PIN: HTTP {right.status}"
    check(counts.get(401, 0) <= 5, f"{counts.get(401, 0)} guesses were checked (401), at most 5 may be: {figures}")
    check(set(counts) <= {401, 429}, f"answers other than 401/429: {figures}")
    check(right.status == 429, f"the badge was not locked after the race: {figures}")
    return figures


def counts_text(counts):
    return ", ".join(f"{n}×{status}" for status, n in counts.items())


# MARK: Finding 2: rate limits, lockout back-off, no badge enumeration

def test_2a_rate_limit_per_address(suite):
    """From one address, the 11th PIN attempt within a minute (sign-in and /clock together,
    unknown badges) gets 429 with Retry-After; another address is still answered normally."""
    hub = suite.hub("rate")
    technician = hub.sign_in("T1")
    attacker = "127.0.0.10"
    attempts = []
    started = time.monotonic()
    for i in range(1, 13):
        badge = f"NOBODY{i:02d}"
        if i <= 5 or i == 11:
            a = hub.request("POST", "/api/v1/session", json_body={"badge": badge, "pin": "0000"}, source=attacker)
            attempts.append(("session", a))
        else:
            a = hub.request("POST", "/api/v1/jobs/WO-1/clock", json_body={"badge": badge, "pin": "0000", "on": True},
                            source=attacker, session=technician)
            attempts.append(("clock", a))
    seconds = time.monotonic() - started
    statuses = " ".join(str(a.status) for _, a in attempts)
    other_unknown = hub.request("POST", "/api/v1/session", json_body={"badge": "NOBODY99", "pin": "0000"}, source="127.0.0.11")
    other_right = hub.request("POST", "/api/v1/session", json_body={"badge": "MG", "pin": STAFF["MG"][2]}, source="127.0.0.11")
    figures = (f"12 attempts from {attacker} in {seconds:.1f} s (5 sign-in, 5 clock, sign-in, clock): {statuses}; "
               f"another address: unknown badge {other_unknown.status}, right PIN {other_right.status}")
    first = next((i for i, (_, a) in enumerate(attempts, 1) if a.status == 429), None)
    # The bucket refills 10 a minute: one more attempt may pass for every 6 s the attempts took.
    allowed = 10 + int(seconds / 6)
    check(first is not None, f"no attempt was limited: {figures}")
    check(first > 10, f"attempt {first} was limited, the first 10 must not be: {figures}")
    check(first <= allowed + 1, f"the first 429 came at attempt {first}, expected by {allowed + 1}: {figures}")
    check(attempts[first - 1][1].headers.get("Retry-After"), f"the 429 has no Retry-After header: {figures}")
    check(other_unknown.status == 401 and other_right.status == 201, f"another address was not answered normally: {figures}")
    return figures + f"; Retry-After: {attempts[first - 1][1].headers.get('Retry-After')}"


def test_2a_rate_limit_global(suite):
    """90 PIN attempts spread over 90 addresses (an unknown badge each, 8 at a time): the global
    bucket (60, refilling 60 a minute) limits the ones beyond it."""
    hub = suite.hub("global")
    attempts = [(fresh_address(), f"GLOBAL{i:02d}") for i in range(90)]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda a: hub.request("POST", "/api/v1/session", json_body={"badge": a[1], "pin": "0000"}, source=a[0]),
                                attempts))
    seconds = time.monotonic() - started
    counts = {s: sum(a.status == s for a in answers) for s in sorted({a.status for a in answers})}
    passed = len(answers) - counts.get(429, 0)
    figures = f"90 attempts from 90 addresses in {seconds:.1f} s: {counts_text(counts)}"
    check(counts.get(429, 0) > 0, f"no attempt was limited: {figures}")
    check(60 <= passed <= 60 + seconds + 3, f"{passed} attempts got through, the global bucket allows 60 (+1 a second): {figures}")
    return figures


def staff_row(hub, manager, badge):
    answer = hub.request("GET", "/api/v1/staff", session=manager)
    need(answer.status == 200, f"GET /api/v1/staff as the manager: {answer}")
    rows = [p for p in answer.json().get("staff", []) if p.get("badge") == badge]
    need(rows, f"{badge} is not in GET /api/v1/staff: {answer.excerpt()}")
    return rows[0]


def audit_entries(hub, manager, actions):
    answer = hub.request("GET", "/api/v1/audit", session=manager)
    need(answer.status == 200, f"GET /api/v1/audit as the manager: {answer}")
    return [e for e in answer.json().get("entries", []) if e.get("action") in actions]


LOCKED_ACTIONS = {"pin.locked", "technician.pin_locked"}
UNLOCKED_ACTIONS = {"pin.unlocked", "technician.pin_unlocked"}


def lock_with_wrong_pins(hub, badge):
    return [hub.request("POST", "/api/v1/session", json_body={"badge": badge, "pin": f"000{n}"}).status for n in range(5)]


def check_lockout(hub, manager, badge, lockout, minutes, locked_at, figures):
    row = staff_row(hub, manager, badge)
    figures.append(f"lock {lockout}: staff row lockouts={row.get('lockouts')!r} lockedUntil={row.get('lockedUntil')!r}")
    check("lockedUntil" in row and "lockouts" in row,
          f"GET /api/v1/staff shows no lockedUntil/lockouts for {badge}: {row}; " + "; ".join(figures))
    check(row["lockouts"] == lockout, f"lockouts is {row['lockouts']}, expected {lockout}: " + "; ".join(figures))
    check(row["lockedUntil"], f"{badge} is not shown as locked: " + "; ".join(figures))
    lasts = (parse_iso(row["lockedUntil"]) - locked_at).total_seconds() / 60
    figures[-1] += f" ({lasts:.1f} min)"
    check(abs(lasts - minutes) < 1, f"lock {lockout} lasts {lasts:.1f} min, expected {minutes}: " + "; ".join(figures))
    locks = [e for e in audit_entries(hub, manager, LOCKED_ACTIONS) if badge in (e.get("actor", "") + " " + e.get("detail", ""))]
    check(locks and re.search(rf"\b{lockout}\b", locks[0].get("detail", "")),
          f"no audit entry pin.locked for {badge} saying lockout {lockout} in a row (newest: {locks[:1]}): " + "; ".join(figures))
    figures[-1] += f", audited: {locks[0]['detail']!r}"


def test_2b_lockout_backoff(suite):
    """Five wrong PINs lock T2 for 5 min (shown to the manager, audited); the manager unlocks;
    five more lock it for 15 min, lockouts 2 in a row."""
    hub = suite.hub("lockout")
    manager = hub.sign_in("MG")
    figures = []
    locked_at = now_utc()
    first = lock_with_wrong_pins(hub, "T2")
    figures.append(f"5 wrong PINs: {first}")
    check_lockout(hub, manager, "T2", 1, 5, locked_at, figures)
    unlock = hub.request("POST", "/api/v1/staff/T2/unlock", session=manager)
    figures.append(f"unlock: HTTP {unlock.status}")
    check(unlock.status == 204, f"the manager could not unlock T2: {unlock}; " + "; ".join(figures))
    row = staff_row(hub, manager, "T2")
    figures[-1] += f", then lockouts={row.get('lockouts')!r} lockedUntil={row.get('lockedUntil')!r}"
    check(row.get("lockedUntil") is None and row.get("lockouts") == 1,
          "after the unlock T2 must be open with lockouts 1: " + "; ".join(figures))
    check(audit_entries(hub, manager, UNLOCKED_ACTIONS), "the unlock is not in the audit log (pin.unlocked): " + "; ".join(figures))
    locked_at = now_utc()
    second = lock_with_wrong_pins(hub, "T2")
    figures.append(f"5 wrong PINs: {second}")
    check_lockout(hub, manager, "T2", 2, 15, locked_at, figures)
    return "; ".join(figures)


def test_2c_badge_enumeration(suite):
    """An unknown badge and a known one with a wrong PIN get the same answer in about the same
    time (medians of 8, interleaved, each from its own address); /clock answers 403 to both."""
    hub = suite.hub("enumeration")
    known = ["AD", "MG", "SA", "T1", "T2", "C1", "AD", "MG"]  # at most 2 wrong PINs each: none locks
    unknown_answers, known_answers = [], []
    for i in range(8):
        unknown_answers.append(hub.request("POST", "/api/v1/session", json_body={"badge": f"X{i:03d}", "pin": "0000"}))
        known_answers.append(hub.request("POST", "/api/v1/session", json_body={"badge": known[i], "pin": "0000"}))
    u = statistics.median(a.seconds for a in unknown_answers) * 1000
    k = statistics.median(a.seconds for a in known_answers) * 1000
    statuses = {a.status for a in unknown_answers + known_answers}
    bodies = {a.body for a in unknown_answers + known_answers}
    technician = hub.sign_in("T1")
    clock_unknown, clock_known = (hub.request("POST", "/api/v1/jobs/WO-1/clock", json_body={"badge": badge, "pin": "0000", "on": True},
                                              session=technician) for badge in ("NOBODY", "T2"))
    figures = (f"sign-in median unknown {u:.0f} ms, known {k:.0f} ms (ratio {u / k:.2f}); statuses {sorted(statuses)}, "
               f"{len(bodies)} different bodies; /clock unknown {clock_unknown.status}, known {clock_known.status}")
    check(statuses == {401}, f"sign-in answers are not all 401: {figures}")
    check(len(bodies) == 1, f"the bodies differ: {figures}: {[b[:80] for b in bodies]}")
    check(0.5 <= u / k <= 2.0, f"the answer time tells the badges apart: {figures}")
    check(clock_unknown.status == 403 and clock_known.status == 403,
          f"/clock tells the badges apart: {figures}; unknown: {clock_unknown.excerpt(120)}")
    return figures


# MARK: Finding 3: a device speaks only for itself

def push_and_report(hub, device, events):
    answer = hub.push(device, events)
    outcomes = [hub.event_outcome(e["id"]) for e in events]
    return answer, f"{device} pushed {len(events)}: {push_summary(answer)}; hub outcome: {'; '.join(o[:120] for o in outcomes)}"


def test_3a_counter_cancels_job(suite):
    """A counter device pushes checkedIn → cancelled of a job with the advisor SA as actor."""
    hub = suite.main()
    device = hub.device("counter")
    _, figures = push_and_report(hub, device, [transition(1, "WO-3A", "checkedIn", "cancelled", "SA")])
    state = hub.order_state("WO-3A")
    check(state != "cancelled", f"the hub cancelled WO-3A on the counter's word: {figures}")
    return f"WO-3A still {state}; {figures}"


def test_3b_bay_cancels_job(suite):
    """A bay device pushes checkedIn → cancelled with SA as actor: closing a job is the service
    desk's (only desk and store devices may push delivered or cancelled)."""
    hub = suite.main()
    device = hub.device("bay")
    _, figures = push_and_report(hub, device, [transition(1, "WO-3B", "checkedIn", "cancelled", "SA")])
    state = hub.order_state("WO-3B")
    check(state != "cancelled", f"the hub cancelled WO-3B on a bay's word: {figures}")
    return f"WO-3B still {state}; {figures}"


def test_3c_unknown_actor(suite):
    """A bay device pushes checkedIn → diagnosing under a badge nobody has."""
    hub = suite.main()
    device = hub.device("bay")
    _, figures = push_and_report(hub, device, [transition(2, "WO-3C", "checkedIn", "diagnosing", "GHOST9")])
    state = hub.order_state("WO-3C")
    check(state == "checkedIn", f"the hub moved WO-3C to {state} under an unknown actor: {figures}")
    return f"WO-3C still {state}; {figures}"


def test_3d_movement_for_other_device(suite):
    """A counter device pushes a stock movement whose deviceID names the desk device."""
    hub = suite.main()
    device, other = hub.device("counter"), hub.device("desk")
    e = movement(2, other.name, "C1")
    _, figures = push_and_report(hub, device, [e])
    rows = hub.query("SELECT deviceID FROM stock_movement WHERE hex(key) = ?", e["movement"]["key"].replace("-", ""))
    stored = rows[0][0] if rows else None
    figures += f"; stored under: {stored or 'not stored'}"
    check(stored in (None, device.name), f"the movement is stored as {other.name}'s: {figures}")
    return figures


def test_3e_lobby_pushes(suite):
    """A lobby device pushes a job move and a stock movement: a lobby records nothing."""
    hub = suite.main()
    device = hub.device("lobby")
    move, receipt = transition(1, "WO-3E", "checkedIn", "diagnosing", "T1"), movement(2, "lobby-1", "C1")
    _, figures = push_and_report(hub, device, [move, receipt])
    state = hub.order_state("WO-3E")
    rows = hub.query("SELECT deviceID FROM stock_movement WHERE hex(key) = ?", receipt["movement"]["key"].replace("-", ""))
    figures += f"; WO-3E {state}, movement {'stored' if rows else 'not stored'}"
    check(state == "checkedIn", f"the hub took a job move from the lobby: {figures}")
    check(not rows, f"the hub took a stock movement from the lobby: {figures}")
    return figures


def test_3g_move_without_pin_proof(suite):
    """A desk device (or one holding its token) pushes moves in T1's and SA's names that they
    never made with their PIN there: no proof, and a proof made with a guessed key."""
    hub = suite.main()
    device = hub.device("desk")
    forged = transition(2, "WO-3G", "checkedIn", "diagnosing", "T1", pin_key=os.urandom(32))
    _, figures = push_and_report(hub, device, [transition(1, "WO-3G", "checkedIn", "cancelled", "SA"), forged])
    state = hub.order_state("WO-3G")
    check(state == "checkedIn", f"the hub moved WO-3G to {state} without its actor's PIN: {figures}")
    return f"WO-3G still {state}; {figures}"


def test_3h_gzip_bomb_push(suite):
    """Pushes whose gzip body unpacks to 300 MB of white space (about 300 KB on the wire):
    without a token, and with a counter's token. Neither is unpacked past the 2 MiB an honest
    push may have; nothing is stored, and the hub still answers."""
    hub = suite.main()
    device = hub.device("counter")
    bomb = gzip.compress(b'{"deviceID":"counter-1","events":[' + b" " * 300_000_000 + b"]}", compresslevel=9)
    before = hub.query("SELECT COUNT(*) FROM hub_event")[0][0]
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    anonymous = hub.request("POST", "/api/v1/sync/push", body=bomb, headers=headers)
    signed = hub.request("POST", "/api/v1/sync/push", body=bomb, headers={**headers, "Authorization": f"Bearer {device.token}"})
    health = hub.request("GET", "/healthz")
    after = hub.query("SELECT COUNT(*) FROM hub_event")[0][0]
    figures = (f"{len(bomb)} bytes packed: without a token {anonymous.status}, with the counter's {signed.status} "
               f"({signed.excerpt(120)}); /healthz {health.status}; hub events {before} → {after}")
    check(anonymous.status == 401, f"an unauthenticated bomb was not refused as such: {figures}")
    check(signed.status in (400, 413), f"the hub took a bomb: {figures}")
    check(after == before and health.status == 200, f"the bomb changed the hub or stopped it: {figures}")
    return figures


def sscc(serial):
    """An SSCC under a made-up company prefix, with its GS1 check digit (a well-formed carton)."""
    body = "0" + "6905555" + f"{serial:09d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def test_3i_forged_cartons(suite):
    """A counter device forges cartons between stores (调拨) to change the hub's stock: a receipt
    of 500 from a carton no sister store shipped here, and a shipment that would empty the bin.
    Neither is applied: a receipt needs a carton the chain's ledger sent to this store, and only
    the hub ships."""
    hub = suite.main()
    device = hub.device("counter")
    before = hub.query("SELECT COALESCE(SUM(quantity), 0) FROM stock_balance WHERE partNumber = 'P1'")[0][0]
    receipt_key, ship_key, code = str(uuid.uuid4()).upper(), str(uuid.uuid4()).upper(), sscc(int(time.time()) % 10**9)
    at = iso(now_utc())
    carton = {"sscc": code, "fromStore": "elsewhere", "toStore": "here", "incoming": True, "partNumber": "P1", "quantity": 500,
              "fromBin": "A-01", "shippedAt": at, "shippedBy": "X", "shipMovementKey": str(uuid.uuid4()).upper(),
              "receivedAt": at, "receivedBy": "C1", "toBin": "A-01", "receiveMovementKey": receipt_key}
    forged_in = event(3, "stock.movement", event_id=receipt_key, transfer=carton, movement={
        "key": receipt_key, "kind": "transfer-in", "partNumber": "P1", "quantity": 500, "toBin": "A-01",
        "deviceID": device.name, "actor": "C1", "recordedAt": at})
    shipped = {**carton, "sscc": sscc(int(time.time()) % 10**9 + 1), "incoming": False, "quantity": 1, "shipMovementKey": ship_key,
               "receivedAt": None, "receivedBy": None, "toBin": None, "receiveMovementKey": None}
    forged_out = event(4, "stock.movement", event_id=ship_key, transfer=shipped, movement={
        "key": ship_key, "kind": "transfer-out", "partNumber": "P1", "quantity": 1, "fromBin": "A-01",
        "deviceID": device.name, "actor": "C1", "recordedAt": at})
    answer, figures = push_and_report(hub, device, [forged_in, forged_out])
    after = hub.query("SELECT COALESCE(SUM(quantity), 0) FROM stock_balance WHERE partNumber = 'P1'")[0][0]
    stored = hub.query("SELECT COUNT(*) FROM stock_movement WHERE kind IN ('transfer-in', 'transfer-out')")[0][0]
    figures += f"; P1 on hand {before} → {after}; transfer movements stored {stored}"
    need(answer.status == 200, f"the push itself failed, so nothing was tried: {figures}")
    check(after == before and stored == 0, f"a forged carton changed the hub's stock: {figures}")
    return figures


def test_3j_forged_delivery(suite):
    """A counter device pushes a closed delivery against a real purchase order whose lines name
    receipts it never booked (500 brake pads): the order would look delivered while no stock came.
    Not applied: each line must be a receipt that counter booked."""
    hub = suite.main()
    device = hub.device("counter")
    number = f"PO-ATK-{int(time.time() * 1000) % 10**9}"
    cli_ok(hub.config, "po", "create", "--number", number, "--supplier", "attacker-test", "--line", "P1:500")
    delivery_id, at = str(uuid.uuid4()).upper(), iso(now_utc())
    fact = {"delivery": {"id": delivery_id, "orderNumber": number, "sscc": None, "openedAt": at, "openedBy": "C1",
                         "deviceID": device.name, "closedAt": at},
            "lines": [{"movementKey": str(uuid.uuid4()).upper(), "deliveryID": delivery_id, "partNumber": "P1", "quantity": 500, "condition": "ordered"}]}
    answer, figures = push_and_report(hub, device, [event(5, "purchase.delivery", event_id=delivery_id, delivery=fact)])
    shown = run_cli(hub.config, "po", "show", number).stdout
    line = next((l for l in shown.splitlines() if l.startswith("P1\t")), "")
    figures += f"; po show: {line!r}"
    need(answer.status == 200, f"the push itself failed, so nothing was tried: {figures}")
    check(line.startswith("P1\t500\t0\t"), f"the forged delivery counted at the hub: {figures}")
    return figures


def test_3f_desk_move_applied_control(suite):
    """Control: a desk device's checkedIn → diagnosing by T1, who signed in there (the move
    carries T1's PIN proof), is applied."""
    hub = suite.main()
    device = hub.device("desk")
    answer, figures = push_and_report(hub, device, [transition(1, "WO-3K", "checkedIn", "diagnosing", "T1", pin_key=pin_key(hub, "T1"))])
    state = hub.order_state("WO-3K")
    need(answer.status == 200 and state == "diagnosing", f"the desk's legitimate move was not applied (WO-3K {state}): {figures}")
    return f"WO-3K {state}; {figures}"


# MARK: Finding 7: a board's token is not a key to the whole workshop (2026-12-08)

def transition_history(hub, ticket):
    return [tuple(r) for r in hub.query("SELECT fromState, toState, actor FROM job_transition WHERE ticketCode = ? ORDER BY rowid", ticket)]


def test_7a_bay_buttons_only_at_their_bay(suite):
    """The bay device enrolled for BAY-1 pushes button moves (`bay:<name>`, no PIN): for the job
    at BAY-2 as `bay:BAY-2`, for BAY-1's job as `bay:whatever` sending it to BAY-7, and BAY-1's
    job straight to ready. None applies; its own button's one step does (control)."""
    hub = suite.main()
    device = hub.device("bay")
    opened = hub.cli("jobs", "open", "--ticket", "WO-7B", "--plate", "粤B77772", "--vin", VIN, "--phone", PHONE, "--bay", "BAY-2")
    need(opened.returncode == 0, f"jobs open WO-7B at BAY-2: {opened.stderr.strip()[:200]}")
    forged = [transition(1, "WO-7B", "checkedIn", "diagnosing", "bay:BAY-2", bay="BAY-2"),
              transition(2, "WO-7B", "checkedIn", "diagnosing", "bay:BAY-1", bay="BAY-2"),
              transition(3, "WO-7A", "checkedIn", "diagnosing", "bay:BAY-1", bay="BAY-7"),
              transition(5, "WO-7A", "checkedIn", "diagnosing", "bay:whatever", bay="BAY-1")]
    _, figures = push_and_report(hub, device, forged)
    outcomes = [hub.event_outcome(e["id"]) for e in forged]
    check(all(o.startswith("rejected") for o in outcomes), f"a forged button move was not refused: {figures}")
    states = {t: hub.query("SELECT state, bay FROM work_order WHERE ticketCode = ?", t)[0] for t in ("WO-7A", "WO-7B")}
    figures += f"; then {states}"
    check(states["WO-7B"][0] == "checkedIn", f"BAY-1's board moved BAY-2's job: {figures}")
    check(tuple(states["WO-7A"]) == ("checkedIn", "BAY-1"), f"a button move of BAY-1's board moved its job off the main path or to another bay: {figures}")
    answer, control = push_and_report(hub, device, [transition(4, "WO-7A", "checkedIn", "diagnosing", "bay:BAY-1")])
    need(hub.order_state("WO-7A") == "diagnosing", f"BAY-1's own button's move was not applied: {control}")
    return figures + f"; control: {control}"


def test_7b_forged_history(suite):
    """A bay device pushes moves with no state before them (which used to be taken as a job's
    opening, unchecked): "→ delivered by SA" and "→ cancelled by MG" for WO-7C. Neither enters
    the job's history."""
    hub = suite.main()
    device = hub.device("bay")
    before = transition_history(hub, "WO-7C")
    _, figures = push_and_report(hub, device, [transition(11, "WO-7C", None, "delivered", "SA"),
                                              transition(12, "WO-7C", None, "cancelled", "MG")])
    after = transition_history(hub, "WO-7C")
    figures += f"; WO-7C's history {before} → {after}"
    check(after == before, f"forged moves entered the job's history: {figures}")
    return figures


def test_7c_lobby_opens_job_without_appointment(suite):
    """The lobby kiosk's token opens a work order of its own making (no appointment, a phone link
    it chose, a script in the plate) at BAY-1, where the bay's page would then drive it."""
    hub = suite.main()
    device = hub.device("lobby")
    token = "a" * 26
    order = {"ticketCode": "EVIL-7", "publicToken": token, "plate": "粤B<script>", "vin": VIN, "customerPhone": PHONE,
             "services": [{"code": "X", "name": "免费保养"}], "bay": "BAY-1", "openedAt": iso(now_utc())}
    _, figures = push_and_report(hub, device, [event(21, "job.opened", order=order)])
    rows = hub.query("SELECT ticketCode FROM work_order WHERE ticketCode = 'EVIL-7'")
    page = hub.request("GET", f"/api/v1/track/{token}")
    figures += f"; EVIL-7 {'stored' if rows else 'not stored'}; its phone page {page.status}"
    check(not rows and page.status == 404, f"the lobby opened a work order of its own: {figures}")
    return figures


def test_7d_printing_badges_and_lines(suite):
    """A clerk asks the label printer for the manager's and the admin's badges (a badge is a
    credential at a scanner), and for a bin label whose subject carries a line break and a forged
    log line. Both refused; the manager's own request for a badge is queued (control)."""
    hub = suite.hub("printing", extra=f'[[printers]]\nname = "labels"\nlanguage = "zpl"\ndirectory = "{suite.work}/printing-out"\n'
                                       f'[labels]\nlabel_printer = "labels"\n')
    clerk, manager = hub.sign_in("C1"), hub.sign_in("MG")
    badges = hub.request("POST", "/api/v1/print-jobs", json_body={"kind": "badges", "subjects": ["MG", "AD"]}, session=clerk)
    forged_line = "A-01\n2026-12-08T00:18:19+0000 critical kioskd: [kioskd] FORGED: admin AD exported customer list"
    lines = hub.request("POST", "/api/v1/print-jobs", json_body={"kind": "bins", "subjects": [forged_line]}, session=clerk)
    own = hub.request("POST", "/api/v1/print-jobs", json_body={"kind": "badges", "subjects": ["T1"]}, session=manager)
    queued = hub.query("SELECT kind FROM print_job ORDER BY id")
    log = hub.log_path.read_text(errors="replace")
    figures = f"clerk's badges {badges.status}, the forged line {lines.status}, the manager's badge {own.status}; queued {queued}"
    check(badges.status == 403, f"a clerk printed the manager's and the admin's badges: {figures}")
    check(lines.status == 400, f"a subject with a line break was queued: {figures}")
    check(not any(l.startswith("2026-12-08T00:18:19+0000 critical") for l in log.splitlines()), f"the forged line is a line of the log: {figures}")
    need(own.status == 202, f"the manager's own badge request was not queued: {figures} {own.excerpt(200)}")
    return figures


def rss_kib(process):
    with open(f"/proc/{process.pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def test_7e_held_bodies(suite):
    """Before signing in, 64 connections (one address's share) each announce a 2 MiB sign-in
    body, send 1 MiB of it and hold the rest back. A stranger's body is refused past 16 KiB, so
    the daemon's memory grows by little, not by the 2 MiB a connection it used to keep; it then
    still answers."""
    hub = suite.hub("held-bodies")
    source = fresh_address()
    before = rss_kib(hub.process)
    head = (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2097152\r\n\r\n")
    chunk = b"[" + b"1," * (512 * 1024 - 1)
    sockets, answers = [], []
    try:
        for _ in range(64):
            s = socket.create_connection(("127.0.0.1", hub.port), timeout=HTTP_TIMEOUT, source_address=(source, 0))
            sockets.append(s)
            try:
                s.sendall(head + chunk)
            except OSError:
                pass          # refused part-way: what the daemon should do
        for s in sockets:
            try:
                answers.append(s.recv(64).split(b"\r\n")[0].decode(errors="replace"))
            except OSError as e:
                answers.append(type(e).__name__)
        held = rss_kib(hub.process)
    finally:
        for s in sockets:
            s.close()
    health = hub.request("GET", "/healthz")
    statuses = sorted(set(answers))
    figures = f"RSS {before // 1024} MiB → {held // 1024} MiB with 64 bodies held; answers {statuses}; /healthz {health.status}"
    check(held - before < 48 * 1024, f"the held bodies took the daemon's memory: {figures}")
    need(health.status == 200, f"the daemon does not answer after the held bodies: {figures}")
    return figures


class Trickle:
    """A sign-in request whose body comes a byte every half second, on a thread: the idle
    deadline never runs out. `cut` is how long after the head the daemon closed it (None: open)."""

    def __init__(self, port):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=HTTP_TIMEOUT, source_address=(fresh_address(), 0))
        self.socket.sendall(b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            b"Content-Length: 4000\r\n\r\n{")
        self.start, self.cut, self.stopped = time.monotonic(), None, threading.Event()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while not self.stopped.wait(0.5):
            try:
                self.socket.sendall(b" ")
                readable, _, _ = select.select([self.socket], [], [], 0)
                if readable and not self.socket.recv(4096):
                    raise OSError("closed")
            except OSError:
                self.cut = time.monotonic() - self.start
                return

    def close(self):
        self.stopped.set()
        self.socket.close()


def test_7f_trickled_body(suite):
    """A body sent a byte every half second keeps the idle deadline from running out. The daemon
    cuts the request off at its request deadline (3 s here), and a daemon told to stop while
    such a request comes (its deadline the default 30 s) stops within 12 s, well inside the
    unit's TimeoutStopSec=15, instead of waiting for the client (it waited for ever)."""
    cut_hub = suite.hub("trickle-cut", extra="request_timeout_seconds = 3\n")
    trickle = Trickle(cut_hub.port)
    deadline = time.monotonic() + 15
    while trickle.cut is None and time.monotonic() < deadline:
        time.sleep(0.1)
    trickle.close()
    stop_hub = suite.hub("trickle-stop")
    held = Trickle(stop_hub.port)
    time.sleep(1)
    started = time.monotonic()
    stop_hub.process.send_signal(signal.SIGTERM)
    try:
        stop_hub.process.wait(timeout=20)
        stopped = time.monotonic() - started
    except subprocess.TimeoutExpired:
        stopped = None
        stop_hub.process.kill()
    held.close()
    figures = (f"trickled body cut after {trickle.cut:.1f} s" if trickle.cut else "trickled body still open after 15 s") + \
              (f"; stop with one trickling: {stopped:.1f} s" if stopped is not None else "; not stopped 20 s after SIGTERM")
    check(trickle.cut is not None and trickle.cut < 10, f"a trickled body held its connection: {figures}")
    check(stopped is not None and stopped < 12, f"a trickling client held the daemon's stop: {figures}")
    log = stop_hub.log_path.read_text(errors="replace")
    need(stop_hub.process.returncode == 0 and "kioskd stopped" in log,
         f"the stop was not clean (exit {stop_hub.process.returncode}): {stop_hub.log_tail()}")
    return figures


# MARK: Finding 4: pull gives a device what it needs; https upstream

def pull_leaks(hub, device):
    """What a device's pull shows that it should not: a list of findings, and figures."""
    answer = hub.pull(device)
    leaks = []
    if device.role == "lobby":
        need(answer.status in (200, 403), f"pull for {device}: {answer}")
    else:
        need(answer.status == 200, f"pull for {device}: {answer}")
    body = answer.body
    token = hub.suite.template.tokens["WO-1"]
    secrets = {"PIN hash (pbkdf2)": b"pbkdf2", "phone": PHONE.encode(), "VIN": VIN.encode()}
    if device.role != "desk":
        secrets["WO-1's phone-page token"] = token.encode()
    leaks += [f"{what} in plain" for what, text in secrets.items() if text in body]
    if answer.status == 200:
        rows = list(walk(answer.json()))
        hashes = sorted({r["badge"] for r in rows if r.get("pinHash") and "badge" in r})
        if hashes:
            leaks.append(f"pinHash for {','.join(hashes)}")
        allowed = VERIFIERS_ALLOWED.get(device.role)
        if allowed is not None:
            # A verifier sits beside the technician row it belongs to (the pulled change).
            def badge_of(r):
                return r.get("badge") or (r.get("technician") or {}).get("badge") or r.get("key")
            extra = sorted({badge_of(r) for r in rows if r.get("pinVerifier") and STAFF.get(badge_of(r), ("", "?"))[1] not in allowed})
            if extra:
                leaks.append(f"PIN verifiers for {','.join(extra)}")
    changes = len(answer.json().get("changes", [])) if answer.status == 200 else 0
    return leaks, f"HTTP {answer.status}, {len(body)} bytes, {changes} changes"


def walk(value):
    """Every JSON object inside `value`."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def pull_test(suite, role):
    hub = suite.main()
    device = hub.device(role)
    leaks, figures = pull_leaks(hub, device)
    check(not leaks, f"{device}'s pull gives away: {'; '.join(leaks)} ({figures})")
    return f"{device}: {figures}, nothing it should not have"


def test_4a_pull_counter(suite):
    """A counter's pull: no PIN hashes, no phone, VIN or phone-page token; verifiers only for clerk/manager/admin."""
    return pull_test(suite, "counter")


def test_4b_pull_bay(suite):
    """A bay's pull: no PIN hashes, no phone, VIN or phone-page token; verifiers only for technician/advisor/manager/admin."""
    return pull_test(suite, "bay")


def test_4c_pull_lobby(suite):
    """A lobby's pull: no PIN hashes or verifiers, no phone, VIN or phone-page token."""
    return pull_test(suite, "lobby")


def test_4d_pull_desk(suite):
    """A desk's pull: the phone and VIN sealed (not in plain), no PIN hashes."""
    return pull_test(suite, "desk")


def test_4e_insecure_upstream(suite):
    """A device whose [sync] upstream is http:// without allow_insecure_upstream = true does
    not run; the example config's upstream is https://."""
    example = (TOP / "config/kioskd.example.toml").read_text()
    sync = example.split("[sync]", 1)[-1].split("\n# [", 1)[0] if "[sync]" in example else ""
    upstreams = re.findall(r'^\s*#?\s*upstream\s*=\s*"([^"]*)"', sync, re.M)
    folder = suite.work / "insecure"
    folder.mkdir()
    config = folder / "kioskd.toml"
    config.write_text(f'[device]\nid = "bay-x"\ndata_dir = "{folder}/data"\n[web]\nenabled = false\n'
                      f'[sync]\nupstream = "http://127.0.0.1:9"\n[backup]\nenabled = false\n'
                      f'[[scanners]]\nkind = "fifo"\npath = "{folder}/scan.fifo"\n')
    log = folder / "daemon.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([KIOSKD, "run", "--config", str(config)], stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    suite.processes.append(process)
    deadline = time.monotonic() + 10
    while process.poll() is None and "kioskd ready" not in log.read_text(errors="replace") and time.monotonic() < deadline:
        time.sleep(0.05)
    code = process.poll()
    text = log.read_text(errors="replace")
    if code is None:
        process.terminate()
        process.wait(timeout=15)
    said = " | ".join(text.strip().splitlines()[-2:])[:300]
    figures = f"kioskd run with upstream http://: {'running' if code is None else f'exit {code}'} ({said}); example upstream: {upstreams}"
    check(code not in (None, 0), f"the device runs with a plain-http upstream: {figures}")
    check("allow_insecure_upstream" in text, f"the refusal does not name allow_insecure_upstream: {figures}")
    check(upstreams and all(u.startswith("https://") for u in upstreams), f"the example config's upstream is not https: {figures}")
    return figures


# MARK: Finding 5: idle sockets do not stop the web server

def raise_nofile(at_least):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < at_least:
        raise Skipped(f"the hard limit of open files is {hard} (< {at_least}): cannot open the attack's sockets")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def open_idle(port, source, count, timeout, batch=50):
    """`count` idle TCP connections from `source`, opened 50 at a time as each batch connects
    (all at once, most would only fill the listen backlog); returns the sockets and how many
    connected within `timeout` (seconds, for all of them)."""
    sockets, connected = [], 0
    poller = select.poll()   # select() takes no descriptor above 1023
    deadline = time.monotonic() + timeout
    while len(sockets) < count and time.monotonic() < deadline:
        pending = {}
        for _ in range(min(batch, count - len(sockets))):
            s = socket.socket()
            s.setblocking(False)
            s.bind((source, 0))
            s.connect_ex(("127.0.0.1", port))
            sockets.append(s)
            pending[s.fileno()] = s
            poller.register(s, select.POLLOUT)
        while pending and time.monotonic() < deadline:
            for fd, _ in poller.poll(max(0, min(500, (deadline - time.monotonic()) * 1000))):
                poller.unregister(fd)
                connected += pending.pop(fd).getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    return sockets, connected


def timed_get(hub, path, source, timeout):
    try:
        a = request(hub.port, "GET", path, source=source, timeout=timeout)
        return f"{a.status} in {a.seconds * 1000:.0f} ms", a.status == 200 and a.seconds <= timeout
    except Broken:
        return f"no answer within {timeout} s", False


def test_5a_idle_flood(suite):
    """1,100 idle connections from 127.0.0.1 (the daemon with systemd's default of 1024 open
    files): /lobby and /healthz still answer 127.0.0.2 within 2 s."""
    raise_nofile(2000)
    hub = suite.hub("flood", nofile=1024)
    sockets, connected = open_idle(hub.port, "127.0.0.1", 1100, timeout=10)
    try:
        lobby, lobby_ok = timed_get(hub, "/lobby", "127.0.0.2", 2)
        health, health_ok = timed_get(hub, "/healthz", "127.0.0.2", 2)
    finally:
        for s in sockets:
            s.close()
    figures = f"{connected} of 1100 idle connections made; then from 127.0.0.2: /lobby {lobby}, /healthz {health}"
    check(lobby_ok and health_ok, f"the idle sockets stopped the web server: {figures}")
    return figures


def test_5b_connections_per_address(suite):
    """64 keep-alive connections from one address (each served once), then a 65th: the server
    closes it at once (EOF within 2 s); another address is still served."""
    raise_nofile(2000)
    hub = suite.hub("connections")
    source = "127.0.0.5"
    kept = []
    try:
        for i in range(64):
            conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=HTTP_TIMEOUT, source_address=(source, 0))
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            need(response.status == 200, f"connection {i + 1} from {source}: HTTP {response.status}")
            kept.append(conn)
        extra = socket.create_connection(("127.0.0.1", hub.port), timeout=2, source_address=(source, 0))
        started = time.monotonic()
        try:
            closed = extra.recv(1024) == b""
        except socket.timeout:
            closed = False
        except ConnectionResetError:
            closed = True
        seconds = time.monotonic() - started
        extra.close()
        other, other_ok = timed_get(hub, "/healthz", "127.0.0.6", 2)
    finally:
        for conn in kept:
            conn.close()
    extra_fate = f"closed after {seconds:.2f} s" if closed else "still open after 2 s"
    figures = f"64 kept from {source}; the 65th {extra_fate}; 127.0.0.6: /healthz {other}"
    check(closed, f"the server kept a 65th connection from one address: {figures}")
    check(other_ok, f"another address was not served: {figures}")
    return figures


def test_5c_slowloris(suite):
    """A request head sent one byte a second: the server closes the connection (head timeout
    10 s) within 15 s."""
    hub = suite.hub("slowloris")
    s = socket.create_connection(("127.0.0.1", hub.port), timeout=5, source_address=("127.0.0.7", 0))
    s.sendall(b"GET / HTTP/1.1\r\n")
    trickle = itertools.cycle(b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaa\r\n")
    started = time.monotonic()
    closed_after = None
    while time.monotonic() - started < 15:
        readable, _, _ = select.select([s], [], [], 1)   # the pace: a byte a second, or the close
        try:
            if readable:
                if s.recv(4096) == b"":
                    closed_after = time.monotonic() - started
                    break
                continue   # an answer (408): the close follows
            s.send(bytes([next(trickle)]))
        except (ConnectionResetError, BrokenPipeError):
            closed_after = time.monotonic() - started
            break
    s.close()
    figures = f"closed after {closed_after:.1f} s" if closed_after is not None else "still open after 15 s"
    check(closed_after is not None, f"a slow request head holds its connection: {figures}")
    return figures


# MARK: Finding 6: the smaller ones

def test_6a_sessions_end_on_pin_change(suite):
    """T2 is signed in; T2's PIN is changed (CLI, PIN on stdin): the old cookie is refused."""
    hub = suite.hub("sessions")
    t2 = hub.sign_in("T2")
    before = hub.request("GET", "/api/v1/session", session=t2)
    need(before.status == 200, f"the fresh session does not work: {before}")
    form = set_pin(hub.config, "T2", "9876")
    after = hub.request("GET", "/api/v1/session", session=t2)
    figures = f"PIN changed (PIN as {form}); the old cookie then: {after}"
    check(after.status == 401, f"the session survived the PIN change: {figures}")
    return figures


def test_6a_sessions_end_on_role_change(suite):
    """SA is signed in; the admin makes SA a clerk: SA's old cookie is refused."""
    hub = suite.hub("roles")
    advisor = hub.sign_in("SA")
    admin = hub.sign_in("AD")
    change = hub.request("POST", "/api/v1/staff/SA/role", json_body={"role": "clerk"}, session=admin)
    need(change.status == 204, f"the admin could not change SA's role: {change}")
    after = hub.request("GET", "/api/v1/session", session=advisor)
    figures = f"role changed to clerk (HTTP {change.status}); SA's old cookie then: {after}"
    check(after.status == 401, f"the session survived the role change: {figures}")
    return figures


def test_6b_audit_cut_short(suite):
    """With the daemon stopped, the newest 3 audit entries are deleted (triggers dropped and put
    back): `kioskd audit verify` must notice."""
    hub = suite.hub("audit")
    for badge in ("MG", "AD", "MG"):
        hub.sign_in(badge)
    hub.stop()
    control = hub.cli("audit", "verify")
    need(control.returncode == 0, f"audit verify fails before any tampering: exit {control.returncode}: {control.stdout.strip()}")
    db = sqlite3.connect(hub.folder / "data/kioskd.sqlite")
    try:
        triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'").fetchall()
        for name, _ in triggers:
            db.execute(f'DROP TRIGGER "{name}"')
        count = db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        db.execute("DELETE FROM audit_log WHERE seq IN (SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 3)")
        for _, sql in triggers:
            db.execute(sql)
        db.commit()
    finally:
        db.close()
    after = hub.cli("audit", "verify")
    said = (after.stdout + after.stderr).strip().replace("\n", " ")[:200]
    figures = f"{count} entries, newest 3 deleted; audit verify: exit {after.returncode}: {said}"
    check(after.returncode != 0, f"the cut went unnoticed: {figures}")
    return figures


def test_6c_vin_at_counter(suite):
    """The clerk scans a customer's VIN at the counter in issue mode (outside look-up, where it
    is refused): it is neither kept in plain in scan_log nor shown in plain on the counter page."""
    hub = suite.main()
    clerk = hub.sign_in("C1")
    mode = hub.request("POST", "/api/v1/scans", json_body={"text": "KD:CMD:ISSUE"}, session=clerk)
    need(mode.status == 200 and mode.json().get("accepted"), f"KD:CMD:ISSUE: {mode}")
    scan = hub.request("POST", "/api/v1/scans", json_body={"text": VIN}, session=clerk)
    need(scan.status == 200, f"the scan was not taken: {scan}")
    rows = hub.query("SELECT * FROM scan_log")
    in_log = sum(any(VIN in str(v) for v in row if isinstance(v, str)) for row in rows)
    counter = hub.request("GET", "/api/v1/counter", session=clerk)
    need(counter.status == 200, f"GET /api/v1/counter: {counter}")
    figures = (f"scan: {scan.json().get('outcome')}; scan_log rows with the VIN in plain: {in_log}; "
               f"on /api/v1/counter: {VIN.encode() in counter.body}")
    check(in_log == 0, f"scan_log keeps the VIN in plain: {figures}")
    check(VIN.encode() not in counter.body, f"the counter page shows the VIN in plain: {figures}")
    return figures


def test_6d_healthz_public(suite):
    """/healthz without a session: a status and nothing else (no paths, hosts, URLs, errors);
    a manager's session gets the details."""
    hub = suite.main()
    public = hub.request("GET", "/healthz")
    need(public.status in (200, 503), f"GET /healthz: {public}")
    value = public.json()
    flat = json.dumps(value, ensure_ascii=False)
    leaks = [what for what, found in [
        ("the data folder", str(hub.folder) in flat),
        ("a URL", "http" in flat),
        ("a path", re.search(r"/[\w.-]+/", flat) is not None),
        ("fields besides status", isinstance(value, dict) and any(v for k, v in value.items() if k != "status")),
    ] if found]
    manager = hub.sign_in("MG")
    detailed = hub.request("GET", "/healthz", session=manager)
    figures = f"public: {public.excerpt(160)}; manager: HTTP {detailed.status}, {len(detailed.body)} bytes"
    check(isinstance(value, dict) and "status" in value, f"no status in the public answer: {figures}")
    check(not leaks, f"the public /healthz shows {', '.join(leaks)}: {figures}")
    check(detailed.status == 200 and len(detailed.body) > len(public.body), f"the manager gets no details: {figures}")
    return figures


def test_6e_secure_cookie_over_https(suite):
    """kioskd serves https itself: the session cookie is Secure."""
    folder = suite.work / "tls-cert"
    folder.mkdir()
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")], capture_output=True, text=True, timeout=60)
    need(r.returncode == 0, f"openssl could not make a certificate: {r.stderr.strip()[:200]}")
    hub = suite.hub("tls", extra=f'tls_certificate = "{folder}/cert.pem"\ntls_key = "{folder}/key.pem"\n', tls=True)
    session = hub.sign_in("MG")
    figures = f"Set-Cookie: {re.sub(r'kd_session=[^;]*', 'kd_session=…', session.set_cookie)}"
    check(re.search(r";\s*Secure\b", session.set_cookie, re.I), f"the cookie is not Secure over https: {figures}")
    return figures


def test_6f_text_plain_sign_in(suite):
    """A sign-in sent as Content-Type: text/plain (what a cross-site form can send) gets 415."""
    hub = suite.main()
    answer = hub.request("POST", "/api/v1/session", body=json.dumps({"badge": "C1", "pin": STAFF["C1"][2]}).encode(),
                         headers={"Content-Type": "text/plain"})
    check(answer.status == 415, f"a text/plain sign-in was taken: {answer}")
    return str(answer)


def test_6f_origin_null(suite):
    """A change with Origin: null (a sandboxed or file page) is refused with 403."""
    hub = suite.main()
    clerk = hub.sign_in("C1")
    answer = hub.request("POST", "/api/v1/scans", json_body={"text": "KD:CMD:LOOKUP"}, session=clerk, headers={"Origin": "null"})
    check(answer.status == 403, f"a change with Origin: null went through: {answer}")
    return str(answer)


def test_6k_quote_answer_from_elsewhere(suite):
    """A customer's quote for extra work waits on their phone page. An attacker who knows the link
    (a photographed ticket) posts the answer from a page on another site (Origin: evil), or as a
    cross-site form (text/plain); one without the link guesses tokens; a technician tries to quote.
    All are refused (403, 415, 404, 403) and the quote still waits for the customer's answer."""
    hub = suite.hub("quote")
    advisor, technician = hub.sign_in("SA"), hub.sign_in("T1")
    need(hub.request("POST", "/api/v1/jobs/WO-1/transitions", json_body={"to": "diagnosing"}, session=advisor).status == 200, "WO-1 to diagnosing")
    lines = {"lines": [{"item": "更换前刹车片", "amountFen": 68000}]}
    quoted = hub.request("POST", "/api/v1/jobs/WO-1/quote", json_body=lines, session=advisor)
    need(quoted.status == 201, f"the advisor could not quote: {quoted}")
    quote = quoted.json()["id"]
    token = suite.template.tokens["WO-1"]
    answer = {"quote": quote, "answer": "approve"}
    cross_site = hub.request("POST", f"/api/v1/track/{token}/quote", json_body=answer, headers={"Origin": "https://evil.example"})
    form = hub.request("POST", f"/api/v1/track/{token}/quote", body=json.dumps(answer).encode(), headers={"Content-Type": "text/plain"})
    guesses = [hub.request("POST", f"/api/v1/track/{secrets.token_hex(13)}/quote", json_body=answer).status for _ in range(5)]
    by_technician = hub.request("POST", "/api/v1/jobs/WO-1/quote", json_body=lines, session=technician)
    check(cross_site.status == 403, f"an answer from another site went through: {cross_site}")
    check(form.status == 415, f"a cross-site form answer was taken: {form}")
    check(all(s in (404, 429) for s in guesses), f"guessed links were not refused: {guesses}")
    check(by_technician.status == 403, f"a technician quoted: {by_technician}")
    state = hub.query("SELECT state FROM work_order WHERE ticketCode = 'WO-1'")[0][0]
    decided = hub.query("SELECT COUNT(*) FROM job_quote WHERE decision IS NOT NULL")[0][0]
    check(state == "waitingApproval" and decided == 0, f"the quote changed: WO-1 {state}, {decided} answered")
    return f"from another site {cross_site.status}, as a form {form.status}, guessed links {guesses}, technician {by_technician.status}; WO-1 {state}"


def test_6g_badge_code_at_counter(suite):
    """The clerk C1, signed in, sends KD:TECH:T1 from the counter page: it is not accepted, and
    the next receipt's actor is C1, not T1."""
    hub = suite.main()
    clerk = hub.sign_in("C1")
    badge = hub.request("POST", "/api/v1/scans", json_body={"text": "KD:TECH:T1"}, session=clerk)
    need(badge.status == 200, f"the badge scan: {badge}")
    for text in ("KD:CMD:RECEIVE", "KD:BIN:A-01", PART_BARCODE):   # receive one part into A-01
        a = hub.request("POST", "/api/v1/scans", json_body={"text": text}, session=clerk)
        need(a.status == 200 and a.json().get("accepted"), f"scan {text}: {a}")
    rows = hub.query("SELECT actor FROM stock_movement ORDER BY seq DESC LIMIT 1")
    actor = rows[0][0] if rows else None
    figures = f"KD:TECH:T1 → {badge.json().get('outcome')} ({badge.json().get('message', '')[:80]}); receipt actor {actor}"
    check(badge.json().get("outcome") != "accepted", f"the badge code was accepted from the page: {figures}")
    check(actor == "C1", f"the receipt is recorded under {actor}: {figures}")
    return figures


def test_6h_pin_not_on_command_line(suite):
    """`kioskd technicians set-pin T1 1234` (the PIN in ps and shell history) is refused; the
    PIN on stdin works."""
    folder = suite.work / "set-pin"
    folder.mkdir()
    shutil.copytree(suite.template.folder / "data", folder / "data")
    config = folder / "kioskd.toml"
    config.write_text(hub_config(folder, "set-pin"))

    def stored():
        with sqlite3.connect(folder / "data/kioskd.sqlite") as db:
            return db.execute("SELECT pinHash FROM technician WHERE badge = 'T1'").fetchone()[0]

    before = stored()
    argument = run_cli(config, "technicians", "set-pin", "T1", "1234")
    after_argument = stored()
    from_stdin = run_cli(config, "technicians", "set-pin", "T1", stdin="2345\n")
    after_stdin = stored()
    figures = (f"PIN as an argument: exit {argument.returncode}, hash {'changed' if after_argument != before else 'kept'}; "
               f"on stdin: exit {from_stdin.returncode}, hash {'changed' if after_stdin != after_argument else 'kept'}")
    check(argument.returncode != 0 and after_argument == before, f"a PIN on the command line was taken: {figures}")
    need(from_stdin.returncode == 0 and after_stdin != after_argument,
         f"the PIN on stdin did not work: {figures}: {from_stdin.stderr.strip()[:200]}")
    return figures


def manifest_records(manifest):
    """The backup records of a manifest: a list of them, or the first list of them in an object."""
    if isinstance(manifest, list):
        return manifest
    for value in manifest.values():
        if isinstance(value, list) and value and isinstance(value[0], dict) and "file" in value[0]:
            return value
    raise Broken(f"no backup records in the manifest: {json.dumps(manifest)[:200]}")


def sha256_file(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_6i_tampered_backup(suite):
    """Restore refuses a tampered backup: (1) an increment made to say the clerk C1 is an admin,
    with its SHA-256 fixed in manifest.json; (2) a manifest naming the file ../evil."""
    folder = suite.work / "backup"
    folder.mkdir()
    shutil.copytree(suite.template.folder / "data", folder / "data")
    config = folder / "kioskd.toml"
    config.write_text(hub_config(folder, "backup"))
    backups = folder / "data/backups"
    cli_ok(config, "backup", "now", "--full")
    cli_ok(config, "jobs", "next", "WO-1")
    cli_ok(config, "backup", "now")
    pristine = folder / "pristine"
    shutil.copytree(backups, pristine)
    manifest_path = backups / "manifest.json"

    def restore(name):
        return run_cli(config, "backup", "restore", str(folder / f"{name}.sqlite"))

    def role_of_c1(name):
        path = folder / f"{name}.sqlite"
        if not path.exists():
            return None
        with sqlite3.connect(path) as db:
            return db.execute("SELECT role FROM technician WHERE badge = 'C1'").fetchone()[0]

    control = restore("control")
    need(control.returncode == 0,
         f"restoring the untouched backup fails: exit {control.returncode}: {(control.stdout + control.stderr).strip()[:300]}")

    # (1) a byte changed (clerk → admin: same length), its SHA-256 fixed in the manifest.
    manifest = json.loads(manifest_path.read_text())
    records = manifest_records(manifest)
    increment = records[-1]
    need(increment.get("kind") != "full", f"the last backup is not an increment: {increment}")
    path = backups / increment["file"]
    text = path.read_text()
    need('"s":"clerk"' in text, f"no clerk row in {increment['file']}")
    path.write_text(text.replace('"s":"clerk"', '"s":"admin"'))
    increment["sha256"] = sha256_file(path)
    manifest_path.write_text(json.dumps(manifest, indent=2))
    edited = restore("edited")
    figures = [f"edited increment: exit {edited.returncode} (C1 restored as {role_of_c1('edited')})"]

    # (2) the manifest names ../evil (a file outside the backup folder, with its own hash).
    shutil.rmtree(backups)
    shutil.copytree(pristine, backups)
    manifest = json.loads(manifest_path.read_text())
    records = manifest_records(manifest)
    evil = dict(records[-1])
    shutil.copy(backups / evil["file"], folder / "data/evil")
    evil.update(file="../evil", sha256=sha256_file(folder / "data/evil"))
    records.append(evil)
    manifest_path.write_text(json.dumps(manifest, indent=2))
    outside = restore("outside")
    figures.append(f"manifest naming ../evil: exit {outside.returncode}: {(outside.stdout + outside.stderr).strip()[:120]}")
    check(edited.returncode != 0, "an edited backup was restored: " + "; ".join(figures))
    check(outside.returncode != 0, "a file outside the backup folder was restored: " + "; ".join(figures))
    return "; ".join(figures)


def test_6j_systemd_unit(suite):
    """The unit has RuntimeDirectory=kioskd, LimitNOFILE=, DeviceAllow=char-usb (/dev/usb/lp*)
    and ReadWritePaths=."""
    unit = (TOP / "systemd/kioskd.service").read_text()
    wanted = {"RuntimeDirectory=kioskd": r"^RuntimeDirectory=.*\bkioskd\b", "LimitNOFILE=": r"^LimitNOFILE=\S",
              "DeviceAllow=char-usb": r"^DeviceAllow=char-usb(\s|$)", "ReadWritePaths=": r"^ReadWritePaths=\S"}
    missing = [name for name, pattern in wanted.items() if not re.search(pattern, unit, re.M)]
    check(not missing, f"systemd/kioskd.service lacks {', '.join(missing)}")
    return "has " + ", ".join(wanted)


# MARK: The runner

class Suite:
    def __init__(self, keep):
        self.work = Path(tempfile.mkdtemp(prefix="kioskd-security."))
        self.keep = keep
        self.processes = []   # every daemon this run started: stopped at the end, by handle
        self._template = None
        self._main = None

    @property
    def template(self):
        """Made once, at the first hub; a failure is reported by every attack that needs it."""
        if self._template is None:
            try:
                self._template = Template(self.work)
            except Broken as e:
                self._template = e
        if isinstance(self._template, Broken):
            raise Broken(f"the template store: {self._template}")
        return self._template

    def hub(self, name, **kwargs):
        """A hub of its own for one attack (its state would disturb the others)."""
        return Hub(self, name, **kwargs)

    def main(self):
        """The hub most attacks share (pushes, pulls, the counter, /healthz)."""
        if self._main is None:
            self._main = self.hub("main")
        return self._main

    def close(self, failed):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if failed or self.keep:
            print(f"scratch folder kept (configs, stores, daemon logs): {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", action="append", default=[], metavar="NAME", help="only attacks whose name contains NAME")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    tests = [(name, f) for name, f in globals().items() if name.startswith("test_") and callable(f)]
    if args.k:
        tests = [(name, f) for name, f in tests if any(k in name for k in args.k)]
    if not tests:
        print(f"no attack matches {args.k}")
        return 2
    if not os.access(KIOSKD, os.X_OK):
        print(f"no kioskd binary at {KIOSKD} (set KIOSKD)")
        return 2
    print(f"kioskd security suite (issue 20): {len(tests)} attacks against {KIOSKD}")
    suite = Suite(args.keep)
    results = {}
    started = time.monotonic()
    try:
        for name, test in tests:
            t0 = time.monotonic()
            try:
                verdict, text = "PASS", test(suite)
            except AttackWorked as e:
                verdict, text = "FAIL", f"the attack works: {e}"
            except Skipped as e:
                verdict, text = "SKIP", str(e)
            except Broken as e:
                verdict, text = "ERROR", f"could not make the attack: {e}"
            except Exception as e:
                verdict, text = "ERROR", f"{type(e).__name__}: {e} ({traceback.format_exc().strip().splitlines()[-3].strip()})"
            results[name] = verdict
            print(f"{verdict:5} {name} ({time.monotonic() - t0:.1f} s): {text}", flush=True)
    finally:
        failed = any(v in ("FAIL", "ERROR") for v in results.values())
        suite.close(failed)
    counts = {v: sum(r == v for r in results.values()) for v in ("PASS", "FAIL", "ERROR", "SKIP")}
    print(f"{len(results)} attacks in {time.monotonic() - started:.0f} s: {counts['PASS']} stopped, {counts['FAIL']} worked, "
          f"{counts['ERROR']} could not be made, {counts['SKIP']} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
