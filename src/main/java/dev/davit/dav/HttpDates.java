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

    static String imf(Instant t) {
        return IMF.format(t);
    }

    /** RFC 3339 for {@code creationdate} (RFC 4918 §15.1). */
    static String rfc3339(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }
}
