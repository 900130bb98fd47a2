package dev.davit.server;

import java.io.IOException;
import java.util.Optional;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.davit.auth.Principal;
import dev.davit.auth.UserStore;

/**
 * HTTP Basic in front of every front end: a request without valid credentials gets 401 with a
 * challenge (RFC 7617; charset="UTF-8" so clients send non-ASCII passwords as UTF-8). Any other scheme
 * is treated as no credentials, never as a server error.
 */
final class AuthenticationFilter extends HttpFilter {
    static final String CHALLENGE = "Basic realm=\"Davit\", charset=\"UTF-8\"";
    private final transient UserStore users;
    private final boolean basicOnlyOverTls;

    AuthenticationFilter(UserStore users, boolean basicOnlyOverTls) {
        this.users = users;
        this.basicOnlyOverTls = basicOnlyOverTls;
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
        Optional<Principal> user = users.authenticate(authorization);
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
}
