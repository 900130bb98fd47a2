#!/usr/bin/env python3
"""Hostile-load measurement (issue 14): a legitimate client's latency and throughput on the real server,
without and with an attack, in one run, on loopback only. Python 3 standard library only.

Phases (each measured by the same legitimate client: sequential GETs of a small file over one kept-alive
connection from 127.0.0.1, user demo with the real PBKDF2 password of config/davit.properties, its
credentials cached by the server after the first request, as any client with a session):
  base     nothing else running
  guess    200 connections guessing passwords as fast as the server answers (half for the same user demo,
           half for random user names), from 127.0.0.2-5 (50 each), ignoring Retry-After
  slow     2,000 idle connections (from 127.0.1.1-40, 50 each; reopened when the server closes them) and
           200 connections sending a request header one byte a second (127.0.2.1-4; reopened likewise)

Targets (issue 14): with the attack, the legitimate client's p99 within 3x of its base p99 and its
throughput at least 0.5x of its base throughput. The attacking processes run at nice 10, so that on a small
loopback machine the figures measure the server's defences rather than the attacker's own Python taking
the cores the server needs (an attacker across a network costs the server only its answers).
--short (interop/attack.sh, in CI): the same phases in windows of 2.5 s (5 per attack, after 4 s of settling;
base: 2 before the attacks, 1 between, 1 after), medians over the windows, about 65 s; it also checks that the attacks ran (the guessers were
answered, 429 among the answers; at least 95% of the slow connections open while measured).
Exit status: 0 when every phase ran (targets unmet: still 0 unless --require-targets, then 3).
"""
import argparse
import asyncio
import base64
import http.client
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PATH = "/dav/demo/sample/README.md"


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# ---------- the server ----------

def start_server(jar, work, settings=()):
    props = open(os.path.join(ROOT, "config", "davit.properties"), encoding="utf-8").read()
    for kv in settings:  # --set KEY=VALUE: last in the file, so it wins
        props += "\n" + kv + "\n"
    props = re.sub(r"(?m)^server\.port=.*$", "server.port=0", props)
    props = re.sub(r"(?m)^data\.dir=.*$", "data.dir=" + os.path.join(work, "data"), props)
    props = re.sub(r"(?m)^sample\.source=.*$", "sample.source=" + os.path.join(ROOT, "storage-sample"), props)
    cfg = os.path.join(work, "davit.properties")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write(props)
    log = open(os.path.join(work, "davit.log"), "w")
    jvm_options = "@" + os.path.join(ROOT, "config", "jvm.options")  # as the README's server command
    proc = subprocess.Popen(["java", jvm_options, "-Xmx256m", "-jar", jar, "--config", cfg], cwd=work, stdout=log,
                            stderr=subprocess.STDOUT)
    with open(os.path.join(work, "server.pid"), "w") as f:  # for a caller that must clean up after a kill -9
        f.write(f"{proc.pid}\n")
    deadline = time.time() + 60
    while time.time() < deadline:
        with open(os.path.join(work, "davit.log"), encoding="utf-8", errors="replace") as f:
            m = re.search(r"Davit listening on http://127\.0\.0\.1:(\d+)/", f.read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    sys.exit("auth-attack: the server did not start; see " + os.path.join(work, "davit.log"))


# ---------- the legitimate client ----------

def measure(port, seconds):
    """Sequential GETs for `seconds`: latencies (ms), errors."""
    auth = basic("demo", "demo")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lat, errors = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.perf_counter()
        try:
            conn.request("GET", PATH, headers={"Authorization": auth})
            r = conn.getresponse()
            r.read()
            ok = r.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        t1 = time.perf_counter()
        if ok:
            lat.append((t1 - t0) * 1000)
        else:
            errors += 1
    conn.close()
    return lat, errors


def summary(lat, errors, seconds):
    lat = sorted(lat)
    def pct(p):
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] if lat else float("nan")
    return {"requests": len(lat), "errors": errors, "rps": len(lat) / seconds, "p50_ms": pct(50), "p99_ms": pct(99),
            "max_ms": lat[-1] if lat else float("nan")}


# ---------- attackers (separate processes) ----------

async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    h = head.lower()
    m = re.search(rb"\r\ncontent-length:\s*(\d+)", h)
    if m:
        await reader.readexactly(int(m.group(1)))
    elif b"transfer-encoding: chunked" in h:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, b"connection: close" in h


