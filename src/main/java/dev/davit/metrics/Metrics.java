package dev.davit.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's counters, rendered in Prometheus' text exposition format (version 0.0.4) at
 * {@code /metrics}: requests by front end, method and status; commits; conflicts by front end and case,
 * so an operator sees conflict rates. Thread-safe; counting is a hash lookup and an add.
 */
public final class Metrics {
    /** Request attribute a front end sets to the case of a conflict it answered (stale, locked, ...). */
    public static final String CONFLICT_ATTRIBUTE = "dev.davit.metrics.conflict";

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> conflicts = new ConcurrentHashMap<>();
    private final LongAdder commits = new LongAdder();
    private final LongAdder refusalsHeld = new LongAdder();

    /** One request counter's labels, as given. */
    private record RequestKey(String frontEnd, String method, int status) {
    }

    /**
     * The counters of {@link #requests} by their labels as given: building and escaping the label text for every
     * request was 2-4% of a small GET's CPU (JFR). Bounded as the label sets are (callers fold unknown methods).
     */
    private final Map<RequestKey, LongAdder> requestCounters = new ConcurrentHashMap<>();

    public void request(String frontEnd, String method, int status) {
        requestCounters.computeIfAbsent(new RequestKey(frontEnd, method, status), k -> requests.computeIfAbsent(
                labels("frontend", frontEnd, "method", method, "status", Integer.toString(status)), l -> new LongAdder()))
                .increment();
    }

    public void conflict(String frontEnd, String errorCase) {
        conflicts.computeIfAbsent(labels("frontend", frontEnd, "case", errorCase), k -> new LongAdder()).increment();
    }

    public void commit() {
        commits.increment();
    }

    /** A refusal for failed authentications is held (+1) or was answered or abandoned (-1); a gauge. */
    public void refusalsHeld(int change) {
        refusalsHeld.add(change);
    }

    /** Refusals held right now (each an open connection and a timer, no thread). */
    public long refusalsHeld() {
        return refusalsHeld.sum();
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP davit_requests_total HTTP requests answered.\n# TYPE davit_requests_total counter\n");
        new TreeMap<>(requests).forEach((l, v) -> sb.append("davit_requests_total").append(l).append(' ').append(v.sum()).append('\n'));
        sb.append("# HELP davit_commits_total Commits made by writes through Davit.\n# TYPE davit_commits_total counter\n");
        sb.append("davit_commits_total ").append(commits.sum()).append('\n');
        sb.append("# HELP davit_conflicts_total Writes refused because they collided (stale version, lock, missing folder).\n");
        sb.append("# TYPE davit_conflicts_total counter\n");
        new TreeMap<>(conflicts).forEach((l, v) -> sb.append("davit_conflicts_total").append(l).append(' ').append(v.sum()).append('\n'));
        sb.append("# HELP davit_auth_refusals_held 429 and 503 answers to authentications held until the client may come back.\n");
        sb.append("# TYPE davit_auth_refusals_held gauge\n");
        sb.append("davit_auth_refusals_held ").append(refusalsHeld.sum()).append('\n');
        return sb.toString();
    }

    private static String labels(String... kv) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(kv[i]).append("=\"").append(kv[i + 1].replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"))
                    .append('"');
        }
        return sb.append('}').toString();
    }
}
