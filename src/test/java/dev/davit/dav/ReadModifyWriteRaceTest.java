package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevSort;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Locks;
import dev.davit.testutil.TestServer;

/**
 * Races (issue 7): 16 concurrent clients doing read-modify-write on the same 3 files, first with
 * {@code If-Match}, then under exclusive locks taken and released concurrently. Afterwards the git history
 * is replayed: every commit appends exactly one line to exactly one file; the lines appended are exactly
 * the writes answered 2xx, each once, in commit order, and each 2xx answer's {@code X-Revision} is the
 * commit that made it; every refused attempt was a 409. Tallies are printed for CI.
 */
class ReadModifyWriteRaceTest {
    static final int CLIENTS = 16;
    static final int FILES = 3;
    static final long DEADLINE_MS = 20_000;

    @TempDir
    static Path tmp;
    static TestServer s;
    static ExecutorService pool;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.start(tmp);
        pool = Executors.newFixedThreadPool(CLIENTS);
    }

    @AfterAll
    static void stop() throws Exception {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        s.close();
    }

    /** One write answered 2xx: the file, the line it appended, the X-Revision it answered. */
    record Ack(String file, String line, String revision) {
    }

    /** What all clients saw. */
    static final class Tally {
        final List<Ack> acks = Collections.synchronizedList(new ArrayList<>());
        final Map<Integer, AtomicInteger> refused = new ConcurrentHashMap<>();
        final AtomicInteger lockRefused = new AtomicInteger();
        final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());

        void refused(int status) {
            refused.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    static String file(String prefix, int i) {
        return prefix + "-" + i + ".txt";
    }

    static void seed(String prefix) throws Exception {
        for (int f = 0; f < FILES; f++) {
            HttpResponse<String> r = s.put(file(prefix, f), "base " + f + "\n");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        }
    }

    @Test
    void sixteenClientsAppendingWithIfMatchLoseNothingAndDuplicateNothing() throws Exception {
        String prefix = "rmw";
        seed(prefix);
        String start = s.head();
        int perClient = 25;
        Tally t = new Tally();
        AtomicInteger attempts = new AtomicInteger();
        long t0 = System.nanoTime();
        run(client -> {
            long deadline = System.currentTimeMillis() + DEADLINE_MS;
            for (int k = 0; k < perClient && System.currentTimeMillis() < deadline; ) {
                String f = file(prefix, (client + k) % FILES);
                HttpResponse<String> get = s.get(f);
                if (get.statusCode() != 200) {
                    t.unexpected.add("GET " + f + " -> " + get.statusCode());
                    return;
                }
                String etag = get.headers().firstValue("ETag").orElseThrow();
                String line = "c" + client + "-" + k;
                attempts.incrementAndGet();
                HttpResponse<String> put = s.put(f, get.body() + line + "\n", "If-Match", etag);
                if (put.statusCode() / 100 == 2) {
                    t.acks.add(new Ack(f, line, put.headers().firstValue("X-Revision").orElse(null)));
                    k++;
                } else {
                    t.refused(put.statusCode());
                    if (put.statusCode() != 409) {
                        t.unexpected.add("PUT " + f + " If-Match " + etag + " -> " + put.statusCode() + ": " + put.body());
                    }
                }
            }
        });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("race If-Match: %d clients, %d files: %d attempts, %d acknowledged (2xx), refused %s, %d unexpected, %d ms%n",
                CLIENTS, FILES, attempts.get(), t.acks.size(), t.refused, t.unexpected.size(), ms);
        assertThat(t.unexpected).as("answers other than 2xx and 409").isEmpty();
        assertThat(t.refused.keySet()).as("refusal statuses").allMatch(st -> st == 409);
        assertThat(t.acks).as("every client finished its appends within %d ms", DEADLINE_MS).hasSize(CLIENTS * perClient);
        verifyReplay(prefix, start, t.acks);
    }

    @Test
    void sixteenClientsAppendingUnderLocksLoseNothingAndOthersGet409() throws Exception {
        String prefix = "lk";
        seed(prefix);
        String start = s.head();
        int perClient = 6;
        Tally t = new Tally();
        AtomicInteger intruderRefused = new AtomicInteger();
        AtomicInteger intruderWrote = new AtomicInteger();
        long t0 = System.nanoTime();
        run(client -> {
            long deadline = System.currentTimeMillis() + DEADLINE_MS;
            for (int k = 0; k < perClient && System.currentTimeMillis() < deadline; ) {
                String f = file(prefix, (client + k) % FILES);
                HttpResponse<String> lock = Locks.lock(s, f, "exclusive", "0", "<D:href>client " + client + "</D:href>",
                        "Timeout", "Second-60");
                if (lock.statusCode() != 200) {
                    t.refused(lock.statusCode());
                    if (lock.statusCode() != 409) {
                        t.unexpected.add("LOCK " + f + " -> " + lock.statusCode() + ": " + lock.body());
                        return;
                    }
                    t.lockRefused.incrementAndGet();
                    // Another client holds the lock: a write without its token, even with the current ETag, is refused
                    // while it is held. (If it was released in between, the write is a legitimate append.)
                    HttpResponse<String> get = s.get(f);
                    String line = "c" + client + "-" + k + "-intruder";
                    HttpResponse<String> put = s.put(f, get.body() + line + "\n",
                            "If-Match", get.headers().firstValue("ETag").orElseThrow());
                    if (put.statusCode() / 100 == 2) {
                        t.acks.add(new Ack(f, line, put.headers().firstValue("X-Revision").orElse(null)));
                        intruderWrote.incrementAndGet();
                        k++;
                    } else if (put.statusCode() == 409) {
                        intruderRefused.incrementAndGet();
                        t.refused(409);
                    } else {
                        t.unexpected.add("PUT without token " + f + " -> " + put.statusCode() + ": " + put.body());
                    }
                    continue;
                }
                String token = Locks.token(lock);
                try {
                    HttpResponse<String> get = s.get(f);
                    String line = "c" + client + "-" + k;
                    HttpResponse<String> put = s.put(f, get.body() + line + "\n", "If", Locks.ifToken(token));
                    if (put.statusCode() / 100 == 2) {
                        t.acks.add(new Ack(f, line, put.headers().firstValue("X-Revision").orElse(null)));
                        k++;
                    } else {
                        t.unexpected.add("PUT by the lock holder " + f + " -> " + put.statusCode() + ": " + put.body());
                    }
                } finally {
                    HttpResponse<String> u = Locks.unlock(s, f, token);
                    if (u.statusCode() != 204) {
                        t.unexpected.add("UNLOCK " + f + " -> " + u.statusCode() + ": " + u.body());
                    }
                }
            }
        });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("race locks: %d clients, %d files: %d acknowledged (2xx; %d of them unlocked-window writes without a token),"
                        + " %d LOCKs refused (409), %d token-less PUTs refused while locked (409), refused %s, %d unexpected, %d ms%n",
                CLIENTS, FILES, t.acks.size(), intruderWrote.get(), t.lockRefused.get(), intruderRefused.get(), t.refused,
                t.unexpected.size(), ms);
        assertThat(t.unexpected).as("answers other than 2xx and 409").isEmpty();
        assertThat(t.refused.keySet()).allMatch(st -> st == 409);
        assertThat(t.acks).as("every client finished within %d ms", DEADLINE_MS).hasSize(CLIENTS * perClient);
        assertThat(t.lockRefused.get()).as("with 16 clients on 3 files some LOCKs collide").isPositive();
        verifyReplay(prefix, start, t.acks);
        for (int f = 0; f < FILES; f++) {
            HttpResponse<String> probe = Locks.lock(s, file(prefix, f), "exclusive", "0", null);
            assertThat(probe.statusCode()).as("no lock left behind on %s: %s", file(prefix, f), probe.body()).isEqualTo(200);
            Locks.unlock(s, file(prefix, f), Locks.token(probe));
        }
    }

    interface Client {
        void run(int client) throws Exception;
    }

    static void run(Client c) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            int client = i;
            fs.add(pool.submit(() -> {
                go.await();
                c.run(client);
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : fs) {
            f.get(DEADLINE_MS + 30_000, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Walks main from {@code start} to the head, oldest first: each commit appends exactly one line to exactly
     * one of the files; the appended lines, in commit order, are exactly the acknowledged writes (no loss, no
     * duplicate); each ack's X-Revision is the commit that made it; the final files are the replay.
     */
    static void verifyReplay(String prefix, String start, List<Ack> acks) throws Exception {
        Map<String, Ack> byLine = new HashMap<>();
        for (Ack a : acks) {
            assertThat(byLine.put(a.line(), a)).as("line %s acknowledged twice", a.line()).isNull();
        }
        Map<String, List<String>> replay = new LinkedHashMap<>();
        int commits = 0;
        try (Repository r = new FileRepositoryBuilder().setGitDir(s.bareRepository().toFile()).setBare().build();
             RevWalk rw = new RevWalk(r)) {
            rw.sort(RevSort.TOPO, true);
            rw.sort(RevSort.REVERSE, true);
            rw.markStart(rw.parseCommit(r.resolve("refs/heads/main")));
            rw.markUninteresting(rw.parseCommit(ObjectId.fromString(start)));
            Map<String, String> content = new HashMap<>();
            for (int f = 0; f < FILES; f++) {
                content.put(file(prefix, f), read(r, rw.parseCommit(ObjectId.fromString(start)), file(prefix, f)));
                replay.put(file(prefix, f), new ArrayList<>());
            }
            for (RevCommit c : rw) {
                if (!c.getShortMessage().contains(prefix + "-")) {
                    continue; // another test's commit (tests of this class run one after the other, not at once)
                }
                commits++;
                assertThat(c.getParentCount()).as("commit %s", c.name()).isEqualTo(1);
                List<String> changed = new ArrayList<>();
                for (int f = 0; f < FILES; f++) {
                    String name = file(prefix, f);
                    String now = read(r, c, name);
                    String was = content.get(name);
                    if (!now.equals(was)) {
                        changed.add(name);
                        assertThat(now).as("commit %s on %s appends to what was there", c.name(), name).startsWith(was);
                        String added = now.substring(was.length());
                        assertThat(added).as("commit %s on %s appends one line", c.name(), name).matches("[^\n]+\n");
                        String line = added.substring(0, added.length() - 1);
                        Ack a = byLine.remove(line);
                        assertThat(a).as("commit %s appended %s, which no client got a 2xx for (or got it twice)", c.name(), line).isNotNull();
                        assertThat(a.file()).isEqualTo(name);
                        if (a.revision() != null) {
                            assertThat(a.revision()).as("X-Revision of the 2xx for %s", line).isEqualTo(c.name());
                        }
                        replay.get(name).add(line);
                        content.put(name, now);
                    }
                }
                assertThat(changed).as("files changed by commit %s (%s)", c.name(), c.getShortMessage()).hasSize(1);
            }
        }
        assertThat(byLine).as("acknowledged writes missing from the history (lost)").isEmpty();
        assertThat(commits).as("one commit per acknowledged write").isEqualTo(acks.size());
        for (int f = 0; f < FILES; f++) {
            String name = file(prefix, f);
            StringBuilder expected = new StringBuilder("base " + f + "\n");
            replay.get(name).forEach(l -> expected.append(l).append('\n'));
            HttpResponse<String> get = s.get(name);
            assertThat(get.body()).as("final %s is the replay of its acknowledged writes in commit order", name).isEqualTo(expected.toString());
        }
        System.out.printf("race replay (%s): %d commits, %s lines per file, nothing lost, nothing duplicated%n", prefix, commits,
                replay.values().stream().map(List::size).toList());
    }

    static String read(Repository r, RevCommit c, String path) throws IOException {
        try (TreeWalk tw = TreeWalk.forPath(r, path, c.getTree())) {
            if (tw == null) {
                return "";
            }
            return new String(r.open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8);
        }
    }
}
