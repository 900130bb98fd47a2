package dev.davit.dav;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import io.milton.http.Filter;
import io.milton.http.FilterChain;
import io.milton.http.Handler;
import io.milton.http.Request;
import io.milton.http.Response;
import io.milton.servlet.ServletRequest;
import io.milton.servlet.ServletResponse;

/**
 * Replaces milton's StandardFilter: dispatches to Davit's method handler and sends every failure to
 * {@link DavErrors}. StandardFilter answers 409 with an empty body and turns everything else into 500
 * (milton-ce.md §2.2); this is the one place where WebDAV failures become statuses.
 */
final class DavitFilter implements Filter {
    private final DavSettings settings;

    DavitFilter(DavSettings settings) {
        this.settings = settings;
    }

    @Override
    public void process(FilterChain chain, Request request, Response response) {
        HttpServletRequest req = ServletRequest.getRequest();
        HttpServletResponse resp = ServletResponse.getResponse();
        DavExchange x = (DavExchange) req.getAttribute(DavExchange.class.getName());
        try {
            Handler handler = chain.getHttpManager().getMethodHandler(request.getMethod());
            if (handler == null) {
                throw new DavProblem(405, "method-not-allowed", request.getMethod() + " is not supported here");
            }
            handler.process(chain.getHttpManager(), request, response);
            resp.flushBuffer();
        } catch (DavMethod.Failure f) {
            DavErrors.respond(req, resp, x.repository, settings, f.getCause());
        } catch (IOException | RuntimeException e) {
            DavErrors.respond(req, resp, x.repository, settings, e);
        } catch (Exception e) {
            DavErrors.respond(req, resp, x.repository, settings, e);
        }
    }
}
