package dev.davit.dav;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** The two date formats WebDAV uses. */
final class HttpDates {
    /** IMF-fixdate (RFC 9110 §5.6.7): always two-digit days, unlike RFC_1123_DATE_TIME. */
    private static final DateTimeFormatter IMF = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
            .withZone(ZoneOffset.UTC);

    private HttpDates() {
    }

    /**
     * Recently formatted seconds, direct-mapped: a PROPFIND lists many files changed by the same few commits,
     * and DateTimeFormatter was a fifth of its time. Slots hold immutable records, so a race only formats twice.
     */
    private record Formatted(long second, String text) {
    }

    private static final Formatted[] RECENT = new Formatted[256];

    static String imf(Instant t) {
        long second = t.getEpochSecond();
        int slot = (int) (second & (RECENT.length - 1));
        Formatted f = RECENT[slot];
        if (f == null || f.second() != second) {
            f = new Formatted(second, IMF.format(Instant.ofEpochSecond(second)));
            RECENT[slot] = f;
        }
        return f.text();
    }

    /** RFC 3339 for {@code creationdate} (RFC 4918 §15.1). */
    static String rfc3339(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }
}
