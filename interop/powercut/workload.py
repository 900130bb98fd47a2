#!/usr/bin/python3
"""The load and the checks of interop/powercut.sh (stdlib only).

  workload.py load   --port P --round N --dir D   concurrent writes until the server is gone; every attempt
                                                   is recorded in D/round-N.json with its answer and times
  workload.py verify --port P --rounds N --dir D  after the cut and the restart: checks the records of
                                                   rounds 1..N against what the restarted server serves

What the load does in round N (paths under pc/rN/, plus pc/shared-*.txt shared by all rounds):
  setup (before the load, acknowledged or the round fails): one REST batch creating big/ (200 files) and
  the files to lock; one git push (clone over /git, commit a file, push).
  then, concurrently until the server dies: WebDAV PUTs of distinct files (some 1.5 MiB, streamed); PUTs
  overwriting the same few shared files; REST PUTs of single files; REST batches creating 5 files each;
  MOVEs of the 200-file folder back and forth (big/ <-> big-moved/); LOCKs of the files set up for it;
  git pushes of new commits (fetch, commit, push; a push that lost the race is refused and recorded so).

What verify checks, for every round so far (a loss found late, by a later restart, counts too):
  - an acknowledged (2xx) write is there with its exact bytes (blob id of the expected bytes, from the
    recursive tree of main over REST; the current round's files also by GET over WebDAV);
  - a write not acknowledged (refused, or cut off by the kill) is absent or complete, never partial;
    a batch is all there or not at all; the folder moved back and forth is whole in exactly one place;
  - a path written by several writers holds the bytes of the last acknowledged write or of a write
    attempted after it (not refused, not older than an acknowledged one);
  - an acknowledged LOCK is still held (its token in lockdiscovery); a refused one is not;
  - an acknowledged push's commit is in main's history and its file is there; a refused push's is not;
  - the server takes a new write.
Prints one line per finding (FAIL: ...) and a tally line; exit 1 when something failed.
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import re
import subprocess
import sys
import threading
import time

USER, PASSWORD = os.environ.get('DAVIT_USER', 'demo'), os.environ.get('DAVIT_PASS', 'demo')
AUTH = 'Basic ' + base64.b64encode(f'{USER}:{PASSWORD}'.encode()).decode()
DAV = '/dav/demo/sample/'
API = '/api/repos/demo/sample'
BIG_FILES = 200
SHARED = 3


def blob_id(data):
    return hashlib.sha1(b'blob %d\0' % len(data) + data).hexdigest()


def content(name, size):
    """Known bytes for a name: the name on every line, so a cut or a mix-up shows."""
    line = (name + ' ').encode()
    reps = size // len(line) + 1
    return (line * reps)[:size - 1] + b'\n'


class Client:
    """One keep-alive connection; any transport error answers status 0 (the server is gone)."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, body=None, headers=None, timeout=60):
        h = {'Authorization': AUTH}
        h.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader('Connection', '').lower() == 'close':
                    self.conn.close()
                    self.conn = None
                return r.status, data, r
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                # a kept-alive connection the server closed meanwhile: retry once on a fresh one, but
                # only if nothing could have reached the server (a refused connect is final)
                if attempt == 2 or method not in ('GET', 'PROPFIND'):
                    return 0, b'', None
        return 0, b'', None


def quote(path):
    from urllib.parse import quote as q
    return q(path)


# ---------------------------------------------------------------------------------------------- load

