package dev.davit.server;

import java.io.IOException;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.davit.metrics.Metrics;

/** Counts every request by front end, method and status, and the conflicts the front ends mark. */
final class MetricsFilter extends HttpFilter {
    private final transient Metrics metrics;

    MetricsFilter(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain) throws IOException, ServletException {
        try {
            chain.doFilter(req, resp);
        } finally {
            if (req.isAsyncStarted()) {
                // A held refusal (AuthenticationFilter) is answered later: count it with the status it gets then.
                req.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) {
                        count(req, resp);
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                    }
                });
            } else {
                count(req, resp);
            }
        }
    }

    private void count(HttpServletRequest req, HttpServletResponse resp) {
        String frontEnd = frontEnd(req.getRequestURI());
        // Unknown verbs are folded, so a client cannot grow the label set without bound.
        String method = KNOWN.contains(req.getMethod()) ? req.getMethod() : "OTHER";
        metrics.request(frontEnd, method, resp.getStatus());
        if (req.getAttribute(Metrics.CONFLICT_ATTRIBUTE) instanceof String errorCase) {
            metrics.conflict(frontEnd, errorCase);
        }
    }

    private static final java.util.Set<String> KNOWN = java.util.Set.of("GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS",
            "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "PATCH");

    private static String frontEnd(String uri) {
        for (String f : new String[] {"dav", "api", "git", "ui"}) {
            if (uri.equals("/" + f) || uri.startsWith("/" + f + "/")) {
                return f;
            }
        }
        // The Nextcloud/ownCloud clients' paths: their own label, so their conflicts are counted apart.
        if (uri.startsWith("/remote.php/") || uri.startsWith("/ocs/") || uri.equals("/status.php")) {
            return "sync";
        }
        return "other";
    }
}
