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

    AuthenticationFilter(UserStore users) {
        this.users = users;
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain) throws IOException, ServletException {
        Optional<Principal> user = users.authenticate(req.getHeader("Authorization"));
        if (user.isEmpty()) {
            resp.setStatus(401);
            resp.setHeader("WWW-Authenticate", CHALLENGE);
            resp.setContentType("text/plain; charset=utf-8");
            resp.getWriter().write("authentication required\n");
            return;
        }
        req.setAttribute(Principal.REQUEST_ATTRIBUTE, user.get());
        chain.doFilter(req, resp);
    }
}
