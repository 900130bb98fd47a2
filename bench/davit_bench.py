#!/usr/bin/env python3
"""Davit performance benchmark (issue 6): the same bounded workload against Davit, Apache mod_dav_fs and
Apache mod_dav_svn (SVNAutoversioning) on loopback, in one run, and a table of figures, ratios and targets.

Normally started by bench/run.sh (installs packages, builds the jar). Python 3 standard library only; drives
wrk, curl, git, svnadmin, apache2, java and jstat. Everything it starts (one Apache, one Davit, helper
processes) runs as its child and is stopped by PID at the end; its data lives in a fresh /tmp/davit-bench.*
directory that is removed at the end (--keep keeps it).

Workloads (full run; --smoke uses tiny counts):
  put_seq   sequential 1 KiB PUTs to new paths in a fresh folder over one persistent HTTP/1.1 connection
            (at most 2,000 PUTs or 10 s), 3 reps, median; the server's listing must show every 2xx PUT
  put_wrk   1 KiB PUTs to distinct new paths with wrk + bench/wrk-put.lua, 1, 4 and 16 connections, 10 s
  get       GET of a 1 KiB file, wrk with 4 and with 16 connections for 10 s each after 2 s unmeasured; with 4
            right after 5 s of PUTs on 16 connections (no pause); and (Davit) on a Davit started afresh, 3 s after
            it listens, with 4 and with 16 connections (Davit and mod_dav_fs; peers: 4 and 16 connections)
  propfind  PROPFIND Depth 1 and Depth infinity asking for getlastmodified and getetag, on a folder of 1,000
            and one of 10,000 files, median of reps (Davit and mod_dav_fs)
  big       PUT then GET of a 1 GB random file with curl (MB/s), sha256 of the GET checked; Davit's heap
            sampled with jstat and read from its GC log meanwhile (Davit runs with -Xmx256m)
  cluster   Davit only: 1 KiB PUTs (new paths, 1 and 4 persistent connections, 10 s each) through the leader of a
            3-node cluster (cluster mode, three more JVMs on loopback) and through the one-node Davit, taking turns
  growth    Davit only: median latency of sequential 1 KiB PUTs into a small folder of a repository with
            100 files, one with 100,000 files, and one after 100,000 commits (built with git fast-import)

Peers (issue 16), each on its own loopback port and folder in the work dir, on the same workloads (put_seq,
put_wrk, get, propfind, big; --smoke: put_seq, propfind and big only): sabre/dav (Debian php-sabre-dav, a plain
files server bench/sabre-server.php behind its own Apache with mod_proxy_fcgi and php-fpm), rclone serve
webdav on a plain folder, nginx with its dav module and dav-ext (PROPFIND) on a plain folder.
"""
import argparse
import base64
import glob
import hashlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "interop"))
from free_ports import free_ports  # noqa: E402 (ports below the ephemeral range; interop's cluster scripts use it too)
LUA_PUT = os.path.join(HERE, "wrk-put.lua")
# Davit's JVM options as the README's server command passes them (java @config/jvm.options -jar ...)
JVM_OPTIONS = "@" + os.path.join(ROOT, "config", "jvm.options")
HTTPD_TEMPLATE = os.path.join(HERE, "httpd.conf.in")
HTTPD_SABRE_TEMPLATE = os.path.join(HERE, "httpd-sabre.conf.in")
PHP_FPM_TEMPLATE = os.path.join(HERE, "php-fpm.conf.in")
SABRE_SERVER = os.path.join(HERE, "sabre-server.php")
NGINX_TEMPLATE = os.path.join(HERE, "nginx.conf.in")

PROFILES = {
    "full": dict(seq_max=2000, seq_secs=10.0, seq_reps=3, wrk_secs=10, put_conns=[1, 4, 16], lag_secs=15, get_secs=10,
                 pf_sizes=[1000, 10000], pf_reps=[9, 7], big_mb=1024, big_timeout=240,
                 growth_files=100_000, growth_commits=100_000, growth_puts=300, growth_warmup=20,
                 growth_rounds=30, growth_secs=150, pause=1.0, budget=1140, peer_workloads=None,
                 cluster_secs=10.0, cluster_max=2000, cluster_warmup=15.0,
                 get_conns=[4, 16], fresh_warm_secs=3, burst_secs=5),
    "smoke": dict(seq_max=100, seq_secs=2.0, seq_reps=1, wrk_secs=2, put_conns=[1, 4, 16], lag_secs=4, get_secs=2,
                  pf_sizes=[100, 1000], pf_reps=[3, 3], big_mb=1, big_timeout=60,
                  growth_files=1000, growth_commits=1000, growth_puts=30, growth_warmup=5,
                  growth_rounds=10, growth_secs=40, pause=0.2, budget=200, cluster_secs=2.0, cluster_max=100, cluster_warmup=1.0,
                  get_conns=[4, 16], fresh_warm_secs=1, burst_secs=1,
                  # the peers only on the quick workloads: each is started and checked, the smoke stays short
                  peer_workloads={"put_seq", "propfind", "big"}),
}
PROPFIND_BODY = (b'<?xml version="1.0" encoding="utf-8"?>\n'
                 b'<D:propfind xmlns:D="DAV:"><D:prop><D:getlastmodified/><D:getetag/></D:prop></D:propfind>')
LIST_BODY = (b'<?xml version="1.0" encoding="utf-8"?>\n'
             b'<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>')
RESPONSE_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?response[\s>]")
FS, SVN, DAVIT = "fs", "svn", "davit"
SABRE, RCLONE, NGINX = "sabre", "rclone", "nginx"
PEERS = (SABRE, RCLONE, NGINX)   # the servers a user would pick instead of Davit (issue 16)
NAMES = {DAVIT: "Davit", FS: "mod_dav_fs", SVN: "mod_dav_svn", SABRE: "sabre/dav", RCLONE: "rclone", NGINX: "nginx"}
# Properties of the PROPFIND body a server leaves out of its answer (it then does less work than the others)
NO_PROP = {NGINX: ("getetag", "dav-ext 3.0 does not know getetag and leaves it out (its GET sends an ETag)")}
# Whether a server makes a write durable (fsync/fdatasync) before it answers 2xx; checked with
# `strace -f -e trace=fsync,fdatasync,sync_file_range` on a PUT of each (README, Performance).
FSYNCS = {DAVIT: "yes (storage.durable=true: the commit log is synced before the 2xx)",
          FS: "no", SVN: "yes (FSFS syncs each revision)", SABRE: "no", RCLONE: "no", NGINX: "no"}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Fatal(Exception):
    pass


# ------------------------------------------------------------------------------------------------ HTTP

class Conn:
    """One persistent HTTP/1.1 connection (reconnects once if the server closed it between requests)."""

    def __init__(self, port, auth_b64=None, timeout=300):
        self.port, self.timeout, self.conn, self.reconnects = port, timeout, None, 0
        self.headers = {"Authorization": "Basic " + auth_b64} if auth_b64 else {}

    def request(self, method, path, body=None, headers=None):
        h = dict(self.headers)
        h.update(headers or {})
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                t0 = time.perf_counter()
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                self.last_headers = dict((k.lower(), v) for k, v in r.getheaders())
                dt = time.perf_counter() - t0
                if r.will_close:
                    self.close()
                return r.status, dt, data
            except (ConnectionError, http.client.BadStatusLine):
                self.close()
                self.reconnects += 1
                if attempt:
                    raise

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Target:
    """A WebDAV location: the port, the URL path of a writable collection (ending in /) and credentials."""

    def __init__(self, key, port, path, user=None, password=None):
        self.key, self.name, self.port, self.path = key, NAMES[key], port, path
        self.user, self.password = user, password
        self.auth_b64 = base64.b64encode(f"{user}:{password}".encode()).decode() if user else None

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def conn(self):
        return Conn(self.port, self.auth_b64)

    def curl_auth(self):
        return ["-u", f"{self.user}:{self.password}"] if self.user else []


