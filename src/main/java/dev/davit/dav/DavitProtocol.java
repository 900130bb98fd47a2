package dev.davit.dav;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.milton.http.Handler;
import io.milton.http.HttpExtension;
import io.milton.http.http11.CustomPostHandler;

/** Davit's handlers as one milton extension; registered last, so they replace the stock ones. */
final class DavitProtocol implements HttpExtension {
    private final Set<Handler> handlers;

    DavitProtocol(List<DavMethod> handlers) {
        this.handlers = new LinkedHashSet<>(handlers);
    }

    @Override
    public Set<Handler> getHandlers() {
        return handlers;
    }

    @Override
    public List<CustomPostHandler> getCustomPostHandlers() {
        return List.of();
    }
}
