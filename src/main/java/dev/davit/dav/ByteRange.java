package dev.davit.dav;

/**
 * One satisfiable byte range of a representation (RFC 9110 §14.1.2). Several ranges in one header are
 * answered with the whole representation, which §14.2 allows; a malformed header is ignored likewise.
 */
record ByteRange(long first, long last) {
    static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

    /** Null when the whole representation should be sent; {@link #UNSATISFIABLE} for a 416. */
    static ByteRange parse(String header, long size) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = h.substring(6).trim();
        if (spec.contains(",")) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) {
                if (b.isEmpty()) {
                    return null;
                }
                long suffix = Long.parseLong(b);
                if (suffix < 0) {
                    return null; // "bytes=--1" is malformed: ignored, the whole representation is sent
                }
                if (suffix == 0 || size == 0) {
                    return UNSATISFIABLE;
                }
                return new ByteRange(Math.max(0, size - suffix), size - 1);
            }
            long first = Long.parseLong(a);
            if (first < 0) {
                return null;
            }
            if (first >= size) {
                return UNSATISFIABLE; // §14.1.2: a first byte past the end cannot be satisfied
            }
            long last = b.isEmpty() ? size - 1 : Long.parseLong(b);
            if (last < first) {
                return null;
            }
            return new ByteRange(first, Math.min(last, size - 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
