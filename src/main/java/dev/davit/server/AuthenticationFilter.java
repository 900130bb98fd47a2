package dev.davit.server;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.davit.auth.AuthResult;
import dev.davit.auth.Principal;
import dev.davit.auth.UserStore;
import dev.davit.metrics.Metrics;

/**
 * HTTP Basic in front of every front end: a request without valid credentials gets 401 with a
 * challenge (RFC 7617; charset="UTF-8" so clients send non-ASCII passwords as UTF-8). Any other scheme
 * is treated as no credentials, never as a server error.
 */
final class AuthenticationFilter extends HttpFilter {
    static final String CHALLENGE = "Basic realm=\"Davit\", charset=\"UTF-8\"";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final transient UserStore users;
    private final boolean basicOnlyOverTls;
    private final Duration refusalHoldMax;
    private final transient Metrics metrics;

    /**
     * @param refusalHoldMax how long a 429 or 503 may be held before it is answered (see {@link AuthResult#holdFor})
     * @param metrics        counts the refusals held
     */
    AuthenticationFilter(UserStore users, boolean basicOnlyOverTls, Duration refusalHoldMax, Metrics metrics) {
        this.users = users;
        this.basicOnlyOverTls = basicOnlyOverTls;
        this.refusalHoldMax = refusalHoldMax;
        this.metrics = metrics;
    }

    private static boolean isLoopback(String address) {
        try {
            return address != null && java.net.InetAddress.getByName(address).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain) throws IOException, ServletException {
        if (basicOnlyOverTls && !req.isSecure() && !isLoopback(req.getRemoteAddr())) {
            // auth.basic.tls.only: a password must not cross a network in clear text. Refused before any
            // challenge, so a client is never invited to send one here.
            resp.setStatus(403);
            resp.setContentType("text/plain; charset=utf-8");
            resp.getWriter().write("plain HTTP is accepted from this machine only; use https\n");
            return;
        }
        String authorization = req.getHeader("Authorization");
        AuthResult result = users.authenticate(authorization, req.getRemoteAddr());
        if (result.outcome() == AuthResult.Outcome.LIMITED || result.outcome() == AuthResult.Outcome.BUSY) {
            Duration hold = result.holdFor(refusalHoldMax);
            if (hold.isZero() || !req.isAsyncSupported()) {
                refuse(req, resp, result, result.retryAfterSeconds());
            } else {
                holdThenRefuse(req, resp, result, hold);
            }
            return;
        }
        Optional<Principal> user = Optional.ofNullable(result.principal());
        if (user.isEmpty() && authorization == null && users.anonymous().isPresent()
                && AnonymousReads.allows(users, users.anonymous().get(), req)) {
            user = users.anonymous();
        }
        if (user.isEmpty()) {
            resp.setStatus(401);
            resp.setHeader("WWW-Authenticate", CHALLENGE);
            if (req.getRequestURI().startsWith("/api/")) {
                // GitHub's shape, so Octokit and friends read the reason as they do from GitHub.
                resp.setContentType("application/json; charset=utf-8");
                resp.getWriter().write("{\"message\":\"Requires authentication\",\"documentation_url\":"
                        + "\"https://docs.github.com/rest\",\"status\":\"401\"}\n");
            } else {
                resp.setContentType("text/plain; charset=utf-8");
                resp.getWriter().write("authentication required\n");
            }
            return;
        }
        req.setAttribute(Principal.REQUEST_ATTRIBUTE, user.get());
        chain.doFilter(req, resp);
    }

    /**
     * Answers the refusal after {@code hold} without holding a thread meanwhile: the request goes async and
     * the container's own async timeout (Jetty's scheduler) answers it, so a guesser who ignores Retry-After
     * waits for each answer on an open connection that costs the server a timer, not a thread or CPU
     * (issue 14). A client that goes away meanwhile is completed without an answer.
     */
    private void holdThenRefuse(HttpServletRequest req, HttpServletResponse resp, AuthResult result, Duration hold) {
        AsyncContext async = req.startAsync();
        async.setTimeout(hold.toMillis());
        metrics.refusalsHeld(1);
        async.addListener(new AsyncListener() {
            @Override
            public void onTimeout(AsyncEvent event) throws IOException {
                try {
                    refuse(req, resp, result, result.retryAfterAfter(hold));
                } finally {
                    async.complete();
                }
            }

            @Override
            public void onError(AsyncEvent event) {
                async.complete();
            }

            @Override
            public void onComplete(AsyncEvent event) {
                metrics.refusalsHeld(-1);
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
            }
        });
    }

    /**
     * Too many failed authentications (429, RFC 6585 §4) or too many password checks at once (503, RFC
     * 9110 §15.6.4), both with Retry-After; no challenge, since retrying at once cannot help (issue 14).
     */
    private static void refuse(HttpServletRequest req, HttpServletResponse resp, AuthResult result, long retryAfter)
            throws IOException {
        boolean limited = result.outcome() == AuthResult.Outcome.LIMITED;
        int status = limited ? 429 : 503;
        String message = limited
                ? "Too many failed authentication attempts; retry after " + retryAfter + " seconds"
                : "Too many password checks at once; retry after " + retryAfter + " seconds";
        resp.setStatus(status);
        resp.setHeader("Retry-After", Long.toString(retryAfter));
        if (req.getRequestURI().startsWith("/api/")) {
            resp.setContentType("application/json; charset=utf-8");
            ObjectNode body = JSON.createObjectNode();
            body.put("message", message);
            body.put("documentation_url", "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api");
            body.put("status", Integer.toString(status));
            resp.getWriter().write(JSON.writeValueAsString(body) + "\n");
        } else {
            resp.setContentType("text/plain; charset=utf-8");
            resp.getWriter().write(message + "\n");
        }
    }
}
