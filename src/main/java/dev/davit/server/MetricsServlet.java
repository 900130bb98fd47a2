package dev.davit.server;

import java.io.IOException;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.davit.metrics.Metrics;

/** {@code /metrics}: Prometheus text format; counters only, no repository or user names. */
final class MetricsServlet extends HttpServlet {
    private final transient Metrics metrics;

    MetricsServlet(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain; version=0.0.4; charset=utf-8");
        resp.getWriter().write(metrics.render());
    }
}