def count_members(t, folder):
    """Number of members the server lists in a folder (PROPFIND Depth 1, minus the folder itself)."""
    c = t.conn()
    try:
        st, _, data = c.request("PROPFIND", folder, LIST_BODY,
                                {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"})
    finally:
        c.close()
    if st != 207:
        raise Fatal(f"PROPFIND {folder} answered {st}")
    return len(RESPONSE_RE.findall(data)) - 1


def settled_count(t, folder, secs=15):
    """count_members once PUTs still in flight when the client stopped have landed (two equal counts)."""
    n, deadline = count_members(t, folder), time.time() + secs
    while time.time() < deadline:
        time.sleep(0.5)
        m = count_members(t, folder)
        if m == n:
            break
        n = m
    return n


def body_for(path, size=1024):
    """A distinct body per path (no server may store two PUTs as one object), `size` bytes long."""
    head = (path + "\n").encode()
    return (head + b"." * size)[:size]


# ------------------------------------------------------------------------------------------------ helpers

def run(cmd, timeout, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def median(xs):
    return statistics.median(xs) if xs else None


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


def fill(template, dest, subst):
    """Writes `template` to `dest` with each @NAME@ of `subst` replaced; returns dest."""
    with open(template) as f:
        text = f.read()
    for k, v in subst.items():
        text = text.replace(k, v)
    with open(dest, "w") as f:
        f.write(text)
    return dest


def free_port():
    return free_ports(1)[0]


def wait_http(port, path, secs, proc=None):
    deadline = time.time() + secs
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            c.getresponse().read()
            c.close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def stop_process(proc, name, secs=20):
    """TERM the process we started (by its PID), KILL it if still there after `secs`."""
    if proc is None or proc.poll() is not None:
        return
    log(f"stopping {name} (pid {proc.pid})")
    proc.terminate()
    try:
        proc.wait(secs)
    except subprocess.TimeoutExpired:
        log(f"{name} (pid {proc.pid}) still alive after {secs} s: KILL")
        proc.kill()
        proc.wait(10)


def parse_wrk(out):
    d = {}

    def ms(v, unit):
        return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", out)
    if m:
        d["requests"] = int(m.group(1))
        d["duration_s"] = ms(m.group(2), m.group(3)) / 1e3
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    d["wrk_req_per_s"] = float(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    d["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", out)
    d["socket_errors"] = m.group(1).strip() if m else ""
    for p in ("50", "90", "99"):
        m = re.search(rf"^\s+{p}(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if m:
            d[f"p{p}_ms"] = ms(m.group(1), m.group(2))
    m = re.search(r"BENCH_PUT ok=(\d+) bad=(\d+)", out)
    if m:
        d["ok"], d["bad"] = int(m.group(1)), int(m.group(2))
    return d


# ------------------------------------------------------------------------------------------------ heap

class HeapMonitor:
    """Davit's heap use: jstat -gc samples (used = survivors + eden + old) and the GC log (-Xlog:gc) lines
    'A->B(C)': A is the heap used just before a collection, B what was left after it."""

    GC_RE = re.compile(r"(\d+(?:\.\d+)?)([KMG])->(\d+(?:\.\d+)?)([KMG])\((\d+(?:\.\d+)?)([KMG])\)")

    def __init__(self, pid, gc_log, interval_ms=100):
        self.pid, self.gc_log, self.samples, self.proc, self.thread = pid, gc_log, [], None, None
        self.interval_ms = interval_ms
        java = shutil.which("java")
        jstat = shutil.which("jstat")
        if not jstat and java:
            cand = os.path.join(os.path.dirname(os.path.realpath(java)), "jstat")
            jstat = cand if os.access(cand, os.X_OK) else None
        self.jstat = jstat

    def start(self):
        if not self.jstat:
            log("jstat not found: heap from the GC log only")
            return
        self.proc = subprocess.Popen([self.jstat, "-gc", str(self.pid), str(self.interval_ms)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        cols = None
        for line in self.proc.stdout:
            f = line.split()
            if not f:
                continue
            if f[0] == "S0C":
                cols = {n: i for i, n in enumerate(f)}
                continue
            if cols is None:
                continue
            try:
                used_kb = sum(float(f[cols[k]]) for k in ("S0U", "S1U", "EU", "OU"))
            except (KeyError, ValueError, IndexError):
                continue
            self.samples.append((time.monotonic(), used_kb / 1024.0))

    def stop(self):
        stop_process(self.proc, "jstat", 5) if self.proc else None
        if self.thread:
            self.thread.join(5)

    def gc_mark(self):
        try:
            return os.path.getsize(self.gc_log)
        except OSError:
            return 0

    def window(self, t0, t1, gc0, gc1):
        """Peak heap used (MB) between monotonic times t0..t1 and GC-log offsets gc0..gc1."""
        peak = [mb for (t, mb) in self.samples if t0 <= t <= t1]
        before, after = [], []
        try:
            with open(self.gc_log, "rb") as f:
                f.seek(gc0)
                text = f.read(max(0, gc1 - gc0)).decode(errors="replace")
        except OSError:
            text = ""
        unit = {"K": 1 / 1024.0, "M": 1.0, "G": 1024.0}
        for m in self.GC_RE.finditer(text):
            before.append(float(m.group(1)) * unit[m.group(2)])
            after.append(float(m.group(3)) * unit[m.group(4)])
        def mx(xs):
            return round(max(xs), 1) if xs else None
        return dict(peak_used_mb=mx(peak + before), jstat_samples=len(peak), jstat_max_mb=mx(peak),
                    gc_count=len(before), gc_max_before_mb=mx(before), gc_max_after_mb=mx(after))


# ------------------------------------------------------------------------------------------------ fast-import

def fast_import(git_dir, gen, timeout):
    """Creates a bare repository (branch main, HEAD -> refs/heads/main) and feeds it a fast-import stream."""
    os.makedirs(os.path.dirname(git_dir), exist_ok=True)
    r = run(["git", "init", "-q", "--bare", git_dir], 60)
    if r.returncode != 0:
        raise Fatal("git init: " + r.stderr)
    run(["git", "--git-dir", git_dir, "symbolic-ref", "HEAD", "refs/heads/main"], 60)
    t0 = time.time()
    p = subprocess.Popen(["git", "--git-dir", git_dir, "fast-import", "--quiet", "--done"],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    try:
        buf = []
        size = 0
        for chunk in gen:
            buf.append(chunk)
            size += len(chunk)
            if size > 1 << 20:
                p.stdin.write(b"".join(buf))
                buf, size = [], 0
        p.stdin.write(b"".join(buf) + b"done\n")
        p.stdin.close()
        err = p.stderr.read().decode(errors="replace")
        rc = p.wait()
    finally:
        timer.cancel()
    if rc != 0:
        raise Fatal(f"git fast-import into {git_dir} failed ({rc}): {err[-500:]}")
    return time.time() - t0


class Stream:
    """fast-import commands: one commit per call, files inline."""

    def __init__(self):
        self.t = 1_700_000_000

    def commit(self, msg, files):
        self.t += 1
        m = msg.encode()
        out = [b"commit refs/heads/main\ncommitter Bench <bench@localhost> %d +0000\ndata %d\n%s\n"
               % (self.t, len(m), m)]
        for path, data in files:
            out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
        return b"".join(out)


def gen_files(n, per_folder=100):
    """One commit of n files, spread as n/per_folder folders at the root (d0000/f000.txt ...)."""
    s = Stream()
    yield s.commit(f"{n} files", [(f"d{i // per_folder:04d}/f{i % per_folder:03d}.txt", b"file %d\n" % i)
                                  for i in range(n)])


def gen_commits(n, files=100):
    """`files` files in the first commit, then commits that each change one of them (n commits in all)."""
    s = Stream()
    yield s.commit("start", [(f"f{i:03d}.txt", b"file %d v0\n" % i) for i in range(files)])
    for c in range(1, n):
        yield s.commit(f"change {c}", [(f"f{c % files:03d}.txt", b"file %d v%d\n" % (c % files, c))])


def gen_folder(folder, n, per_commit=10):
    """A folder of n 1 KiB files added `per_commit` files per commit (a history of n/per_commit commits; one
    commit per file would make fast-import rewrite an ever larger tree n times)."""
    s = Stream()
    for i in range(0, n, per_commit):
        files = [(f"{folder}/f{j:05d}.bin", body_for(f"/dav/demo/propfind/{folder}/f{j:05d}.bin"))
                 for j in range(i, min(n, i + per_commit))]
        yield s.commit(f"add {len(files)} files to {folder}", files)


# ------------------------------------------------------------------------------------------------ benchmark

class Bench:
    def __init__(self, args, prof):
        self.args, self.p = args, prof
        self.smoke = args.smoke
        self.t_start = time.time()
        self.work = None
        self.apache = self.davit = None
        self.heap = None
        self.results = {}      # workload -> server key -> figures
        self.small_get_files = set()   # (server key, path) of the 1 KiB file each server's GETs read
        self.peer_procs, self.peer_logs = [], []   # (name, Popen) of the peers' processes, their log files
        self.peer_ports, self.peer_folders = {}, {}
        self.checks = []       # (name, ok, detail)
        self.errors = []
        self.info = {}

    # ---------------------------------------------------------------- bookkeeping

    def check(self, name, ok, detail=""):
        self.checks.append((name, bool(ok), detail))
        log(f"{'check ok ' if ok else 'CHECK FAILED'}: {name} {detail}")

    def left(self):
        return self.p["budget"] - (time.time() - self.t_start)

    def settle(self):
        """Dirty pages of the previous step reach the disk before the next one is measured."""
        os.sync()
        time.sleep(self.p["pause"])

    def record(self, workload, key, value):
        self.results.setdefault(workload, {})[key] = value

    def step_wanted(self, key, sel):
        pw = self.p["peer_workloads"]
        return key not in PEERS or pw is None or sel in pw

    def step(self, workload, key, fn, *a, sel=None):
        """Runs one workload against one server; records its figures under `workload`. `sel`: the name
        --only selects it by (default: the workload)."""
        if (sel or workload) not in self.selected:
            return None
        if key not in self.servers:
            return None
        if not self.step_wanted(key, sel or workload):
            return None     # --smoke: the peers take the quick workloads only
        if self.left() < 0:
            self.errors.append(f"{workload}/{key}: skipped, time budget of {self.p['budget']} s used up")
            self.check(f"{workload} {NAMES[key]} ran", False, "time budget used up")
            return None
        log(f"--- {workload}: {NAMES[key]}")
        try:
            r = fn(*a)
            self.record(workload, key, r)
            return r
        except Exception as e:  # one failed step must not hide the others
            self.errors.append(f"{workload}/{key}: {type(e).__name__}: {e}")
            self.check(f"{workload} {NAMES[key]} ran", False, f"{type(e).__name__}: {e}")
            return None

    # ---------------------------------------------------------------- setup

    def machine_info(self):
        def first_line(cmd):
            try:
                r = run(cmd, 20)
                return (r.stdout + r.stderr).strip().splitlines()[0]
            except Exception:
                return "?"
        cpu = "?"
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
        except OSError:
            pass
        mem = "?"
        try:
            with open("/proc/meminfo") as f:
                mem = f"{int(f.readline().split()[1]) // 1024 // 1024} GiB"
        except (OSError, ValueError, IndexError):
            pass
        java = run(["java", "-version"], 30).stderr.strip().splitlines()
        head = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], 20).stdout.strip()
        dirty = run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], 20).stdout.strip()
        jar = self.args.jar
        self.info = dict(
            nproc=first_line(["nproc"]), cpu=cpu, memory=mem, kernel=platform.release(),
            os=first_line(["sh", "-c", ". /etc/os-release && echo \"$PRETTY_NAME\""]),
            java=java, apache=first_line(["/usr/sbin/apache2", "-v"]),
            svn=first_line(["svn", "--version", "--quiet"]), wrk=first_line(["wrk", "-v"]),
            curl=first_line(["curl", "--version"]), git=first_line(["git", "--version"]),
            python=platform.python_version(), repo_head=head + (" (modified files)" if dirty else ""),
            jar=f"{jar} ({os.path.getsize(jar)} bytes, {time.strftime('%F %T', time.localtime(os.path.getmtime(jar)))})",
            workdir_fs=first_line(["sh", "-c", f"df -T {self.work} | tail -n1 | awk '{{print $1\" \"$2}}'"]),
            mode="smoke" if self.smoke else "full", date=time.strftime("%F %T %Z"),
            loadavg_start=" ".join(f"{x:.2f}" for x in os.getloadavg()),
        )
        self.info["fdatasync_median_ms"] = self.fsync_probe()

        def deb(pkg):
            r = run(["dpkg-query", "-W", "-f=${Version}", pkg], 20)
            return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else "?"
        fpm = sorted(glob.glob("/usr/sbin/php-fpm*"))
        self.info["peers"] = {
            SABRE: f"sabre/dav {deb('php-sabre-dav')} (Debian php-sabre-dav), "
                   f"{first_line([fpm[-1], '-v']).split(' (built')[0] if fpm else 'php-fpm ?'}, Apache mod_proxy_fcgi",
            RCLONE: first_line(["rclone", "version"]) if shutil.which("rclone") else "rclone ?",
            NGINX: f"nginx {deb('nginx')}, dav-ext {deb('libnginx-mod-http-dav-ext')}",
        }

    def fsync_probe(self):
        """Median time (ms) of fdatasync after a 1 KiB write in the work dir: the disk's cost of one durable
        write, the floor for any server that syncs per commit (it swings when other processes write)."""
        path = os.path.join(self.work, "fdatasync-probe")
        lat = []
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            for i in range(100):
                os.pwrite(fd, os.urandom(1024), i * 1024)
                t0 = time.perf_counter()
                os.fdatasync(fd)
                lat.append(time.perf_counter() - t0)
        finally:
            os.close(fd)
            os.unlink(path)
        return round(median(lat) * 1e3, 3)

    def start_apache(self):
        a = os.path.join(self.work, "apache")
        for d in ("run", "logs", "docroot", "davfs", "davlock"):
            os.makedirs(os.path.join(a, d), exist_ok=True)
        r = run(["svnadmin", "create", "--fs-type", "fsfs", os.path.join(a, "svnrepo")], 120)
        if r.returncode != 0:
            raise Fatal("svnadmin create: " + r.stderr)
        sha = base64.b64encode(hashlib.sha1(b"bench").digest()).decode()
        with open(os.path.join(a, "htpasswd"), "w") as f:
            f.write(f"bench:{{SHA}}{sha}\n")   # {SHA}: cheap to check, so auth does not dominate
        port = free_port()
        user_group = ""
        if os.geteuid() == 0:
            user_group = "User www-data\nGroup www-data"
            for d in ("davfs", "davlock", "svnrepo"):
                run(["chown", "-R", "www-data:www-data", os.path.join(a, d)], 120)
        with open(HTTPD_TEMPLATE) as f:
            conf = f.read()
        conf = conf.replace("@WORK@", self.work).replace("@PORT@", str(port)).replace("@USER_GROUP@", user_group)
        cf = os.path.join(a, "httpd.conf")
        with open(cf, "w") as f:
            f.write(conf)
        r = run(["/usr/sbin/apache2", "-t", "-f", cf], 30)
        if r.returncode != 0:
            raise Fatal("apache2 -t: " + r.stdout + r.stderr)
        self.apache_log = open(os.path.join(a, "logs", "console.log"), "w")
        self.apache = subprocess.Popen(["/usr/sbin/apache2", "-f", cf, "-DFOREGROUND"],
                                       stdout=self.apache_log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        if not wait_http(port, "/dav/", 30, self.apache):
            raise Fatal("Apache did not answer within 30 s; see " + os.path.join(a, "logs"))
        log(f"Apache started: pid {self.apache.pid}, http://127.0.0.1:{port}/dav/ and /svn/")
        self.apache_port, self.apache_dir = port, a

    def start_davit(self, logname="davit.log"):
        data = os.path.join(self.work, "davit-data")
        cfg = os.path.join(self.work, "davit.properties")
        overrides = {"server.port": "0", "server.bind": "127.0.0.1", "data.dir": data,
                     "sample.repository": "demo/sample",
                     "sample.source": os.path.join(ROOT, "storage-sample"), "storage.durable": "true"}
        lines, seen = [], set()
        with open(os.path.join(ROOT, "config", "davit.properties")) as f:
            for line in f.read().splitlines():
                m = re.match(r"\s*([A-Za-z0-9_.-]+)\s*[=:]", line)
                if m and m.group(1) in overrides:
                    lines.append(f"{m.group(1)}={overrides[m.group(1)]}")
                    seen.add(m.group(1))
                else:
                    lines.append(line)
        lines += [f"{k}={v}" for k, v in overrides.items() if k not in seen]
        with open(cfg, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.davit_data, self.davit_logfile = data, os.path.join(self.work, logname)
        # One GC log per start (davit-gc.log, davit-restart-gc.log, ...): a restart does not hide the first one's.
        self.gc_log = os.path.join(self.work, logname[:-len(".log")] + "-gc.log")
        cmd = ["java", JVM_OPTIONS, "-Xmx256m", f"-Xlog:gc:file={self.gc_log}"] + self.args.java_opts.split() + \
              ["-jar", os.path.abspath(self.args.jar), "--config", cfg]
        self.info["davit_cmd"] = " ".join(cmd)
        self.davit_out = open(self.davit_logfile, "w")
        self.davit = subprocess.Popen(cmd, cwd=ROOT, stdout=self.davit_out, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL)
        port, deadline = None, time.time() + 90
        while time.time() < deadline and port is None:
            if self.davit.poll() is not None:
                break
            with open(self.davit_logfile, errors="replace") as f:
                m = re.search(r"Davit listening on http://127\.0\.0\.1:(\d+)/", f.read())
            if m:
                port = int(m.group(1))
            else:
                time.sleep(0.2)
        if port is None:
            with open(self.davit_logfile, errors="replace") as f:
                tail = f.read()[-3000:]
            raise Fatal(f"Davit did not start within 90 s:\n{tail}")
        st = Conn(port).request("GET", "/healthz")[0]
        if st != 200:
            raise Fatal(f"Davit /healthz answered {st}")
        log(f"Davit started: pid {self.davit.pid}, http://127.0.0.1:{port}/dav/demo/sample/ (-Xmx256m, durable)")
        self.davit_port = port
        self.heap = HeapMonitor(self.davit.pid, self.gc_log)

    # ---------------------------------------------------------------- peers (issue 16)

    def spawn(self, name, cmd, logfile, **kw):
        """Starts a peer's process in the foreground (its PID is ours to stop) and remembers it for cleanup."""
        out = open(logfile, "w")
        self.peer_logs.append(out)
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **kw)
        self.peer_procs.append((name, proc))
        return proc

    def make_peer_folders(self):
        """The folder each peer serves, made before the data is prepared and before the peer starts (rclone keeps
        a folder's listing once read, as its users' folders change through it)."""
        served = {SABRE: "data", RCLONE: "data", NGINX: os.path.join("root", "dav")}
        for k in PEERS:
            if k in self.servers:
                self.peer_folders[k] = os.path.join(self.peer_dir(k, served[k]), served[k])

    def peer_dir(self, key, *subdirs, www=()):
        """The peer's folder in the work dir with its subfolders; those in `www` belong to www-data when we are
        root (the server's workers run as www-data and write there)."""
        d = os.path.join(self.work, key)
        for sd in subdirs:
            os.makedirs(os.path.join(d, sd), exist_ok=True)
        if os.geteuid() == 0:
            for sd in www:
                run(["chown", "-R", "www-data:www-data", os.path.join(d, sd)], 60)
        return d

    def start_sabre(self):
        """sabre/dav: bench/sabre-server.php in php-fpm (own pool, unix socket) behind its own Apache."""
        d = self.peer_dir(SABRE, "run", "logs", "data", "locks", "apache/run", "apache/docroot",
                          www=("data", "locks", "logs"))
        fpms = sorted(glob.glob("/usr/sbin/php-fpm*"))
        if not fpms:
            raise Fatal("php-fpm is missing (bench/run.sh installs php-fpm)")
        shutil.copy(SABRE_SERVER, os.path.join(d, "server.php"))
        root = os.geteuid() == 0
        subst = {"@DIR@": d, "@USER_GROUP@": "user = www-data\ngroup = www-data" if root else "",
                 "@LISTEN_OWNER@": "listen.owner = www-data\nlisten.group = www-data" if root else ""}
        fpm_conf = fill(PHP_FPM_TEMPLATE, os.path.join(d, "php-fpm.conf"), subst)
        r = run([fpms[-1], "-t", "-y", fpm_conf], 30)
        if r.returncode != 0:
            raise Fatal(f"{fpms[-1]} -t: {r.stdout}{r.stderr}")
        fpm = self.spawn("php-fpm", [fpms[-1], "-F", "-y", fpm_conf], os.path.join(d, "logs", "php-fpm.console"))
        sock = os.path.join(d, "run", "php-fpm.sock")
        deadline = time.time() + 20
        while not os.path.exists(sock) and time.time() < deadline and fpm.poll() is None:
            time.sleep(0.05)
        if not os.path.exists(sock):
            raise Fatal(f"php-fpm did not open its socket within 20 s; see {d}/logs")
        port = free_port()
        subst = {"@DIR@": d, "@PORT@": str(port), "@USER_GROUP@": "User www-data\nGroup www-data" if root else ""}
        cf = fill(HTTPD_SABRE_TEMPLATE, os.path.join(d, "httpd.conf"), subst)
        r = run(["/usr/sbin/apache2", "-t", "-f", cf], 30)
        if r.returncode != 0:
            raise Fatal("apache2 -t (sabre/dav): " + r.stdout + r.stderr)
        httpd = self.spawn("Apache (sabre/dav)", ["/usr/sbin/apache2", "-f", cf, "-DFOREGROUND"],
                           os.path.join(d, "logs", "apache.console"))
        if not wait_http(port, "/dav/", 30, httpd):
            raise Fatal(f"Apache for sabre/dav did not answer within 30 s; see {d}/logs")
        st = Conn(port).request("PROPFIND", "/dav/", LIST_BODY, {"Depth": "0"})[0]
        if st != 207:
            raise Fatal(f"sabre/dav: PROPFIND /dav/ answered {st}; see {d}/logs")
        log(f"sabre/dav started: php-fpm pid {fpm.pid}, Apache pid {httpd.pid}, http://127.0.0.1:{port}/dav/")
        return port

    def start_rclone(self):
        """rclone serve webdav on a plain folder (no VFS cache: PUTs go straight to the folder)."""
        d = self.peer_dir(RCLONE, "data", "logs")
        conf = os.path.join(d, "rclone.conf")
        open(conf, "w").close()      # no remotes needed: it serves a local path
        port = free_port()
        proc = self.spawn("rclone", ["rclone", "--config", conf, "serve", "webdav", os.path.join(d, "data"),
                                     "--addr", f"127.0.0.1:{port}", "--baseurl", "/dav"],
                          os.path.join(d, "logs", "rclone.log"))
        if not wait_http(port, "/dav/", 30, proc):
            raise Fatal(f"rclone did not answer within 30 s; see {d}/logs")
        log(f"rclone started: pid {proc.pid}, http://127.0.0.1:{port}/dav/")
        return port

    def start_nginx(self):
        """nginx: its dav module plus dav-ext (PROPFIND) on a plain folder."""
        d = self.peer_dir(NGINX, "run", "logs", "root/dav", "tmp", www=("root", "tmp"))
        port = free_port()
        subst = {"@DIR@": d, "@PORT@": str(port), "@USER@": "user www-data;" if os.geteuid() == 0 else ""}
        cf = fill(NGINX_TEMPLATE, os.path.join(d, "nginx.conf"), subst)
        base = ["nginx", "-p", d, "-c", cf, "-e", os.path.join(d, "logs", "error.log")]
        r = run(base + ["-t"], 30)
        if r.returncode != 0:
            raise Fatal("nginx -t: " + r.stdout + r.stderr)
        proc = self.spawn("nginx", base, os.path.join(d, "logs", "nginx.console"))
        if not wait_http(port, "/dav/", 30, proc):
            raise Fatal(f"nginx did not answer within 30 s; see {d}/logs")
        log(f"nginx started: pid {proc.pid}, http://127.0.0.1:{port}/dav/")
        return port

    def start_peers(self):
        """Starts each selected peer; one that cannot start is reported and left out, the others go on."""
        starters = {SABRE: self.start_sabre, RCLONE: self.start_rclone, NGINX: self.start_nginx}
        for k in PEERS:
            if k not in self.servers:
                continue
            try:
                self.peer_ports[k] = starters[k]()
            except Exception as e:
                self.servers.discard(k)
                self.errors.append(f"starting {NAMES[k]}: {type(e).__name__}: {e}")
                self.check(f"{NAMES[k]} started", False, f"{type(e).__name__}: {e}")

    def davit_settle(self, repo="sample"):
        """Davit's bare repository lags its commit log by up to about a second (README: Durability); any git
        smart-HTTP request brings it up to date first, so one is made before git looks at the disk."""
        c = Conn(self.davit_port, base64.b64encode(b"demo:demo").decode())
        try:
            c.request("GET", f"/git/demo/{repo}.git/info/refs?service=git-upload-pack")
        finally:
            c.close()

    def davit_commits(self, repo="sample"):
        self.davit_settle(repo)
        r = run(["git", "-c", "safe.directory=*", "--git-dir", os.path.join(self.davit_data, "demo", repo + ".git"),
                 "rev-list", "--count", "refs/heads/main"], 120)
        return int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip() else None

    def prepare(self):
        """Data made before measuring: folders for PROPFIND, the big random file, the growth repositories.
        A part that fails drops its workload (recorded as an error) and the others go on."""
        for name, fn in (("propfind", self.prepare_propfind), ("big", self.prepare_big),
                         ("growth", self.prepare_growth)):
            if name not in self.selected:
                continue
            try:
                fn()
            except Exception as e:
                self.selected.discard(name)
                self.errors.append(f"preparing {name}: {type(e).__name__}: {e}")
                self.check(f"{name}: data prepared", False, f"{type(e).__name__}: {e}")

    def prepare_propfind(self):
        p = self.p
        # mod_dav_fs and the peers: the folders straight on their disk (they serve what is there; the peers start
        # after this, and give their folders to www-data when their workers run as it)
        disks = {FS: os.path.join(self.apache_dir, "davfs")} if FS in self.servers else {}
        disks.update((k, self.peer_folders[k]) for k in PEERS if k in self.servers and self.step_wanted(k, "propfind"))
        for k, top in disks.items():
            for n in p["pf_sizes"]:
                d = os.path.join(top, f"pf{n}")
                os.makedirs(d)
                for i in range(n):
                    with open(os.path.join(d, f"f{i:05d}.bin"), "wb") as f:
                        f.write(body_for(f"/dav/pf{n}/f{i:05d}.bin"))
        if DAVIT in self.servers:
            # Davit: the large folder by fast-import into its own repository (the small one is PUT later)
            n = p["pf_sizes"][1]
            s = fast_import(os.path.join(self.davit_data, "demo", "propfind.git"), gen_folder(f"pf{n}", n), 300)
            log(f"fast-import: demo/propfind, folder pf{n}/ of {n} files in {n // 10} commits: {s:.1f} s")

    def prepare_big(self):
        p = self.p
        self.big_file = os.path.join(self.work, "big.bin")
        h = hashlib.sha256()
        t0 = time.time()
        with open(self.big_file, "wb") as f:
            for _ in range(p["big_mb"]):
                b = os.urandom(1 << 20)
                h.update(b)
                f.write(b)
        self.big_sha = h.hexdigest()
        log(f"random file of {p['big_mb']} MiB in {time.time() - t0:.1f} s, sha256 {self.big_sha[:16]}...")

    def prepare_growth(self):
        p = self.p
        if DAVIT not in self.servers:
            return
        demo = os.path.join(self.davit_data, "demo")
        self.growth_repos = [
            ("a", "100 files", "g-small", gen_files(100)),
            ("b", f"{p['growth_files']:,} files", "g-files", gen_files(p["growth_files"])),
            ("c", f"after {p['growth_commits']:,} commits", "g-commits", gen_commits(p["growth_commits"])),
        ]
        self.growth_build = {}
        for k, label, repo, gen in self.growth_repos:
            s = fast_import(os.path.join(demo, repo + ".git"), gen, 300)
            self.growth_build[k] = round(s, 1)
            log(f"fast-import: demo/{repo} ({label}) in {s:.1f} s")

    # ---------------------------------------------------------------- workloads

    def put_seq(self, t, rep):
        """One rep of the sequential PUTs (the reps of the servers are interleaved by run())."""
        p = self.p
        self.settle()
        c = t.conn()
        folder = f"{t.path}seq-{rep}/"
        st = c.request("MKCOL", folder)[0]
        if st != 201:
            raise Fatal(f"MKCOL {folder} answered {st}")
        commits0 = self.davit_commits() if t.key == DAVIT else None
        lats, bad = [], {}
        t0 = time.perf_counter()
        for i in range(p["seq_max"]):
            if time.perf_counter() - t0 >= p["seq_secs"]:
                break
            path = f"{folder}f{i:05d}.bin"
            st, dt, _ = c.request("PUT", path, body_for(path), {"Content-Type": "application/octet-stream"})
            lats.append(dt)
            if not 200 <= st < 300:
                bad[st] = bad.get(st, 0) + 1
        wall = time.perf_counter() - t0
        c.close()
        ok = len(lats) - sum(bad.values())
        listed = count_members(t, folder)
        r = dict(rep=rep, puts=len(lats), ok=ok, errors=bad, wall_s=round(wall, 3), req_per_s=ok / wall,
                 median_ms=median(lats) * 1e3, p90_ms=pct(lats, 90) * 1e3, p99_ms=pct(lats, 99) * 1e3,
                 listed=listed, reconnects=c.reconnects)
        self.check(f"put_seq {t.name} rep {rep}: every PUT 2xx, the server lists them all",
                   not bad and listed == ok and ok > 0, f"({ok} PUTs 2xx, errors {bad}, {listed} listed)")
        if t.key == DAVIT:
            delta = self.davit_commits() - commits0
            r["commits"] = delta
            self.check(f"put_seq Davit rep {rep}: one commit per PUT", delta == ok,
                       f"({delta} new commits for {ok} PUTs)")
        log(f"  rep {rep}: {ok} PUTs in {wall:.2f} s = {ok / wall:.0f}/s, median {r['median_ms']:.2f} ms")
        return r

    @staticmethod
    def mkcol(t, folder):
        """A new folder on `t` for a workload's files; anything but 201 ends the step."""
        c = t.conn()
        st = c.request("MKCOL", folder)[0]
        c.close()
        if st != 201:
            raise Fatal(f"MKCOL {folder} answered {st}")

    def put_wrk(self, t, conns):
        self.settle()
        folder = f"{t.path}wrk-c{conns}/"
        self.mkcol(t, folder)
        commits0 = self.davit_commits() if t.key == DAVIT else None
        secs = self.p["wrk_secs"]
        cmd = ["wrk", f"-t{min(conns, 2)}", f"-c{conns}", f"-d{secs}s", "--timeout", "30s", "--latency",
               "-s", LUA_PUT, t.url(folder), "--", "1024", t.auth_b64 or ""]
        r = run(cmd, secs + 90)
        d = parse_wrk(r.stdout)
        if r.returncode != 0 or "ok" not in d or "duration_s" not in d:
            raise Fatal(f"wrk exit {r.returncode}: {r.stdout[-800:]} {r.stderr[-800:]}")
        d["value"] = d["ok"] / d["duration_s"]
        listed = settled_count(t, folder)
        d["listed"] = listed
        # PUTs still in flight when wrk stops may have been stored without wrk seeing the answer
        self.check(f"put_wrk {conns}c {t.name}: every PUT 2xx, the server lists them all",
                   d["bad"] == 0 and d["ok"] > 0 and d["ok"] <= listed <= d["ok"] + conns,
                   f"({d['ok']} 2xx, {d['bad']} other, {listed} listed, socket errors: {d['socket_errors'] or 'none'})")
        if t.key == DAVIT:
            delta = self.davit_commits() - commits0
            d["commits"] = delta
            self.check(f"put_wrk {conns}c Davit: one commit per PUT", delta == listed,
                       f"({delta} new commits, {listed} files)")
        log(f"  {d['ok']} PUTs in {d['duration_s']:.2f} s = {d['value']:.0f}/s, p50 {d.get('p50_ms', 0):.2f} ms, "
            f"p99 {d.get('p99_ms', 0):.2f} ms")
        return d

    def put_rate(self, t, folder, conns, secs, max_puts):
        """1 KiB PUTs to new paths in a fresh `folder` on `conns` persistent connections for `secs` (at most
        `max_puts` in all); the server's listing must show every 2xx PUT."""
        self.mkcol(t, folder)
        lock, lats, bad, nxt = threading.Lock(), [], {}, [0]
        t0 = time.perf_counter()

        def worker():
            c = t.conn()
            try:
                while True:
                    with lock:
                        i = nxt[0]
                        if i >= max_puts or time.perf_counter() - t0 >= secs:
                            return
                        nxt[0] += 1
                    path = f"{folder}f{i:05d}.bin"
                    st, dt, _ = c.request("PUT", path, body_for(path), {"Content-Type": "application/octet-stream"})
                    with lock:
                        lats.append(dt)
                        if not 200 <= st < 300:
                            bad[st] = bad.get(st, 0) + 1
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    bad[type(e).__name__] = bad.get(type(e).__name__, 0) + 1
            finally:
                c.close()
        threads = [threading.Thread(target=worker) for _ in range(conns)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        ok = len(lats) - sum(v for k, v in bad.items() if isinstance(k, int))
        listed = settled_count(t, folder)
        return dict(conns=conns, puts=len(lats), ok=ok, errors=bad, wall_s=round(wall, 3), value=ok / wall,
                    median_ms=median(lats) * 1e3 if lats else None, p99_ms=pct(lats, 99) * 1e3 if lats else None,
                    listed=listed)

    def start_cluster(self, tls=False):
        """Three more Davit processes in cluster mode (issue 17) on loopback, each with its own data dir, durable,
        -Xmx256m; with `tls`, mutual TLS between the nodes (cluster.tls.*: Raft and the nodes' own HTTPS ports, one
        self-signed certificate for 127.0.0.1 shared as key store and trust store, as a cluster across machines
        runs). Returns their (name, Popen, data dir) and the HTTP port of the leader once it serves the sample."""
        ports = free_ports(9)
        http_ports = ports[:3]
        node_ports = ports[6:] if tls else http_ports  # with TLS the nodes talk over ports of their own
        peers = ",".join(f"n{i + 1}@127.0.0.1:{ports[3 + i]}:{node_ports[i]}" for i in range(3))
        kind = "cluster-tls" if tls else "cluster"
        extra = []
        if tls:
            keystore, password = os.path.join(self.work, "cluster-nodes.p12"), secrets.token_hex(12)
            keytool = os.path.join(os.path.dirname(os.path.realpath(shutil.which("java"))), "keytool")
            r = run([keytool, "-genkeypair", "-alias", "davit-nodes", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                     "-dname", "CN=davit-nodes", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", keystore,
                     "-storepass", password, "-keypass", password], 60)
            if r.returncode != 0:
                raise Fatal(f"keytool could not make the nodes' key store: {r.stdout} {r.stderr}")
            extra = [f"cluster.tls.keystore={keystore}", f"cluster.tls.keystore.password={password}"]
        with open(os.path.join(ROOT, "config", "davit.properties")) as f:
            base = f.read()
        nodes = []
        secret = secrets.token_hex(24)  # the nodes' shared cluster.secret
        try:
            for i in range(3):
                data = os.path.join(self.work, f"{kind}-n{i + 1}")
                cfg = os.path.join(self.work, f"{kind}-n{i + 1}.properties")
                with open(cfg, "w") as f:
                    # later lines win over the base file's
                    f.write(base + "\n" + "\n".join([
                        "server.bind=127.0.0.1", f"server.port={http_ports[i]}", f"data.dir={data}",
                        "sample.repository=demo/sample", "sample.source=" + os.path.join(ROOT, "storage-sample"),
                        "storage.durable=true", "cluster.enabled=true", f"cluster.node.id=n{i + 1}",
                        f"cluster.peers={peers}", f"cluster.secret={secret}"] + extra) + "\n")
                logfile = os.path.join(self.work, f"{kind}-n{i + 1}.log")
                out = open(logfile, "w")
                self.peer_logs.append(out)
                cmd = ["java", JVM_OPTIONS, "-Xmx256m"] + self.args.java_opts.split() + ["-jar", os.path.abspath(self.args.jar),
                                                                             "--config", cfg]
                proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                nodes.append((f"Davit {kind} node n{i + 1}", proc, data))
            deadline = time.time() + 120
            while time.time() < deadline:
                if any(proc.poll() is not None for _, proc, _ in nodes):
                    raise Fatal(f"a cluster node exited at start; see {kind}-n*.log")
                try:
                    c = Conn(http_ports[0], timeout=5)
                    c.request("GET", "/healthz")
                    c.close()
                    lead = c.last_headers.get("x-davit-cluster-leader")
                    if lead:
                        port = http_ports[int(lead[1:]) - 1]
                        c = Conn(port, base64.b64encode(b"demo:demo").decode(), timeout=5)
                        st = c.request("GET", "/dav/demo/sample/README.md")[0]
                        c.close()
                        if st == 200:
                            log(f"3-node {kind}: leader {lead} on port {port}")
                            return nodes, port
                except (OSError, http.client.HTTPException):
                    pass
                time.sleep(0.2)
            raise Fatal("the 3-node cluster served no leader within 120 s")
        except BaseException:
            for name, proc, _ in nodes:
                stop_process(proc, name)
            raise

    def cluster(self, t):
        """Issue 17's rows: 1 KiB PUTs through the leader of a 3-node cluster against the one-node Davit, the same
        client in the same run, taking turns (1 connection each, then 4); then the same with a cluster whose nodes
        speak mutual TLS (as across machines), the one node measured again beside it. Every 2xx must be listed,
        and every node's repository on disk must end at the same head."""
        p = self.p
        d = {}
        for three, one, tls in (("three", "one", False), ("three_tls", "one_tls", True)):
            nodes, port = self.start_cluster(tls)
            kind = "3-node cluster with TLS" if tls else "3-node cluster"
            try:
                ct = Target(DAVIT, port, t.path, t.user, t.password)
                # Unmeasured PUTs first: the one node has run the workloads before this one, the three nodes start
                # cold (a fresh cluster went from 41/s over its first 200 sequential PUTs to 125-141/s after 2,000).
                self.put_rate(ct, f"{t.path}cluster-warmup/", 4, p["cluster_warmup"], 100_000)
                d[one], d[three] = {}, {}
                for conns in (1, 4):
                    for key, tgt in ((one, t), (three, ct)):
                        self.settle()
                        r = self.put_rate(tgt, f"{tgt.path}{key}-c{conns}/", conns, p["cluster_secs"], p["cluster_max"])
                        d[key][conns] = r
                        where = "one node" if tgt is t else kind
                        self.check(f"cluster: {where}, {conns} conn.: every PUT 2xx, the server lists them all",
                                   not r["errors"] and r["ok"] > 0 and r["listed"] == r["ok"],
                                   f"({r['ok']} 2xx, errors {r['errors']}, {r['listed']} listed)")
                        log(f"  {where}, {conns} conn.: {r['ok']} PUTs in {r['wall_s']:.2f} s = {r['value']:.0f}/s")
                heads, deadline = set(), time.time() + 30
                while time.time() < deadline:
                    heads = set()
                    for _, _, data in nodes:
                        r = run(["git", "-c", "safe.directory=*", "--git-dir", os.path.join(data, "demo", "sample.git"),
                                 "rev-parse", "-q", "--verify", "refs/heads/main"], 30)
                        heads.add(r.stdout.strip())
                    if len(heads) == 1 and "" not in heads:
                        break
                    time.sleep(0.5)
                self.check(f"{kind}: every node's repository on disk at the same head", len(heads) == 1 and "" not in heads,
                           f"({', '.join(sorted(heads))})")
            finally:
                for name, proc, _ in nodes:
                    if proc.poll() is not None:
                        self.errors.append(f"{name} exited during the run (exit {proc.returncode})")
                    stop_process(proc, name)
        d["value"] = d["three"][1]["value"]
        return d

    def lag(self, t):
        """Issue 12: the lag from a PUT's 2xx until `git rev-parse main` outside the server shows it (the commit
        is main or an ancestor of it), measured by probe PUTs while wrk keeps 16 connections of PUTs going."""
        self.settle()
        folder = f"{t.path}lag/"
        c = t.conn()
        st = c.request("MKCOL", folder)[0]
        if st != 201:
            raise Fatal(f"MKCOL {folder} answered {st}")
        secs = self.p["lag_secs"]
        cmd = ["wrk", "-t2", "-c16", f"-d{secs}s", "--timeout", "30s", "-s", LUA_PUT, t.url(folder), "--", "1024",
               t.auth_b64 or ""]
        load = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        git_dir = os.path.join(self.davit_data, "demo", "sample.git")
        lags = []
        try:
            time.sleep(1.0)   # the load is running
            end = time.monotonic() + secs - 2
            i = 0
            while time.monotonic() < end and i < 200:
                i += 1
                st = c.request("PUT", f"{folder}probe-{i}.txt", body_for(f"probe {i}"))[0]
                t0 = time.monotonic()
                rev = c.last_headers.get("x-revision")
                if st not in (200, 201, 204) or not rev:
                    raise Fatal(f"probe PUT answered {st} without X-Revision")
                while True:
                    r = subprocess.run(["git", "-c", "safe.directory=*", "--git-dir", git_dir, "merge-base",
                                        "--is-ancestor", rev, "refs/heads/main"], capture_output=True)
                    if r.returncode == 0:
                        lags.append((time.monotonic() - t0) * 1000)
                        break
                    if time.monotonic() - t0 > 10:
                        lags.append(10_000.0)
                        break
                    time.sleep(0.002)
                time.sleep(0.2)
        finally:
            load.wait(timeout=secs + 60)
            c.close()
        if not lags:
            raise Fatal("no probe measured")
        d = dict(value=median(lags), max_ms=max(lags), probes=len(lags))
        self.check("lag: every probe PUT reached main on disk", max(lags) < 10_000, f"({len(lags)} probes)")
        log(f"  {len(lags)} probes: median {d['value']:.1f} ms, max {d['max_ms']:.1f} ms")
        return d

    def small_get_file(self, t):
        """The 1 KiB file the GET workloads read, PUT once (each server its own)."""
        path = f"{t.path}get-small.bin"
        if (t.key, path) not in self.small_get_files:
            c = t.conn()
            st = c.request("PUT", path, body_for(path), {"Content-Type": "application/octet-stream"})[0]
            c.close()
            if not 200 <= st < 300:
                raise Fatal(f"PUT {path} answered {st}")
            self.small_get_files.add((t.key, path))
        return path

    def wrk_get(self, t, path, conns, secs, label):
        """GETs of `path` with wrk on `conns` connections for `secs` s: the figures, every answer checked 2xx."""
        auth = ["-H", f"Authorization: Basic {t.auth_b64}"] if t.auth_b64 else []
        r = run(["wrk", f"-t{min(conns, 2)}", f"-c{conns}", f"-d{secs}s", "--timeout", "10s", "--latency"] + auth
                + [t.url(path)], secs + 60)
        d = parse_wrk(r.stdout)
        if r.returncode != 0 or d.get("wrk_req_per_s") is None:
            raise Fatal(f"wrk exit {r.returncode}: {r.stdout[-800:]} {r.stderr[-800:]}")
        d["value"] = d["wrk_req_per_s"]
        self.check(f"{label} {t.name}: every GET 2xx", d["non2xx"] == 0 and d.get("requests", 0) > 0,
                   f"({d.get('requests')} GETs, {d['non2xx']} non-2xx, socket errors: {d['socket_errors'] or 'none'})")
        log(f"  {d['value']:.0f} GET/s, p50 {d.get('p50_ms', 0):.2f} ms, p99 {d.get('p99_ms', 0):.2f} ms")
        return d

    def get_small(self, t, conns=4):
        path = self.small_get_file(t)
        self.settle()
        secs = self.p["get_secs"]
        # Unmeasured warm-up, the same for every server: no request before this step took the GET path, and
        # a JVM's first seconds on it are compile time (Davit measured 6,400/s in its first second, 20,000+ after).
        warm = max(1, min(2, secs // 5))
        self.wrk_get(t, path, conns, warm, "get warm-up")
        return self.wrk_get(t, path, conns, secs, f"get {conns}c")

    def get_after_writes(self, t):
        """Issue 16: GETs (4 connections) right after a burst of 16-connection PUTs ends, with no pause: what the
        server still does for those writes (Davit: packing them, the collector) is part of what readers see."""
        path = self.small_get_file(t)
        self.settle()
        folder = f"{t.path}burst/"
        self.mkcol(t, folder)
        secs = self.p["burst_secs"]
        r = run(["wrk", "-t2", "-c16", f"-d{secs}s", "--timeout", "30s", "-s", LUA_PUT, t.url(folder), "--", "1024",
                 t.auth_b64 or ""], secs + 90)
        w = parse_wrk(r.stdout)
        if r.returncode != 0 or not w.get("ok") or w.get("bad"):
            raise Fatal(f"the burst of PUTs: wrk exit {r.returncode}, {w.get('ok')} 2xx, {w.get('bad')} other")
        d = self.wrk_get(t, path, 4, self.p["get_secs"], "get after PUTs")
        d["burst_puts"] = w["ok"]
        return d

    def get_fresh(self, t, conns):
        """Issue 16: GETs on `conns` connections from a Davit started afresh (the JVM's compile time is part of
        what the first users see), measured after fresh_warm_secs of unmeasured GETs; compared with mod_dav_fs's
        figure at the same connection count (Apache is the same fresh or not)."""
        path = self.small_get_file(t)
        if self.heap:
            self.heap.stop()
            self.heap = None
        stop_process(self.davit, "Davit")
        self.start_davit(f"davit-fresh-c{conns}.log")
        t.port = self.davit_port
        warm = self.p["fresh_warm_secs"]
        self.wrk_get(t, path, conns, warm, f"fresh get {conns}c warm-up")
        d = self.wrk_get(t, path, conns, self.p["get_secs"], f"fresh get {conns}c")
        d["warm_s"] = warm
        return d

    def make_davit_folder(self, t, folder, n):
        """A folder of n 1 KiB files made by PUTs on 4 connections (each PUT one commit)."""
        self.mkcol(t, folder)
        bad = []
        t0 = time.time()

        deadline = time.time() + (120 if not self.smoke else 30)

        def worker(k):
            cc = t.conn()
            for i in range(k, n, 4):
                if time.time() > deadline:
                    bad.append("time limit")
                    break
                path = f"{folder}f{i:05d}.bin"
                s = cc.request("PUT", path, body_for(path), {"Content-Type": "application/octet-stream"})[0]
                if not 200 <= s < 300:
                    bad.append(s)
            cc.close()
        ths = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        if bad:
            raise Fatal(f"{len(bad)} PUTs into {folder} failed: {sorted(set(bad))}")
        log(f"  {folder}: {n} files by PUT (4 connections) in {time.time() - t0:.1f} s")
        return dict(files=n, seconds=round(time.time() - t0, 2))

    def propfind(self, t, n, folder, reps, first_note=""):
        c = t.conn()
        out = {}
        for depth in ("1", "infinity"):
            self.settle()
            times, sizes, counts = [], [], []
            first = None
            for i in range(reps + 1):
                st, dt, data = c.request("PROPFIND", folder, PROPFIND_BODY,
                                         {"Depth": depth, "Content-Type": "application/xml; charset=utf-8"})
                if st != 207 and i == 0 and depth == "infinity" and t.key in PEERS and st in (400, 403, 501):
                    break          # a peer that refuses Depth: infinity gets "n/a" and the reason
                if st != 207:
                    raise Fatal(f"PROPFIND Depth {depth} {folder} answered {st}")
                if i == 0:
                    first = dt     # the first one warms caches (and opens the repository): not counted
                    counts.append(len(RESPONSE_RE.findall(data)))
                    ok_props = all(f"{prop}>".encode() in data for prop in ("getlastmodified", "getetag")
                                   if prop != NO_PROP.get(t.key, ("",))[0])
                    continue
                times.append(dt)
                sizes.append(len(data))
            if not times:
                out[depth] = dict(value=None, na=f"answers {st} to PROPFIND Depth: {depth}")
                log(f"  Depth {depth}: n/a ({out[depth]['na']})")
                continue
            counts.append(len(RESPONSE_RE.findall(data)))
            props = "the two properties" if t.key not in NO_PROP else f"getlastmodified (no {NO_PROP[t.key][0]})"
            self.check(f"propfind {t.name} Depth {depth} {n} files: {n + 1} responses with {props}",
                       all(x == n + 1 for x in counts) and ok_props, f"({counts})")
            out[depth] = dict(value=median(times) * 1e3, min_ms=min(times) * 1e3, max_ms=max(times) * 1e3,
                              first_ms=first * 1e3, reps=len(times), bytes=median(sizes), responses=counts[-1])
            log(f"  Depth {depth}, {n} files: median {out[depth]['value']:.1f} ms (first {first * 1e3:.1f} ms"
                f"{first_note}), {out[depth]['bytes'] / 1e6:.2f} MB")
            first_note = ""   # only the very first request opens the repository
        c.close()
        return out

    def propfind_all(self):
        p = self.p
        small, large = p["pf_sizes"]
        fs_t, dv_t = self.targets_by_key.get(FS), self.targets_by_key.get(DAVIT)
        plain = [t for t in [fs_t] + [self.targets_by_key.get(k) for k in PEERS] if t]
        for idx, n in enumerate((small, large)):
            reps = p["pf_reps"][idx]
            for t in plain:
                r = self.step(f"propfind{n}", t.key, self.propfind, t, n, f"/dav/pf{n}/", reps, sel="propfind")
                if r:
                    for depth in r:
                        self.record(f"propfind{n}_d{depth}", t.key, r[depth])
            if dv_t:
                if idx == 0:
                    folder = f"{dv_t.path}pf{n}/"
                    ok = self.step(f"propfind{n}_make", DAVIT, self.make_davit_folder, dv_t, folder, n,
                                   sel="propfind")
                    note = ""
                else:
                    folder = f"/dav/demo/propfind/pf{n}/"
                    ok = True
                    note = ", opens the fast-imported repository"
                if ok:
                    r = self.step(f"propfind{n}", DAVIT, self.propfind, dv_t, n, folder, reps, note, sel="propfind")
                    if r:
                        for depth in r:
                            self.record(f"propfind{n}_d{depth}", DAVIT, r[depth])

    def big(self, t):
        p = self.p
        path = f"{t.path}big.bin"
        url = t.url(path)
        fmt = "%{http_code} %{time_total} %{size_upload} %{size_download}"
        tmo = str(p["big_timeout"])
        self.settle()
        mon = self.heap if t.key == DAVIT else None
        if mon:
            t0, g0 = time.monotonic(), mon.gc_mark()
        r = run(["curl", "-sS", "-o", "/dev/null", "-H", "Expect:", "-H", "Content-Type: application/octet-stream",
                 "--max-time", tmo, "-T", self.big_file, "-w", fmt] + t.curl_auth() + [url], p["big_timeout"] + 30)
        if mon:
            t1, g1 = time.monotonic(), mon.gc_mark()
        f = r.stdout.split()
        if r.returncode != 0 or len(f) != 4:
            raise Fatal(f"curl PUT exit {r.returncode}: {r.stderr[-300:]}")
        code, secs, up = int(f[0]), float(f[1]), float(f[2])
        out = dict(put=dict(http=code, s=secs, MBps=up / secs / 1e6))
        self.check(f"big {t.name}: PUT of {p['big_mb']} MiB answered 2xx", 200 <= code < 300 and up == os.path.getsize(self.big_file),
                   f"({code}, {up:.0f} bytes sent in {secs:.2f} s)")
        self.settle()
        if mon:
            t2, g2 = time.monotonic(), mon.gc_mark()
        r = run(["curl", "-sS", "-o", "/dev/null", "--max-time", tmo, "-w", fmt] + t.curl_auth() + [url],
                p["big_timeout"] + 30)
        f = r.stdout.split()
        if r.returncode != 0 or len(f) != 4:
            raise Fatal(f"curl GET exit {r.returncode}: {r.stderr[-300:]}")
        code, secs, down = int(f[0]), float(f[1]), float(f[3])
        out["get"] = dict(http=code, s=secs, MBps=down / secs / 1e6)
        # correctness: a second GET through sha256 (not timed)
        proc = subprocess.Popen(["curl", "-sS", "--max-time", tmo] + t.curl_auth() + [url], stdout=subprocess.PIPE)
        h, size = hashlib.sha256(), 0
        try:
            while True:
                b = proc.stdout.read(1 << 20)
                if not b:
                    break
                h.update(b)
                size += len(b)
        finally:
            proc.stdout.close()
            proc.wait(p["big_timeout"] + 30)
        if mon:
            t3, g3 = time.monotonic(), mon.gc_mark()   # the heap window spans both GETs
        out["get_sha256_ok"] = h.hexdigest() == self.big_sha
        self.check(f"big {t.name}: GET answered 2xx with the same bytes (sha256)",
                   200 <= code < 300 and out["get_sha256_ok"] and size == os.path.getsize(self.big_file),
                   f"({code}, {size} bytes, sha256 {'equal' if out['get_sha256_ok'] else 'DIFFERENT'})")
        if mon:
            out["heap_put"] = mon.window(t0, t1, g0, g1)
            out["heap_get"] = mon.window(t2, t3, g2, g3)
            peaks = [w["peak_used_mb"] for w in (out["heap_put"], out["heap_get"]) if w["peak_used_mb"] is not None]
            out["heap_peak_mb"] = max(peaks) if peaks else None
            lives = [w["gc_max_after_mb"] for w in (out["heap_put"], out["heap_get"]) if w["gc_max_after_mb"] is not None]
            out["heap_live_max_mb"] = max(lives) if lives else None
            self.check("big Davit: still healthy after the large PUT/GET",
                       self.davit.poll() is None and Conn(self.davit_port).request("GET", "/healthz")[0] == 200)
        log(f"  PUT {out['put']['MBps']:.0f} MB/s, GET {out['get']['MBps']:.0f} MB/s"
            + (f", heap peak {out['heap_peak_mb'] or 0:.0f} MB" if mon else ""))
        return out

    def growth(self, t):
        p = self.p
        repos = self.growth_repos
        conns, lat, ok = {}, {}, {}
        out = dict(build_s=self.growth_build)
        for k, label, repo, _ in repos:
            c = Conn(t.port, t.auth_b64)
            base = f"/dav/demo/{repo}/"
            st, dt, _ = c.request("PROPFIND", base, LIST_BODY, {"Depth": "0", "Content-Type": "application/xml"})
            if st != 207:
                raise Fatal(f"PROPFIND {base} answered {st}")
            out.setdefault("first_request_ms", {})[k] = round(dt * 1e3, 1)
            st = c.request("MKCOL", base + "put/")[0]
            if st != 201:
                raise Fatal(f"MKCOL {base}put/ answered {st}")
            for i in range(p["growth_warmup"]):
                path = f"{base}put/w{i:03d}.bin"
                c.request("PUT", path, body_for(path), {"Content-Type": "application/octet-stream"})
            conns[k], lat[k], ok[k] = c, [], 0
            log(f"  demo/{repo} ({label}): first request {dt * 1e3:.0f} ms")
        self.settle()
        per_round = max(1, p["growth_puts"] // p["growth_rounds"])
        commits0 = {k: self.davit_commits(repo) for k, _, repo, _ in repos}
        deadline = time.time() + p["growth_secs"]
        for rnd in range(p["growth_rounds"]):   # interleaved, so drift hits all three alike
            if time.time() > deadline:
                out["stopped_early"] = f"after {rnd} of {p['growth_rounds']} rounds ({p['growth_secs']} s)"
                log(f"  growth: time limit of {p['growth_secs']} s reached after {rnd} rounds")
                break
            for k, label, repo, _ in repos:
                c = conns[k]
                for i in range(per_round):
                    path = f"/dav/demo/{repo}/put/r{rnd}-{i:04d}.bin"
                    st, dt, _ = c.request("PUT", path, body_for(path), {"Content-Type": "application/octet-stream"})
                    lat[k].append(dt)
                    ok[k] += 200 <= st < 300
        for k, label, repo, _ in repos:
            conns[k].close()
            n = len(lat[k])
            listed = count_members(t, f"/dav/demo/{repo}/put/")
            delta = self.davit_commits(repo) - commits0[k]
            self.check(f"growth {label}: every PUT 2xx, listed, one commit each",
                       ok[k] == n and listed == n + p["growth_warmup"] and delta == n,
                       f"({ok[k]}/{n} 2xx, {listed} listed, {delta} commits)")
            out[k] = dict(label=label, repo=f"demo/{repo}", puts=n, median_ms=median(lat[k]) * 1e3,
                          p90_ms=pct(lat[k], 90) * 1e3, mean_ms=statistics.mean(lat[k]) * 1e3)
            log(f"  {label}: median {out[k]['median_ms']:.2f} ms, p90 {out[k]['p90_ms']:.2f} ms over {n} PUTs")
        out["ratio_b_a"] = out["b"]["median_ms"] / out["a"]["median_ms"]
        out["ratio_c_a"] = out["c"]["median_ms"] / out["a"]["median_ms"]
        log(f"  ratios: b/a {out['ratio_b_a']:.2f}, c/a {out['ratio_c_a']:.2f}")
        # The first request above opened repositories Davit had never served (made by fast-import): their
        # last-modified index was built from the whole history. A user reopens a drive Davit served before:
        # restart Davit (TERM: it saves what it keeps) and time the first request of each repository again.
        if self.heap:
            self.heap.stop()
            self.heap = None
        stop_process(self.davit, "Davit")
        self.start_davit("davit-restart.log")
        t.port = self.davit_port
        for k, label, repo, _ in repos:
            c = Conn(t.port, t.auth_b64)
            st, dt, _ = c.request("PROPFIND", f"/dav/demo/{repo}/", LIST_BODY,
                                  {"Depth": "0", "Content-Type": "application/xml"})
            c.close()
            self.check(f"growth {label}: PROPFIND after a restart answered 207", st == 207, f"({st})")
            out.setdefault("reopen_first_ms", {})[k] = round(dt * 1e3, 1)
            log(f"  demo/{repo} ({label}): first request after a restart {dt * 1e3:.0f} ms")
        return out

    # ---------------------------------------------------------------- the run

    def run(self):
        args = self.args
        self.selected = set(args.only.split(",")) if args.only else {"put_seq", "put_wrk", "lag", "cluster", "get",
                                                                      "propfind", "big", "growth"}
        self.servers = set(args.servers.split(","))
        self.work = tempfile.mkdtemp(prefix="davit-bench.", dir=args.tmp)
        os.chmod(self.work, 0o755)   # Apache's workers (www-data) must reach their dirs in here
        self.machine_info()
        self.print_header()
        if FS in self.servers or SVN in self.servers:
            self.start_apache()
        if DAVIT in self.servers:
            self.start_davit()
        tg = {}
        if FS in self.servers:
            tg[FS] = Target(FS, self.apache_port, "/dav/")
        if SVN in self.servers:
            tg[SVN] = Target(SVN, self.apache_port, "/svn/", "bench", "bench")
        if DAVIT in self.servers:
            tg[DAVIT] = Target(DAVIT, self.davit_port, "/dav/demo/sample/", "demo", "demo")
        self.make_peer_folders()
        self.targets_by_key = tg
        self.prepare()
        self.start_peers()
        for k in PEERS:
            if k in self.servers:
                tg[k] = Target(k, self.peer_ports[k], "/dav/")
        order = [k for k in (FS, SVN, DAVIT) + PEERS if k in tg]
        if self.heap:
            self.heap.start()
        runs = {k: [] for k in order}
        for rep in range(1, self.p["seq_reps"] + 1):   # reps interleaved: drift hits all servers alike
            for k in order:
                r = self.step("put_seq_rep", k, self.put_seq, tg[k], rep, sel="put_seq")
                if r:
                    runs[k].append(r)
        self.results.pop("put_seq_rep", None)
        for k, rs in runs.items():
            if rs:
                self.record("put_seq", k, dict(runs=rs, value=median([r["req_per_s"] for r in rs]),
                                               median_ms=median([r["median_ms"] for r in rs])))
        for conns in self.p["put_conns"]:
            for k in order:
                self.step(f"put_wrk{conns}", k, self.put_wrk, tg[k], conns, sel="put_wrk")
        if DAVIT in tg:
            self.step("lag", DAVIT, self.lag, tg[DAVIT])
            self.step("cluster", DAVIT, self.cluster, tg[DAVIT])
        for conns in self.p["get_conns"]:
            for k in (FS, DAVIT) + PEERS:
                if k in tg:
                    self.step("get" if conns == 4 else f"get{conns}", k, self.get_small, tg[k], conns, sel="get")
        for k in (FS, DAVIT):
            if k in tg:
                self.step("get_after_put", k, self.get_after_writes, tg[k], sel="get")
        if "propfind" in self.selected:
            self.propfind_all()
        for k in order:
            self.step("big", k, self.big, tg[k])
        if DAVIT in tg:
            self.step("growth", DAVIT, self.growth, tg[DAVIT])
            for conns in self.p["get_conns"]:   # last: each restarts Davit
                self.step(f"get_fresh{conns}", DAVIT, self.get_fresh, tg[DAVIT], conns, sel="get")

    def cleanup(self):
        if self.davit is not None and self.davit.poll() is not None:
            self.errors.append(f"Davit exited during the run (exit {self.davit.returncode}); "
                               f"see davit.log in the results")
        if self.apache is not None and self.apache.poll() is not None:
            self.errors.append(f"Apache exited during the run (exit {self.apache.returncode})")
        if self.work and os.path.isdir(self.work):
            try:
                self.info["fdatasync_median_ms_end"] = self.fsync_probe()
            except OSError:
                pass
        if self.heap:
            self.heap.stop()
        stop_process(self.davit, "Davit")
        stop_process(self.apache, "Apache")
        for name, proc in reversed(self.peer_procs):
            if proc.poll() is not None and proc.returncode not in (0, -signal.SIGTERM):
                self.errors.append(f"{name} exited during the run (exit {proc.returncode})")
            stop_process(proc, name)
        for f in self.peer_logs:
            f.close()
        if self.work and os.path.isdir(self.work):
            if self.args.results:
                # Every Davit start's log and GC log (davit.log, davit-gc.log, davit-restart.log, davit-fresh-c4.log, ...)
                # and the cluster nodes' (cluster-n1.log, cluster-tls-n1.log, ...)
                davit_logs = [(os.path.join(self.work, n), n) for n in sorted(os.listdir(self.work))
                              if (n.startswith("davit") and ".log" in n) or (n.startswith("cluster") and n.endswith(".log"))]
                for src, dst in davit_logs + [
                                 (os.path.join(self.work, "apache", "logs", "error.log"), "apache-error.log"),
                                 (os.path.join(self.work, SABRE, "logs", "apache-error.log"), "sabre-apache-error.log"),
                                 (os.path.join(self.work, SABRE, "logs", "php-fpm.log"), "sabre-php-fpm.log"),
                                 (os.path.join(self.work, SABRE, "logs", "php-errors.log"), "sabre-php-errors.log"),
                                 (os.path.join(self.work, RCLONE, "logs", "rclone.log"), "rclone.log"),
                                 (os.path.join(self.work, NGINX, "logs", "error.log"), "nginx-error.log")]:
                    if src and os.path.exists(src):
                        shutil.copy(src, os.path.join(self.args.results, dst))
            if self.args.keep:
                log(f"kept {self.work}")
            else:
                shutil.rmtree(self.work, ignore_errors=True)

    # ---------------------------------------------------------------- report

    def print_header(self):
        i = self.info
        lines = [f"# Davit benchmark ({i['mode']} run), {i['date']}", "",
                 f"- machine: {i['nproc']} cores ({i['cpu']}), {i['memory']} RAM, kernel {i['kernel']}, {i['os']}",
                 f"- java: {' / '.join(i['java'][:3])}",
                 f"- {i['apache']}; svn {i['svn']}; {i['wrk']}; {i['curl'].split(' (')[0]}; {i['git']}; "
                 f"Python {i['python']}",
                 f"- Davit jar: {i['jar']}; this checkout: {i['repo_head']}",
                 f"- work dir on {i['workdir_fs']}; fdatasync of 1 KiB: median {i['fdatasync_median_ms']} ms; "
                 f"load average at start {i['loadavg_start']} (other processes skew the figures)", ""]
        peers = [k for k in PEERS if k in self.servers]
        if peers:
            lines.insert(-1, "- peers: " + "; ".join(i["peers"][k] for k in peers))
        self.header = "\n".join(lines)
        print(self.header, flush=True)

    def rows(self):
        p = self.p
        R = self.results
        small, large = p["pf_sizes"]

        def v(w, k):
            x = R.get(w, {}).get(k)
            return x.get("value") if isinstance(x, dict) else None
        rows = []

        def put_targets(min_fs):
            def f(d, fs, svn):
                if d is None:
                    return None
                res = []
                if svn:
                    res.append(d / svn >= 20)
                if fs:
                    res.append(d / fs >= min_fs)
                return all(res) if res else None
            return f
        rows.append(("PUT 1 KiB, sequential, 1 connection (keep-alive), /s", "put_seq", "rate",
                     "≥20x svn, ≥0.5x fs", put_targets(0.5)))
        for conns in p["put_conns"]:
            tgt = "≥20x svn, ≥0.5x fs" if conns == 1 else "≥20x svn, ≥1.0x fs"
            rows.append((f"PUT 1 KiB, wrk {conns} connection{'s' if conns > 1 else ''}, /s", f"put_wrk{conns}", "rate",
                         tgt, put_targets(0.5 if conns == 1 else 1.0)))
        lag = (R.get("lag") or {}).get(DAVIT)
        rows.append(("Disk lag under 16-connection PUT load: 2xx until `git rev-parse main` outside shows it, "
                     "median / max ms", "lag", "lag", "max ≤ 1,000 ms", lambda d, fs, svn: None if not lag else lag["max_ms"] <= 1000))
        get_target = lambda d, fs, svn: None if d is None or not fs else d / fs >= 1.0  # noqa: E731
        rows.append(("GET 1 KiB file, wrk 4 connections, /s", "get", "rate", "≥1.0x fs", get_target))
        if 16 in p["get_conns"]:
            rows.append(("GET 1 KiB file, wrk 16 connections, /s", "get16", "rate", "≥1.0x fs", get_target))
        rows.append((f"GET 1 KiB file, 4 connections, right after {p['burst_secs']} s of 16-connection PUTs, /s",
                     "get_after_put", "rate", "≥1.0x fs", get_target))
        for conns in p["get_conns"]:
            rows.append((f"GET 1 KiB file, {conns} connections, Davit started afresh, after {p['fresh_warm_secs']} s "
                         f"of GETs (mod_dav_fs: its {conns}-connection row), /s", f"get_fresh{conns}", "rate",
                         "≥1.0x fs", get_target))
        rows.append((f"PROPFIND Depth 1, {small:,} files, ms", f"propfind{small}_d1", "ms", "≤1.0x fs (no slower)",
                     lambda d, fs, svn: None if d is None or not fs else d / fs <= 1.0))
        rows.append((f"PROPFIND Depth infinity, {small:,} files, ms", f"propfind{small}_dinfinity", "ms", "–", None))
        rows.append((f"PROPFIND Depth 1, {large:,} files, ms", f"propfind{large}_d1", "ms", "< 150 ms",
                     lambda d, fs, svn: None if d is None else d < 150))
        rows.append((f"PROPFIND Depth infinity, {large:,} files, ms", f"propfind{large}_dinfinity", "ms", "–", None))
        # The fresh-server rows compare with mod_dav_fs's figure at the same connection count (Apache is the same
        # fresh or not; only Davit is restarted).
        fs_from = {f"get_fresh{c}": ("get" if c == 4 else f"get{c}") for c in p["get_conns"]}
        out = []
        for label, w, kind, tgt, fn in rows:
            d, fs, svn = v(w, DAVIT), v(fs_from.get(w, w), FS), v(w, SVN)
            met = fn(d, fs, svn) if fn else None
            out.append((label, w, kind, d, fs, svn, tgt, met))
        # big file
        big = R.get("big", {})
        bd, bf, bs = (big.get(k, {}).get("put", {}).get("MBps") for k in (DAVIT, FS, SVN))
        mb = p["big_mb"]
        size = f"{mb // 1024} GiB" if mb >= 1024 else f"{mb} MiB"
        out.append((f"PUT {size} file (curl), MB/s", "big_put", "MBps", bd, bf, bs, "≥0.5x fs (-Xmx256m)",
                    None if bd is None or not bf else bd / bf >= 0.5))
        gd, gf, gs = (big.get(k, {}).get("get", {}).get("MBps") for k in (DAVIT, FS, SVN))
        out.append((f"GET {size} file (curl, to /dev/null), MB/s", "big_get", "MBps", gd, gf, gs, "–", None))
        dv = big.get(DAVIT, {})
        hp = dv.get("heap_peak_mb")
        out.append(("Davit heap peak during the PUT and GET, MB (max left after a GC)", "heap", "heap",
                    (hp, dv.get("heap_live_max_mb")), None, None, "≤ 256 (-Xmx256m), sha256 equal",
                    None if hp is None else (hp <= 256 and dv.get("get_sha256_ok", False))))
        g = R.get("growth", {}).get(DAVIT)
        if g:
            out.append((f"PUT 1 KiB latency, repository of 100 files, median ms", "growth_a", "growth",
                        (g["a"]["median_ms"], None), None, None, "(baseline a)", None))
            out.append((f"PUT 1 KiB latency, repository of {p['growth_files']:,} files, median ms", "growth_b",
                        "growth", (g["b"]["median_ms"], g["ratio_b_a"]), None, None, "b/a ≤ 1.5x",
                        g["ratio_b_a"] <= 1.5))
            out.append((f"PUT 1 KiB latency, repository after {p['growth_commits']:,} commits, median ms",
                        "growth_c", "growth", (g["c"]["median_ms"], g["ratio_c_a"]), None, None, "c/a ≤ 1.5x",
                        g["ratio_c_a"] <= 1.5))
            ro = g.get("reopen_first_ms", {}).get("c")
            out.append((f"First request after a restart, repository of {p['growth_commits']:,} commits, ms "
                        f"(never opened before: {g['first_request_ms']['c']:,.0f})", "growth_open", "ms", ro,
                        None, None, "< 200 ms", None if ro is None else ro < 200))
        else:
            for lbl in ("100 files", f"{p['growth_files']:,} files", f"after {p['growth_commits']:,} commits"):
                out.append((f"PUT 1 KiB latency, repository {lbl}, median ms", "growth", "growth", None, None,
                            None, "≤ 1.5x of 100 files", None))
        return out

    def table(self):
        def fmt(x, kind):
            if x is None:
                return "–"
            if kind == "rate" or kind == "MBps":
                return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"
            if kind == "ms":
                return f"{x:.1f}" if x >= 10 else f"{x:.2f}"
            return str(x)

        def ratio(a, b):
            return "–" if a is None or not b else f"{a / b:.2f}x"
        lines = ["| workload | Davit | mod_dav_fs | mod_dav_svn | Davit/mod_dav_fs | Davit/mod_dav_svn | target | met? |",
                 "|---|---:|---:|---:|---:|---:|---|---|"]
        n_met = n_tgt = 0
        for label, w, kind, d, fs, svn, tgt, met in self.rows():
            if kind == "heap":
                dtxt = "–" if d[0] is None else f"{d[0]:.0f}" + (f" ({d[1]:.0f})" if d[1] is not None else "")
                rf = rs = "–"
            elif kind == "lag":
                lg = (self.results.get("lag") or {}).get(DAVIT)
                dtxt = "–" if not lg else f"{lg['value']:.0f} / {lg['max_ms']:.0f}"
                rf = rs = "–"
            elif kind == "growth":
                dtxt = "–" if d is None else f"{d[0]:.2f}" + (f" ({d[1]:.2f}x)" if d[1] is not None else "")
                rf = rs = "–"
            else:
                dtxt = fmt(d, kind)
                rf, rs = ratio(d, fs), ratio(d, svn)
            m = "–" if met is None else ("yes" if met else "**no**")
            if met is not None:
                n_tgt += 1
                n_met += bool(met)
            lines.append(f"| {label} | {dtxt} | {fmt(fs, kind)} | {fmt(svn, kind)} | {rf} | {rs} | {tgt} | {m} |")
        self.n_met, self.n_tgt = n_met, n_tgt
        return "\n".join(lines)

    def peer_rows(self):
        """The rows of the peers' table: (label, kind, {server key: value or None}, {server key: n/a reason})."""
        p, R = self.p, self.results
        small, large = p["pf_sizes"]
        mb = p["big_mb"]
        size = f"{mb // 1024} GiB" if mb >= 1024 else f"{mb} MiB"
        keys = (DAVIT, FS) + PEERS
        rows = [("PUT 1 KiB, sequential, 1 connection, /s", "rate", "put_seq", None)]
        rows += [(f"PUT 1 KiB, wrk {c} connection{'s' if c > 1 else ''}, /s", "rate", f"put_wrk{c}", None)
                 for c in p["put_conns"]]
        rows.append(("GET 1 KiB file, wrk 4 connections, /s", "rate", "get", None))
        if 16 in p["get_conns"]:
            rows.append(("GET 1 KiB file, wrk 16 connections, /s", "rate", "get16", None))
        for n in (small, large):
            for depth in ("1", "infinity"):
                rows.append((f"PROPFIND Depth {depth}, {n:,} files, ms", "ms", f"propfind{n}_d{depth}", None))
        rows.append((f"PUT {size} file (curl), MB/s", "MBps", "big", "put"))
        rows.append((f"GET {size} file (curl, to /dev/null), MB/s", "MBps", "big", "get"))
        out = []
        for label, kind, w, sub in rows:
            vals, na = {}, {}
            for k in keys:
                x = R.get(w, {}).get(k)
                if isinstance(x, dict) and sub:
                    x = x.get(sub, {}).get("MBps")
                elif isinstance(x, dict):
                    if x.get("na"):
                        na[k] = x["na"]
                    x = x.get("value")
                vals[k] = x
            out.append((label, kind, vals, na))
        return out

    def peer_table(self):
        """Davit beside the servers a user would pick instead (and mod_dav_fs), Davit/peer ratios."""
        peers = [k for k in PEERS if k in self.servers or any(k in v for v in self.results.values())]
        if not peers:
            return ""

        def fmt(x, kind):
            if x is None:
                return "–"
            if kind == "ms":
                return f"{x:.1f}" if x >= 10 else f"{x:.2f}"
            return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"
        cols = [DAVIT, FS] + peers
        lines = ["| workload | " + " | ".join(NAMES[k] for k in cols) + " | "
                 + " | ".join(f"Davit/{NAMES[k]}" for k in peers) + " |",
                 "|---|" + "---:|" * (len(cols) + len(peers))]
        notes = []
        for label, kind, vals, na in self.peer_rows():
            cells = []
            for k in cols:
                if vals.get(k) is None and k in na:
                    cells.append("n/a")
                    note = f"{NAMES[k]} {na[k]}"
                    if note not in notes:
                        notes.append(note)
                else:
                    cells.append(fmt(vals.get(k), kind))
            d = vals.get(DAVIT)
            # two decimals, three below 0.1 (nginx's PUT rates are 100 times Davit's: 0.00x says nothing)
            cells += ["–" if d is None or not vals.get(k) else
                      f"{d / vals[k]:.{2 if d / vals[k] >= 0.1 else 3}f}x" for k in peers]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines += ["", "| server | what runs | fsync before the 2xx |", "|---|---|---|"]
        setup = {DAVIT: "the jar, -Xmx256m, storage.durable=true",
                 FS: self.info.get("apache", "Apache").replace("Server version: ", ""),
                 **self.info.get("peers", {})}
        for k in cols:
            lines.append(f"| {NAMES[k]} | {setup.get(k, '?')} | {FSYNCS[k]} |")
        if notes:
            lines += ["", "n/a: " + "; ".join(notes)]
        for k in cols:
            if k in NO_PROP:
                lines += ["", f"PROPFIND of {NAMES[k]}: {NO_PROP[k][1]}."]
        if self.p["peer_workloads"] is not None:
            lines += ["", "Smoke run: the peers ran " + ", ".join(sorted(self.p["peer_workloads"])) + " only."]
        return "\n".join(lines)

    def details(self):
        R = self.results
        out = []
        ps = R.get("put_seq", {})
        if ps:
            out.append("- sequential PUT median latency (ms): " + ", ".join(
                f"{NAMES[k]} {v['median_ms']:.2f}" for k, v in ps.items()))
        for conns in self.p["put_conns"]:
            w = R.get(f"put_wrk{conns}", {})
            if w:
                out.append(f"- wrk PUT {conns} conn. p50/p99 ms: " + ", ".join(
                    f"{NAMES[k]} {v.get('p50_ms', 0):.2f}/{v.get('p99_ms', 0):.2f}" for k, v in w.items()))
        for w, what in [("get", "4 conn."), ("get16", "16 conn."), ("get_after_put", "4 conn. after PUTs")] + \
                [(f"get_fresh{c}", f"{c} conn., fresh Davit") for c in self.p["get_conns"]]:
            g = R.get(w, {})
            if g:
                out.append(f"- GET {what} p50/p99 ms: " + ", ".join(
                    f"{NAMES[k]} {v.get('p50_ms', 0):.2f}/{v.get('p99_ms', 0):.2f}" for k, v in g.items()))
        for n in self.p["pf_sizes"]:
            for depth in ("1", "infinity"):
                w = R.get(f"propfind{n}_d{depth}", {})
                if w:
                    out.append(f"- PROPFIND Depth {depth}, {n:,} files: " + ", ".join(
                        f"{NAMES[k]} n/a ({v['na']})" if v.get("na") else
                        f"{NAMES[k]} first {v['first_ms']:.1f} ms, median of {v['reps']} {v['value']:.1f} ms, "
                        f"{v['bytes'] / 1e6:.2f} MB" for k, v in w.items()))
        b = R.get("big", {}).get(DAVIT)
        if b and "heap_put" in b:
            for ph in ("put", "get"):
                h = b[f"heap_{ph}"]
                out.append(f"- Davit heap during the big {ph.upper()}: peak used {h['peak_used_mb']} MB "
                           f"(jstat max {h['jstat_max_mb']} MB over {h['jstat_samples']} samples; {h['gc_count']} GCs, "
                           f"max before {h['gc_max_before_mb']} MB, max after {h['gc_max_after_mb']} MB)")
        g = R.get("growth", {}).get(DAVIT)
        if g:
            out.append("- growth repositories (fast-import s): " + ", ".join(f"{k} {v}" for k, v in g["build_s"].items())
                       + "; first request after opening (ms): "
                       + ", ".join(f"{k} {v}" for k, v in g["first_request_ms"].items())
                       + "; after a restart (ms): "
                       + ", ".join(f"{k} {v}" for k, v in g.get("reopen_first_ms", {}).items()))
            out.append("- growth p90 ms: " + ", ".join(f"{g[k]['label']} {g[k]['p90_ms']:.2f}" for k in "abc"))
        return "\n".join(out)

    def cluster_table(self):
        c = (self.results.get("cluster") or {}).get(DAVIT)
        if not c:
            return ""
        lines = ["| workload | 3-node cluster | one node | cluster/one node |", "|---|---:|---:|---:|"]
        for three_key, one_key, how in (("three", "one", ""), ("three_tls", "one_tls", ", nodes with mutual TLS")):
            for conns in (1, 4):
                three, one = (c.get(three_key) or {}).get(conns), (c.get(one_key) or {}).get(conns)
                if not three or not one:
                    continue
                label = "sequential, 1 connection" if conns == 1 else f"{conns} connections"
                ratio = f"{three['value'] / one['value']:.2f}x" if one["value"] else "–"
                lines.append(f"| PUT 1 KiB, {label}{how}, /s | {three['value']:,.0f} | {one['value']:,.0f} | {ratio} |")
        return "\n".join(lines)

    def report(self):
        table = self.table()
        failed = [c for c in self.checks if not c[1]]
        elapsed = time.time() - self.t_start
        peer_table = self.peer_table()
        text = [table, "", f"Targets met: {self.n_met} of {self.n_tgt}. Davit with -Xmx256m and storage.durable=true; "
                           "ratios are Davit/reference (for ms rows lower is better).", ""]
        cluster_table = self.cluster_table()
        if cluster_table:
            text += ["Cluster mode (issue 17): 1 KiB PUTs through the leader of 3 Davit nodes on this machine (every 2xx "
                     "on 2 of 3 disks) vs one node, same client, same run:", "", cluster_table, ""]
        if peer_table:
            text += ["Peers (servers a user would pick instead; ratios Davit/peer, for ms rows lower is better):", "",
                     peer_table, ""]
        text += [
                "Details:", self.details(), "",
                f"Correctness checks: {len(self.checks) - len(failed)} passed, {len(failed)} failed"]
        for name, ok, detail in failed:
            text.append(f"- FAILED: {name} {detail}")
        for e in self.errors:
            text.append(f"- error: {e}")
        self.info["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        text.append(f"\nTotal time: {elapsed:.0f} s; load average at the end {self.info['loadavg_end']}; "
                    f"fdatasync of 1 KiB at the end: median {self.info.get('fdatasync_median_ms_end', '?')} ms")
        body = "\n".join(text)
        print("\n" + body, flush=True)
        if self.args.results:
            os.makedirs(self.args.results, exist_ok=True)
            with open(os.path.join(self.args.results, "table.md"), "w") as f:
                f.write(self.header + "\n" + body + "\n")
            with open(os.path.join(self.args.results, "results.json"), "w") as f:
                json.dump(dict(info=self.info, profile=self.p, results=self.results,
                               table=[dict(zip(("workload", "id", "kind", "davit", "mod_dav_fs", "mod_dav_svn",
                                                "target", "met"), r)) for r in self.rows()],
                               peer_table=[dict(workload=lb, kind=kd, values={NAMES[k]: v for k, v in vs.items()},
                                                na={NAMES[k]: v for k, v in na.items()})
                                           for lb, kd, vs, na in self.peer_rows()],
                               checks=[dict(name=n, ok=o, detail=d) for n, o, d in self.checks],
                               errors=self.errors, elapsed_s=elapsed), f, indent=1, default=str)
            print(f"Results: {self.args.results}/table.md and results.json", flush=True)
        return not failed and not self.errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", default=os.environ.get("DAVIT_JAR") or os.path.join(ROOT, "target", "davit.jar"))
    ap.add_argument("--smoke", action="store_true", default=os.environ.get("BENCH_SMOKE") == "1",
                    help="tiny counts (CI); also BENCH_SMOKE=1")
    ap.add_argument("--results", default=os.environ.get("BENCH_RESULTS"),
                    help="directory for table.md, results.json and logs (default bench/results/<time>)")
    ap.add_argument("--only", default="", help="comma-separated workloads: put_seq,put_wrk,cluster,get,propfind,big,growth")
    ap.add_argument("--servers", default="fs,svn,davit," + ",".join(PEERS),
                    help="comma-separated: fs,svn,davit," + ",".join(PEERS))
    ap.add_argument("--java-opts", default=os.environ.get("BENCH_JAVA_OPTS", ""), help="extra JVM options for Davit")
    ap.add_argument("--tmp", default="/tmp", help="where the work dir is made (its file system is measured)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir")
    ap.add_argument("--require-targets", action="store_true", help="exit 3 when a target is not met")
    args = ap.parse_args()
    prof = dict(PROFILES["smoke" if args.smoke else "full"])
    if not args.results:
        args.results = os.path.join(HERE, "results", time.strftime("%Y%m%d-%H%M%S") + ("-smoke" if args.smoke else ""))
        if os.path.exists(args.results):
            args.results += f"-{os.getpid()}"
    os.makedirs(args.results, exist_ok=True)
    if not os.path.isfile(args.jar):
        sys.exit(f"no jar at {args.jar} (build it: mvn -q -B -DskipTests package, or set DAVIT_JAR)")
    for tool in ("wrk", "curl", "git", "svnadmin", "java"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing (bench/run.sh installs the packages)")

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    b = Bench(args, prof)
    ok = False
    try:
        b.run()
    except Fatal as e:
        b.errors.append(str(e))
        log(f"FATAL: {e}")
    except (SystemExit, KeyboardInterrupt) as e:
        b.errors.append(f"interrupted ({type(e).__name__} {e})")
        log(f"interrupted: {type(e).__name__} {e}")
    finally:
        b.cleanup()
    if b.info:
        ok = b.report()
    if not ok:
        sys.exit(1)
    if args.require_targets and b.n_met < b.n_tgt:
        sys.exit(3)


if __name__ == "__main__":
    main()
