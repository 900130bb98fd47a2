package dev.davit.dav;

import java.nio.ByteBuffer;
import java.util.Optional;

import org.eclipse.jetty.http.DateGenerator;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import dev.davit.auth.Principal;
import dev.davit.auth.UserStore;
import dev.davit.metrics.Metrics;
import dev.davit.storage.Repositories;

/**
 * The plainest read, answered before the servlet layer: a GET or HEAD on {@code /dav/} of a small file at the
 * head, with Basic credentials checked within the last minutes, and none of the headers that make an answer
 * partial or conditional (Range, If-Range, If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since,
 * If). Its answer is the full one of {@link HeadFileGet}, 200 with X-Revision, ETag, Last-Modified,
 * Content-Type, Accept-Ranges and Content-Length, counted in the metrics as the filters count it. Anything
 * else, or credentials not yet verified (a first request, a wrong password: the authentication filter checks
 * and counts those), goes on to the servlets unchanged.
 *
 * <p>Why (issue 16): on 2 shared cores a fresh server took 10-25 s to reach its GET rate, most of it the JIT
 * compiling the servlet layer (filter chain, servlet request and response wrappers, its output stream) for
 * the first time; a 1 KiB GET through it did not keep up with Apache's mod_dav_fs. Jetty's own request
 * handling is the part no server can skip.
 */
public final class PlainGetHandler extends Handler.Wrapper {
    private static final String[] PARTIAL_OR_CONDITIONAL = {"Range", "If-Range", "If-Match", "If-None-Match",
        "If-Modified-Since", "If-Unmodified-Since", "If"};
    private final HeadFileGet reads;
    private final UserStore users;
    private final Metrics metrics;

    /**
     * Not for {@code auth.basic.tls.only}: its refusal of Basic over plain HTTP from elsewhere is the
     * authentication filter's.
     */
    public PlainGetHandler(Handler next, Repositories repositories, UserStore users, ClientMetadata clientMetadata, Metrics metrics) {
        super(next);
        this.reads = new HeadFileGet(repositories, users, clientMetadata);
        this.users = users;
        this.metrics = metrics;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String method = request.getMethod();
        if (("GET".equals(method) || "HEAD".equals(method)) && plain(request)) {
            Optional<Principal> user = users.recentlyVerified(request.getHeaders().get(HttpHeader.AUTHORIZATION));
            if (user.isPresent()) {
                Optional<HeadFileGet.Found> found = reads.find(method, request.getHttpURI().getPath(), request.getHttpURI().getQuery(),
                        user.get());
                if (found.isPresent()) {
                    answer(found.get(), method, response, callback);
                    return true;
                }
            }
        }
        return super.handle(request, response, callback);
    }

    private static boolean plain(Request request) {
        String path = request.getHttpURI().getPath();
        if (path == null || !path.startsWith(DavTarget.PREFIX)) {
            return false;
        }
        HttpFields headers = request.getHeaders();
        for (String h : PARTIAL_OR_CONDITIONAL) {
            if (headers.contains(h)) {
                return false;
            }
        }
        return true;
    }

    /** The headers in the order and form GetHandler's servlet answer has them. */
    private void answer(HeadFileGet.Found f, String method, Response response, Callback callback) {
        HttpFields.Mutable h = response.getHeaders();
        h.put(DavExchange.REVISION_HEADER, f.file().revision().name());
        h.put(HttpHeader.ETAG, f.etag());
        h.put(HttpHeader.LAST_MODIFIED, DateGenerator.formatDate(f.modified().toEpochMilli()));
        h.put(HttpHeader.CONTENT_TYPE, MediaTypes.of(f.target().path().name()));
        h.put(HttpHeader.ACCEPT_RANGES, "bytes");
        h.put(HttpHeader.CONTENT_LENGTH, f.file().size());
        response.setStatus(200);
        metrics.request("dav", method, 200);
        response.write(true, "HEAD".equals(method) ? null : ByteBuffer.wrap(f.file().body()), callback);
    }
}