async def guesser(i, port, end, counts):
    src = f"127.0.0.{2 + i % 4}"
    rnd = random.Random(i)
    while time.monotonic() < end.value:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0))
        except OSError:
            counts["refused"] = counts.get("refused", 0) + 1
            await asyncio.sleep(0.05)
            continue
        try:
            while time.monotonic() < end.value:
                user = "demo" if i % 2 == 0 else f"user{rnd.randrange(10**9)}"
                req = (f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       f"Authorization: {basic(user, 'guess%d' % rnd.randrange(10**9))}\r\n\r\n")
                writer.write(req.encode())
                status, close = await asyncio.wait_for(read_response(reader), 60)
                counts[status] = counts.get(status, 0) + 1
                if close:
                    break
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, IndexError):
            counts["dropped"] = counts.get("dropped", 0) + 1
        finally:
            writer.close()


def guess_process(port, n, end, out):
    """No request is started after the shared monotonic time `end`; the last ones are read to their answers."""
    os.nice(10)
    counts = {}

    async def main():
        await asyncio.gather(*(guesser(i, port, end, counts) for i in range(n)))
    asyncio.run(main())
    out.put({str(k): v for k, v in counts.items()})


async def idle_conn(i, port, end, stats, live):
    src = f"127.0.1.{1 + i // 50}"
    while time.monotonic() < end.value:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0))
        except OSError:
            stats["refused"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["opened"] += 1
        with live.get_lock():
            live.value += 1
        try:
            # in slices, so that an end time moved earlier is seen within a second
            while time.monotonic() < end.value:
                try:
                    if await asyncio.wait_for(reader.read(1), min(1.0, max(0.1, end.value - time.monotonic()))) == b"":
                        stats["closed_by_server"] += 1
                        break
                except asyncio.TimeoutError:
                    pass
        except OSError:
            stats["closed_by_server"] += 1
        finally:
            writer.close()
            with live.get_lock():
                live.value -= 1


async def trickle_conn(i, port, end, stats, live):
    src = f"127.0.2.{1 + i // 50}"
    header = b"GET " + PATH.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000
    while time.monotonic() < end.value:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0))
        except OSError:
            stats["refused"] += 1
            await asyncio.sleep(0.5)
            continue
        t0 = time.monotonic()
        stats["opened"] += 1
        with live.get_lock():
            live.value += 1
        closed = False
        try:
            for b in header:
                if time.monotonic() >= end.value:
                    break
                writer.write(bytes([b]))
                await writer.drain()
                try:
                    if await asyncio.wait_for(reader.read(1), 1.0) == b"":
                        closed = True
                        break
                except asyncio.TimeoutError:
                    pass
        except OSError:
            closed = True
        finally:
            writer.close()
            with live.get_lock():
                live.value -= 1
        if closed:
            stats["lifetimes"].append(time.monotonic() - t0)


def slow_process(port, idle, trickle, end, live, out):
    """Until the shared monotonic time `end`; `live` counts the connections open."""
    os.nice(10)
    istats = {"opened": 0, "closed_by_server": 0, "refused": 0}
    tstats = {"opened": 0, "refused": 0, "lifetimes": []}

    async def main():
        await asyncio.gather(*(idle_conn(i, port, end, istats, live) for i in range(idle)),
                             *(trickle_conn(i, port, end, tstats, live) for i in range(trickle)))
    asyncio.run(main())
    lt = sorted(tstats.pop("lifetimes"))
    tstats["closed_by_server"] = len(lt)
    tstats["lifetime_s_min"] = round(lt[0], 1) if lt else None
    tstats["lifetime_s_median"] = round(statistics.median(lt), 1) if lt else None
    tstats["lifetime_s_max"] = round(lt[-1], 1) if lt else None
    out.put({"idle": istats, "trickle": tstats})


# ---------- the run ----------

def run_full(a, port, result):
    """One long window per phase (the README's figures)."""
    measure(port, 10)  # warm-up: JIT, and the server caches the credentials (one PBKDF2 check)
    lat, err = measure(port, a.seconds)
    result["base"] = summary(lat, err, a.seconds)

    q = multiprocessing.Queue()
    warm = 3
    end = multiprocessing.Value("d", time.monotonic() + warm + a.seconds + 1)
    g = multiprocessing.Process(target=guess_process, args=(port, a.attackers, end, q), daemon=True)
    g.start()
    time.sleep(warm)
    lat, err = measure(port, a.seconds)
    result["guess"] = summary(lat, err, a.seconds)
    result["guessers"] = q.get(timeout=120)
    g.join(30)

    q = multiprocessing.Queue()
    warm = 5
    end = multiprocessing.Value("d", time.monotonic() + warm + a.slow_seconds + 1)
    live = multiprocessing.Value("i", 0)
    s = multiprocessing.Process(target=slow_process, args=(port, a.idle, a.trickle, end, live, q), daemon=True)
    s.start()
    time.sleep(warm)
    result["slow_open_at_start"] = live.value
    lat, err = measure(port, a.slow_seconds)
    result["slow"] = summary(lat, err, a.slow_seconds)
    result["slow_senders"] = q.get(timeout=120)
    s.join(30)