class Load:
    def __init__(self, port, rnd, out, git_dir):
        self.port = port
        self.r = rnd
        self.out = out
        self.git_dir = git_dir
        self.records = []
        self.mu = threading.Lock()
        self.gone = threading.Event()
        self.acks = 0
        self.base = f'pc/r{rnd}/'

    def record(self, rec):
        with self.mu:
            self.records.append(rec)
            if 200 <= rec['status'] < 300:
                self.acks += 1

    def attempt(self, client, kind, method, url, body=None, headers=None, **extra):
        t0 = time.monotonic()
        status, data, resp = client.request(method, url, body, headers)
        rec = dict(kind=kind, status=status, start=t0, end=time.monotonic(), **extra)
        if resp is not None and resp.getheader('X-Revision'):
            rec['revision'] = resp.getheader('X-Revision')  # the commit the write made
        if status == 0:
            rec['end'] = None  # no answer: it may have taken effect at any time until the cut
        self.record(rec)
        return status, data, resp, rec

    def loop(self, fn):
        """Runs fn(i) until the server stops answering (two transport failures in a row)."""
        misses, i = 0, 0
        try:
            while not self.gone.is_set() and misses < 2:
                i += 1
                if fn(i) == 0:
                    misses += 1
                else:
                    misses = 0
        except Exception as e:  # a fault of the load itself: say so, the round fails
            print(f'FAIL: round {self.r}: load thread {threading.current_thread().name}: {type(e).__name__}: {e}')
        self.gone.set()

    def put_distinct(self, w):
        c = Client(self.port)

        def one(i):
            path = f'{self.base}w{w}-{i}.txt'
            size = (1536 << 10) if i % 15 == 0 else 1024 + (i * 977 + w * 131) % 30000
            data = content(path, size)
            return self.attempt(c, 'file', 'PUT', DAV + path, data, path=path, blob=blob_id(data))[0]
        self.loop(one)

    def put_shared(self, w):
        c = Client(self.port)

        def one(i):
            k = (i + w) % SHARED
            path = f'pc/shared-{k}.txt'
            data = content(f'{path} round {self.r} writer {w} version {i}', 2000 + 37 * i % 500)
            return self.attempt(c, 'shared', 'PUT', DAV + path, data, path=path, blob=blob_id(data))[0]
        self.loop(one)

    def rest_put(self):
        c = Client(self.port)

        def one(i):
            path = f'{self.base}rest-{i}.txt'
            data = content(path, 700 + 13 * i)
            body = json.dumps({'message': f'powercut rest {i}', 'content': base64.b64encode(data).decode()})
            return self.attempt(c, 'file', 'PUT', f'{API}/contents/{quote(path)}', body,
                                {'Content-Type': 'application/json'}, path=path, blob=blob_id(data))[0]
        self.loop(one)

    def rest_batch(self):
        c = Client(self.port)

        def one(i):
            files = {}
            for j in range(5):
                path = f'{self.base}batch-{i}/f{j}.txt'
                files[path] = content(path, 300 + 50 * j)
            body = json.dumps({'message': f'powercut batch {i}', 'files': [
                {'operation': 'create', 'path': p, 'content': base64.b64encode(d).decode()}
                for p, d in files.items()]})
            return self.attempt(c, 'batch', 'POST', f'{API}/contents', body, {'Content-Type': 'application/json'},
                                files={p: blob_id(d) for p, d in files.items()})[0]
        self.loop(one)

    def mover(self):
        c = Client(self.port)
        where = ['big/', 'big-moved/']

        def one(i):
            src, dst = where[(i - 1) % 2], where[i % 2]
            status = self.attempt(c, 'move', 'MOVE', DAV + self.base + src, None,
                                  {'Destination': f'http://127.0.0.1:{self.port}{DAV}{self.base}{dst}',
                                   'Overwrite': 'F'}, seq=i, to=dst)[0]
            if 400 <= status < 500:  # the sequence is lost (should not happen): stop moving
                self.gone.wait()
            return status
        self.loop(one)

    def locker(self):
        c = Client(self.port)
        body = ('<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
                '</D:lockscope><D:locktype><D:write/></D:locktype><D:owner>powercut</D:owner></D:lockinfo>')

        def one(i):
            if i > 20:
                time.sleep(0.2)
                return 1
            path = f'{self.base}lock-{i}.txt'
            status, data, resp, rec = self.attempt(c, 'lock', 'LOCK', DAV + path, body,
                                                   {'Content-Type': 'application/xml', 'Timeout': 'Second-3600',
                                                    'Depth': '0'}, path=path)
            if resp is not None and 200 <= status < 300:
                with self.mu:
                    rec['token'] = (resp.getheader('Lock-Token') or '').strip('<> ')
            time.sleep(0.3)
            return status
        self.loop(one)

    def git(self, *args, check=False):
        env = dict(os.environ, GIT_TERMINAL_PROMPT='0')
        return subprocess.run(['git', '-c', 'user.name=Powercut', '-c', 'user.email=powercut@localhost',
                               '-c', 'http.lowSpeedLimit=1', '-c', 'http.lowSpeedTime=60', *args],
                              cwd=self.git_dir, capture_output=True, text=True, env=env, check=check, timeout=120)

    def push_one(self, i):
        """fetch main, commit one new file on it, push: 'ok', 'rejected' (lost the race) or 'gone'."""
        url = f'http://{USER}:{PASSWORD}@127.0.0.1:{self.port}/git/demo/sample.git'
        if not os.path.isdir(os.path.join(self.git_dir, '.git')):
            os.makedirs(self.git_dir, exist_ok=True)
            self.git('init', '-q')
        if self.git('fetch', '-q', url, 'main').returncode != 0:
            return 0  # the server is gone: nothing was attempted
        self.git('checkout', '-q', '-f', '-B', 'work', 'FETCH_HEAD', check=True)
        path = f'{self.base}pushed-{i}.txt'
        data = content(path, 5000)
        os.makedirs(os.path.join(self.git_dir, self.base), exist_ok=True)
        with open(os.path.join(self.git_dir, path), 'wb') as f:
            f.write(data)
        self.git('add', path, check=True)
        self.git('commit', '-q', '-m', f'powercut push {self.r}.{i}', check=True)
        commit = self.git('rev-parse', 'HEAD', check=True).stdout.strip()
        t0 = time.monotonic()
        p = self.git('push', '--porcelain', url, 'HEAD:refs/heads/main')
        out = p.stdout + p.stderr
        if p.returncode == 0:
            status = 200
        elif re.search(r'\[rejected\]|\[remote rejected\]|non-fast-forward|fetch first|failed to lock', out):
            status = 409
        else:
            status = 0
        self.record(dict(kind='push', status=status, start=t0, end=time.monotonic() if status else None,
                         commit=commit, revision=commit, path=path, blob=blob_id(data), detail=out.strip()[-300:]))
        return status

    def pusher(self):
        time.sleep(0.5)

        def one(i):
            s = self.push_one(100 + i)
            time.sleep(0.5)
            return s
        self.loop(one)

    def setup(self):
        """Before the load: the 200-file folder and the lock targets in one batch, then one push."""
        c = Client(self.port)
        files = {}
        for j in range(BIG_FILES):
            p = f'{self.base}big/f{j:03d}.txt'
            files[p] = content(p, 200 + 7 * j)
        for i in range(1, 21):
            p = f'{self.base}lock-{i}.txt'
            files[p] = content(p, 100)
        body = json.dumps({'message': f'powercut setup {self.r}', 'files': [
            {'operation': 'create', 'path': p, 'content': base64.b64encode(d).decode()} for p, d in files.items()]})
        status, data, _, _ = self.attempt(c, 'batch', 'POST', f'{API}/contents', body,
                                       {'Content-Type': 'application/json'},
                                       files={p: blob_id(d) for p, d in files.items()
                                              if not p.startswith(self.base + 'big/')},
                                       big={p[len(self.base) + 4:]: blob_id(d) for p, d in files.items()
                                            if p.startswith(self.base + 'big/')})
        if not 200 <= status < 300:
            print(f'FAIL: round {self.r}: setup batch answered {status}: {data[:300]!r}')
            return False
        if os.environ.get('POWERCUT_GIT', '1') == '0':
            return True
        for i in range(1, 4):
            if self.push_one(i) == 200:
                return True
        print(f'FAIL: round {self.r}: the setup push was not accepted: {self.records[-1].get("detail")}')
        return False

    def run(self, status_file):
        ok = self.setup()
        workers = [threading.Thread(target=self.put_distinct, args=(w,)) for w in range(3)]
        workers += [threading.Thread(target=self.put_shared, args=(w,)) for w in range(2)]
        workers += [threading.Thread(target=f) for f in (self.rest_put, self.rest_batch, self.mover, self.locker)]
        if os.environ.get('POWERCUT_GIT', '1') != '0':
            workers.append(threading.Thread(target=self.pusher))
        if ok:
            for t in workers:
                t.start()
        with open(status_file + '.tmp', 'w') as f:
            f.write('started\n' if ok else 'setup-failed\n')
        os.rename(status_file + '.tmp', status_file)
        while ok and any(t.is_alive() for t in workers):
            with open(status_file + '.tmp', 'w') as f:
                f.write(f'acks {self.acks}\n')
            os.rename(status_file + '.tmp', status_file)
            time.sleep(0.2)
        for t in workers:
            if t.is_alive():
                t.join()
        with open(self.out, 'w') as f:
            json.dump({'round': self.r, 'records': self.records}, f)
        kinds = {}
        for rec in self.records:
            k = kinds.setdefault(rec['kind'], [0, 0])
            k[0 if 200 <= rec['status'] < 300 else 1] += 1
        print(f'round {self.r} load: ' + ', '.join(f'{k} {a} acknowledged/{o} not' for k, (a, o) in sorted(kinds.items())))
        return 0 if ok else 1


