package dev.davit.dav;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** The two date formats WebDAV uses. */
final class HttpDates {
    /** IMF-fixdate (RFC 9110 §5.6.7): always two-digit days, unlike RFC_1123_DATE_TIME. */
    private static final DateTimeFormatter IMF = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
            .withZone(ZoneOffset.UTC);
    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
            "Dec"};
    /** 0001-01-01 and 9999-12-31 23:59:59: four-digit years, the only ones {@link #imf} writes itself. */
    private static final long FIRST = LocalDate.of(1, 1, 1).toEpochDay() * 86_400;
    private static final long LAST = (LocalDate.of(9999, 12, 31).toEpochDay() + 1) * 86_400 - 1;

    private HttpDates() {
    }

    /**
     * IMF-fixdate of {@code t}'s second, written out by hand: a PROPFIND formats one per member, and
     * DateTimeFormatter was a fifth of a 1,000-file listing's time. The same text as {@link #IMF} (a test
     * compares them); years without four digits go through it.
     */
    static String imf(Instant t) {
        long second = t.getEpochSecond();
        if (second < FIRST || second > LAST) {
            return IMF.format(Instant.ofEpochSecond(second));
        }
        long day = Math.floorDiv(second, 86_400);
        int inDay = (int) Math.floorMod(second, 86_400);
        LocalDate date = LocalDate.ofEpochDay(day);
        char[] c = new char[29];
        String dow = DAYS[(int) Math.floorMod(day + 3, 7)]; // 1970-01-01 was a Thursday
        String month = MONTHS[date.getMonthValue() - 1];
        c[0] = dow.charAt(0);
        c[1] = dow.charAt(1);
        c[2] = dow.charAt(2);
        c[3] = ',';
        c[4] = ' ';
        two(c, 5, date.getDayOfMonth());
        c[7] = ' ';
        c[8] = month.charAt(0);
        c[9] = month.charAt(1);
        c[10] = month.charAt(2);
        c[11] = ' ';
        int year = date.getYear();
        two(c, 12, year / 100);
        two(c, 14, year % 100);
        c[16] = ' ';
        two(c, 17, inDay / 3600);
        c[19] = ':';
        two(c, 20, inDay / 60 % 60);
        c[22] = ':';
        two(c, 23, inDay % 60);
        c[25] = ' ';
        c[26] = 'G';
        c[27] = 'M';
        c[28] = 'T';
        return new String(c);
    }

    private static void two(char[] c, int at, int v) {
        c[at] = (char) ('0' + v / 10);
        c[at + 1] = (char) ('0' + v % 10);
    }

    /** The same text through DateTimeFormatter (for the test that {@link #imf} matches it). */
    static String imfByFormatter(Instant t) {
        return IMF.format(Instant.ofEpochSecond(t.getEpochSecond()));
    }

    /** RFC 3339 for {@code creationdate} (RFC 4918 §15.1). */
    static String rfc3339(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }
}
