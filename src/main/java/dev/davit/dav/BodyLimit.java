package dev.davit.dav;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The request body limit ({@code limits.body.bytes}): a declared length past it is refused before a
 * byte is read, a chunked body when it passes it. Nothing is committed either way (the blob is not
 * referenced by any commit).
 */
final class BodyLimit extends FilterInputStream {
    private final long max;
    private long seen;

    private BodyLimit(InputStream in, long max) {
        super(in);
        this.max = max;
    }

    static InputStream of(DavExchange x, InputStream in) {
        long max = x.settings.maxBodyBytes();
        if (max <= 0) {
            return in;
        }
        if (x.request.getContentLengthLong() > max) {
            throw tooLarge(max);
        }
        return new BodyLimit(in, max);
    }

    private static DavProblem tooLarge(long max) {
        return new DavProblem(413, "too-large", "request body larger than " + max + " bytes (limits.body.bytes)");
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            count(n);
        }
        return n;
    }

    private void count(long n) {
        seen += n;
        if (seen > max) {
            throw tooLarge(max);
        }
    }
}