# ---------------------------------------------------------------------------------------------- verify

class Verify:
    def __init__(self, port, rounds, d):
        self.c = Client(port)
        self.port = port
        self.rounds = rounds
        self.dir = d
        self.failures = 0
        self.checked = 0     # acknowledged writes checked
        self.others = 0      # attempts not acknowledged, checked
        self.examples = []

    def fail(self, msg):
        self.failures += 1
        print('FAIL: ' + msg)

    def tree(self):
        s, data, _ = self.c.request('GET', f'{API}/git/trees/main?recursive=1', timeout=120)
        if s != 200:
            raise RuntimeError(f'GET tree of main answered {s}: {data[:300]!r}')
        t = json.loads(data)
        if t.get('truncated'):
            raise RuntimeError('tree listing truncated')
        return {e['path']: e['sha'] for e in t['tree'] if e['type'] == 'blob'}

    def run(self):
        tree = self.tree()
        recs_by_round = {}
        for r in range(1, self.rounds + 1):
            p = os.path.join(self.dir, f'round-{r}.json')
            if os.path.exists(p):
                with open(p) as f:
                    recs_by_round[r] = json.load(f)['records']
        shared = {}
        for r, recs in sorted(recs_by_round.items()):
            self.check_round(r, recs, tree, get_bytes=(r == self.rounds))
            for rec in recs:
                if rec['kind'] == 'shared':
                    rec['round'] = r
                    shared.setdefault(rec['path'], []).append(rec)
        self.check_shared(shared, tree)
        # the restarted server takes a write
        s, data, _ = self.c.request('PUT', f'{DAV}pc/r{self.rounds}/after-restart.txt', b'after\n')
        if s not in (201, 204):
            self.fail(f'round {self.rounds}: a PUT after the restart answered {s}: {data[:200]!r}')
        print(f'verify: rounds 1..{self.rounds}: {self.checked} acknowledged writes checked, '
              f'{self.others} unacknowledged attempts checked, {self.failures} failures')
        return 1 if self.failures else 0

    def present(self, tree, path, blob, what, status, get_bytes):
        """An acknowledged write must be there with its bytes; a refused one (4xx) absent; one cut off by
        the kill (no answer) or failed (5xx) absent or whole."""
        got = tree.get(path)
        acked = 200 <= status < 300
        if acked:
            self.checked += 1
            if got != blob:
                self.fail(f'{what}: acknowledged, but after the cut {path} is '
                          f'{"missing" if got is None else "other bytes (blob " + got[:10] + ")"}')
                return False
            if get_bytes:
                s, data, _ = self.c.request('GET', DAV + quote(path))
                if s != 200 or blob_id(data) != blob:
                    self.fail(f'{what}: acknowledged, tree shows it, but GET {path} answered {s} with '
                              f'{len(data)} bytes of other content')
                    return False
            return True
        self.others += 1
        if got is not None and got != blob:
            self.fail(f'{what}: not acknowledged, and {path} is there with other bytes (half there)')
            return False
        if got is not None and 400 <= status < 500:
            self.fail(f'{what}: refused, and {path} is there all the same')
        return got is not None

    def check_round(self, r, recs, tree, get_bytes):
        base = f'pc/r{r}/'
        for rec in recs:
            acked = 200 <= rec['status'] < 300
            k = rec['kind']
            what = f'round {r}: {k} ({rec["status"] or "no answer"})'
            if k in ('file', 'push'):
                self.present(tree, rec['path'], rec['blob'], f'{what} {rec["path"]}', rec['status'], get_bytes)
            if k == 'push' and rec.get('commit'):
                # main's history of the pushed file (the push is the only commit that touches it)
                s, data, _ = self.c.request('GET', f'{API}/commits?sha=main&per_page=100&path={quote(rec["path"])}')
                shas = [c.get('sha') for c in json.loads(data)] if s == 200 else []
                in_main = rec['commit'] in shas
                if acked and not in_main:
                    self.fail(f'{what}: pushed commit {rec["commit"][:10]} is not in main after the cut '
                              f'(commits of {rec["path"]} answered {s}: {[x[:10] for x in shas]})')
                if 400 <= rec['status'] < 500 and in_main:
                    self.fail(f'{what}: refused push {rec["commit"][:10]} is in main')
            elif k == 'batch':
                there = [self.present(tree, p, b, f'{what} {p}', rec['status'], get_bytes and acked)
                         for p, b in rec['files'].items()]
                if not acked and any(there) and not all(there):
                    self.fail(f'{what}: an unacknowledged batch is half there ({sum(there)} of {len(there)})')
                if 'big' in rec and acked:
                    self.check_moves(r, base, rec['big'], [x for x in recs if x['kind'] == 'move'], tree)
            elif k == 'lock':
                self.check_lock(what, rec, acked)

    def check_moves(self, r, base, big, moves, tree):
        """The folder is whole in exactly one place: where the last acknowledged MOVE or a later one left it."""
        last_ack = max([m['seq'] for m in moves if 200 <= m['status'] < 300], default=0)
        allowed = {('big/' if last_ack % 2 == 0 else 'big-moved/')}
        for m in moves:
            if m['seq'] > last_ack and not 400 <= m['status'] < 500:
                allowed.add(m['to'])
        places = {}
        for where in ('big/', 'big-moved/'):
            places[where] = sum(1 for name in big if tree.get(base + where + name) == big[name])
            stray = sum(1 for p in tree if p.startswith(base + where)) - places[where]
            if stray:
                self.fail(f'round {r}: {stray} files in {base}{where} with unexpected names or bytes')
        self.checked += 1
        whole = [w for w, n in places.items() if n == len(big)]
        if len(whole) != 1 or sum(places.values()) != len(big):
            self.fail(f'round {r}: the moved folder is not whole in one place: {places} of {len(big)} files '
                      f'(last acknowledged MOVE #{last_ack})')
        elif whole[0] not in allowed:
            self.fail(f'round {r}: the folder is in {whole[0]} but the last acknowledged MOVE (#{last_ack} of '
                      f'{len(moves)}) left it in {sorted(allowed)}')

    def check_lock(self, what, rec, acked):
        body = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop>'
                '</D:propfind>')
        s, data, _ = self.c.request('PROPFIND', DAV + quote(rec['path']), body,
                                    {'Depth': '0', 'Content-Type': 'application/xml'})
        tokens = set(re.findall(rb'opaquelocktoken:[^<\s]+', data))
        if acked:
            self.checked += 1
            tok = rec.get('token', '').encode()
            if not tok or tok not in tokens:
                self.fail(f'{what}: lock on {rec["path"]} acknowledged (token {tok.decode()[-12:]}), '
                          f'not held after the cut (PROPFIND {s}, {len(tokens)} locks)')
        else:
            self.others += 1
            if 400 <= rec['status'] < 500 and tokens:
                self.fail(f'{what}: a refused LOCK on {rec["path"]} is held')

    def check_shared(self, shared, tree):
        """Several writers on one path: its bytes are one attempt, not refused, and no acknowledged write
        began after that attempt's answer (else the acknowledged one is lost)."""
        for path, recs in sorted(shared.items()):
            got = tree.get(path)
            acked = [x for x in recs if 200 <= x['status'] < 300]
            self.checked += len(acked)
            cands = [x for x in recs if x['blob'] == got and not 400 <= x['status'] < 500]
            if not acked:
                continue
            if not cands:
                self.fail(f'shared {path}: its bytes ({got and got[:10]}) are none of the attempted writes '
                          f'not refused ({len(acked)} acknowledged)')
                continue

            def superseded(c):
                end = c['end']
                if end is None:
                    return any(a['round'] > c['round'] for a in acked)
                return any((a['round'], a['start']) > (c['round'], end) for a in acked)
            if all(superseded(c) for c in cands):
                c = cands[-1]
                newer = [a for a in acked if (a['round'], a['start']) > (c['round'], c['end'] or 0)]
                self.fail(f'shared {path}: holds round {c["round"]} write answered {c["status"]}, but '
                          f'{len(newer)} acknowledged writes began after it (lost), e.g. round '
                          f'{newer[-1]["round"]} answered {newer[-1]["status"]}')


