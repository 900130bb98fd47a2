package dev.davit.dav;

import io.milton.http.Handler;
import io.milton.http.HttpManager;
import io.milton.http.Request;
import io.milton.http.Response;
import io.milton.resource.Resource;
import io.milton.servlet.ServletRequest;

/**
 * A WebDAV method of Davit's own on milton's {@link Handler} plug point. milton CE's stock handlers
 * create missing parents on PUT, check If-Match on PUT only, cut Depth: infinity to 3 levels and do
 * PROPPATCH non-atomically (../shared/notes/milton-ce.md §2), so every method is ours; milton still
 * dispatches, and {@link DavitFilter} maps every failure in one place.
 */
abstract class DavMethod implements Handler {
    private final String[] methods;

    DavMethod(String... methods) {
        this.methods = methods;
    }

    /** Carries a handler's checked failure through milton's signature to {@link DavitFilter}. */
    static final class Failure extends RuntimeException {
        Failure(Throwable cause) {
            super(cause);
        }
    }

    @Override
    public final String[] getMethods() {
        return methods.clone();
    }

    @Override
    public final boolean isCompatible(Resource resource) {
        return true;
    }

    @Override
    public final void process(HttpManager manager, Request request, Response response) {
        DavExchange x = (DavExchange) ServletRequest.getRequest().getAttribute(DavExchange.class.getName());
        try {
            handle(x);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new Failure(e);
        }
    }

    abstract void handle(DavExchange x) throws Exception;
}