def median_of(windows):
    """A phase's figures from its windows: medians of the windows' rates and percentiles (one slow window,
    a burst of other work on a shared machine, moves a median less than a pooled p99), sums of counts."""
    return {"requests": sum(w["requests"] for w in windows), "errors": sum(w["errors"] for w in windows),
            "rps": statistics.median(w["rps"] for w in windows),
            "p50_ms": statistics.median(w["p50_ms"] for w in windows),
            "p99_ms": statistics.median(w["p99_ms"] for w in windows),
            "max_ms": max(w["max_ms"] for w in windows),
            "windows_p99_ms": [round(w["p99_ms"], 2) for w in windows],
            "windows_rps": [round(w["rps"]) for w in windows]}


def run_short(a, port, result):
    """The CI version (interop/attack.sh), about 45 s: the full run's phases in short windows, medians over the
    windows. Base windows come before, between and after the attacks, so that they see the background load
    of the whole run; the one between starts when every guess has been answered, so that no password check
    queued by the guessers still runs in it."""
    w = a.window
    # warm-up: JIT (3 s left the first base windows at half the rate of the last ones on a loaded machine),
    # and the server caches the credentials (one PBKDF2 check)
    measure(port, a.warmup)
    base, guess = [], []
    for r in range(a.rounds - 1):
        lat, err = measure(port, w)
        base.append(summary(lat, err, w))
    q = multiprocessing.Queue()
    end = multiprocessing.Value("d", time.monotonic() + 120)
    g = multiprocessing.Process(target=guess_process, args=(port, a.attackers, end, q), daemon=True)
    g.start()
    # the guessers connect, are limited and held; the server compiles the refusal paths. Measured in CI runs
    # (2026-12-06): with 2 s here the first window under attack had 3-6x the p99 of the next ones, a transient
    # that decided the median of 3 by itself; the target is about an attack going on, not its first seconds
    time.sleep(a.settle)
    for r in range(a.attack_rounds):
        lat, err = measure(port, w)
        guess.append(summary(lat, err, w))
    end.value = time.monotonic()
    t0 = time.monotonic()
    result["guessers"] = q.get(timeout=90)
    g.join(30)
    result["guess_drain_s"] = round(time.monotonic() - t0, 1)
    lat, err = measure(port, w)
    base.append(summary(lat, err, w))

    q = multiprocessing.Queue()
    end = multiprocessing.Value("d", time.monotonic() + 60)
    live = multiprocessing.Value("i", 0)
    s = multiprocessing.Process(target=slow_process, args=(port, a.idle, a.trickle, end, live, q), daemon=True)
    s.start()
    want = a.idle + a.trickle
    deadline = time.monotonic() + 15
    while live.value < 0.98 * want and time.monotonic() < deadline:
        time.sleep(0.1)
    result["slow_ramp_s"] = round(15 - (deadline - time.monotonic()), 1)
    time.sleep(a.settle)  # as for the guessers: the first window after the ramp measured its transient
    slow, opens = [], []
    for r in range(a.attack_rounds):
        opens.append(live.value)
        lat, err = measure(port, w)
        slow.append(summary(lat, err, w))
    opens.append(live.value)
    end.value = time.monotonic()
    result["slow_senders"] = q.get(timeout=60)
    s.join(30)
    result["slow_open"] = opens
    result["slow_open_at_start"] = min(opens)
    lat, err = measure(port, w)  # and one more base window after the slow senders are gone
    base.append(summary(lat, err, w))
    result["base"], result["guess"], result["slow"] = median_of(base), median_of(guess), median_of(slow)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", default=os.path.join(ROOT, "target", "davit.jar"))
    ap.add_argument("--seconds", type=float, default=15, help="measured seconds per phase")
    ap.add_argument("--slow-seconds", type=float, default=25,
                    help="measured seconds with slow senders (longer than the 20 s header deadline)")
    ap.add_argument("--attackers", type=int, default=200)
    ap.add_argument("--idle", type=int, default=2000)
    ap.add_argument("--trickle", type=int, default=200)
    ap.add_argument("--short", action="store_true",
                    help="the CI version (about 45 s): --rounds windows of --window seconds per phase, base windows "
                         "before, between and after the attacks, medians over the windows; the slow senders are measured "
                         "while open, not until the header deadline closes them")
    ap.add_argument("--window", type=float, default=2.5, help="seconds per window (--short)")
    ap.add_argument("--rounds", type=int, default=3, help="base windows before the attacks + 1 (--short)")
    ap.add_argument("--attack-rounds", type=int, default=5,
                    help="windows per attack phase (--short): the median of 5 stands two windows spoiled by other work")
    ap.add_argument("--settle", type=float, default=4,
                    help="seconds between an attack's start and its first window (--short)")
    ap.add_argument("--warmup", type=float, default=8, help="seconds of the client's GETs before any window (--short)")
    ap.add_argument("--require-targets", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--work", help="the server's data and log go here (kept); default a temp dir, removed")
    ap.add_argument("--json", help="write the figures and the checks here")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a server setting over config/davit.properties (e.g. to see the targets missed without the "
                         "defences: --set auth.failures.free=1000000000 --set auth.password.checks.waiting=1000)")
    a = ap.parse_args()
    # a SIGTERM (timeout, an interrupted caller) runs the finally below, which stops the server
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    work = a.work or tempfile.mkdtemp(prefix="davit-auth-attack.")
    os.makedirs(work, exist_ok=True)
    proc, port = start_server(a.jar, work, a.set)
    result = {"port": port, "mode": "short" if a.short else "full"}
    try:
        (run_short if a.short else run_full)(a, port, result)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    log = open(os.path.join(work, "davit.log"), encoding="utf-8", errors="replace").read()
    result["server_log_auth_waits"] = log.count("failed authentications from")
    if not a.keep and not a.work:
        shutil.rmtree(work, ignore_errors=True)

    base = result["base"]
    checks = []
    print(f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; legitimate client: sequential GETs of {PATH}"
          + (f"; medians of {a.attack_rounds} windows of {a.window} s per attack, {a.settle} s after its start (base: {a.rounds + 1})" if a.short else ""))
    print("| phase | requests | errors | req/s | p50 ms | p99 ms | max ms | p99 / base | req/s / base | met? |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, label in (("base", "no attack"), ("guess", f"{a.attackers} connections guessing passwords"),
                        ("slow", f"{a.idle} idle + {a.trickle} trickling connections")):
        r = result[name]
        rp99 = r["p99_ms"] / base["p99_ms"]
        rrps = r["rps"] / base["rps"]
        r["p99_ratio"], r["rps_ratio"] = round(rp99, 3), round(rrps, 3)
        ok = name == "base" or (rp99 <= 3 and rrps >= 0.5 and r["errors"] == 0)
        if name != "base":
            checks.append({"ok": ok, "text": f"{label}: the legitimate client's p99 {r['p99_ms']:.2f} ms is {rp99:.2f}x "
                           f"of {base['p99_ms']:.2f} ms without attack (target <= 3x), req/s {r['rps']:.0f} is {rrps:.2f}x "
                           f"of {base['rps']:.0f} (target >= 0.5x), {r['errors']} failed requests"})
        print(f"| {label} | {r['requests']} | {r['errors']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
              f"| {r['max_ms']:.1f} | {rp99:.2f}x | {rrps:.2f}x | {'' if name == 'base' else ('yes' if ok else 'NO')} |")
        if a.short:
            print(f"|   windows: p99 ms {r['windows_p99_ms']}, req/s {r['windows_rps']} | | | | | | | | | |")
    # The attacks must have happened, or the ratios say nothing.
    g = result["guessers"]
    answered = sum(v for k, v in g.items() if k.isdigit())
    checks.append({"ok": answered >= a.attackers and g.get("429", 0) > 0 and g.get("500", 0) == 0,
                   "text": f"the guessers were answered {answered} times ({g.get('401', 0)} x 401, {g.get('429', 0)} x 429, "
                           f"{g.get('503', 0)} x 503, {g.get('500', 0)} x 500), 429 among them, no 500"})
    want = a.idle + a.trickle
    checks.append({"ok": result["slow_open_at_start"] >= 0.95 * want,
                   "text": f"slow senders open while measured: at least {result['slow_open_at_start']} of {want} "
                           f"(target >= 95%)"})
    print("\nguessers' answers:", json.dumps(result["guessers"], sort_keys=True))
    print("slow senders:", json.dumps(result["slow_senders"], sort_keys=True), "open at the windows' starts:",
          result.get("slow_open", result["slow_open_at_start"]))
    if a.short:
        print(f"the last guesses answered {result['guess_drain_s']} s after the guessers stopped; "
              f"the slow senders' {want} connections open {result['slow_ramp_s']} s after they started")
    print("server log lines 'failed authentications from ...':", result["server_log_auth_waits"])
    met = all(c["ok"] for c in checks)
    result["checks"] = checks
    print("targets (p99 <= 3x, req/s >= 0.5x, no errors; the attacks ran):", "met" if met else "NOT met")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
    if os.environ.get("BENCH_RESULTS"):
        os.makedirs(os.environ["BENCH_RESULTS"], exist_ok=True)
        with open(os.path.join(os.environ["BENCH_RESULTS"], "auth-attack.json"), "w") as f:
            json.dump(result, f, indent=1)
    if a.require_targets and not met:
        sys.exit(3)


if __name__ == "__main__":
    main()