def offline(rounds, d, git_dir):
    """When the server does not start: which acknowledged writes' commits are still in the repository on
    disk (git cat-file), to size the loss even so."""
    acked = []
    for r in range(1, rounds + 1):
        p = os.path.join(d, f'round-{r}.json')
        if os.path.exists(p):
            with open(p) as f:
                acked += [(r, x) for x in json.load(f)['records']
                          if 200 <= x['status'] < 300 and x.get('revision') and x['kind'] != 'lock']
    revs = '\n'.join(x['revision'] for _, x in acked) + '\n'
    out = subprocess.run(['git', '-c', 'safe.directory=*', '--git-dir', git_dir, 'cat-file', '--batch-check'],
                         input=revs, capture_output=True, text=True).stdout.splitlines()
    main = subprocess.run(['git', '-c', 'safe.directory=*', '--git-dir', git_dir, 'rev-list', 'main'],
                          capture_output=True, text=True)
    reachable = set(main.stdout.split()) if main.returncode == 0 else None
    missing = [(r, x) for (r, x), line in zip(acked, out) if line.endswith(' missing') or ' commit ' not in line]
    print(f'offline: {len(acked)} acknowledged commits; {len(missing)} of them missing or not commits in '
          f'{git_dir}; main: ' + (f'{len(reachable)} commits reachable' if reachable is not None else
                                 'unreadable (' + main.stderr.strip().splitlines()[-1][:120] + ')'))
    for r, x in missing[:10]:
        print(f'offline: round {r} {x["kind"]} {x.get("path", "")} acknowledged {x["status"]}, '
              f'commit {x["revision"][:10]} gone')
    if reachable is not None:
        off = [(r, x) for r, x in acked if x['revision'] not in reachable]
        print(f'offline: {len(off)} acknowledged commits not reachable from main')
    return 1 if missing else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    lo = sub.add_parser('load')
    lo.add_argument('--port', type=int, required=True)
    lo.add_argument('--round', type=int, required=True)
    lo.add_argument('--dir', required=True)
    ve = sub.add_parser('verify')
    ve.add_argument('--port', type=int, required=True)
    ve.add_argument('--rounds', type=int, required=True)
    ve.add_argument('--dir', required=True)
    of = sub.add_parser('offline')
    of.add_argument('--rounds', type=int, required=True)
    of.add_argument('--dir', required=True)
    of.add_argument('--git-dir', required=True)
    a = ap.parse_args()
    if a.cmd == 'offline':
        sys.exit(offline(a.rounds, a.dir, a.git_dir))
    if a.cmd == 'load':
        load = Load(a.port, a.round, os.path.join(a.dir, f'round-{a.round}.json'),
                    os.path.join(a.dir, f'git-{a.round}'))
        sys.exit(load.run(os.path.join(a.dir, 'status')))
    try:
        sys.exit(Verify(a.port, a.rounds, a.dir).run())
    except RuntimeError as e:
        print(f'FAIL: verify: {e}')
        sys.exit(1)


if __name__ == '__main__':
    main()
