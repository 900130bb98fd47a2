package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** {@link HttpDates#imf} writes IMF-fixdate by hand; it must be DateTimeFormatter's text for every second. */
class HttpDatesTest {
    private static Instant utc(int y, int mo, int d, int h, int mi, int s) {
        return LocalDateTime.of(y, mo, d, h, mi, s).toInstant(ZoneOffset.UTC);
    }

    @Test
    void knownDates() {
        assertThat(HttpDates.imf(Instant.EPOCH)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
        assertThat(HttpDates.imf(utc(1994, 11, 6, 8, 49, 37))).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT"); // RFC 9110
        assertThat(HttpDates.imf(Instant.ofEpochSecond(784_111_777, 999_999_999))).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
    }

    @Test
    void sameAsTheFormatterAtEdges() {
        Instant[] edges = {Instant.EPOCH, Instant.ofEpochSecond(-1), Instant.ofEpochSecond(86_399), utc(2000, 2, 29, 23, 59, 59),
                utc(1900, 2, 28, 12, 0, 0), utc(1900, 3, 1, 0, 0, 0), utc(1, 1, 1, 0, 0, 0), utc(1, 1, 1, 0, 0, 0).minusSeconds(1),
                utc(999, 12, 31, 23, 59, 59), utc(1000, 1, 1, 0, 0, 0), utc(9999, 12, 31, 23, 59, 59),
                utc(9999, 12, 31, 23, 59, 59).plusSeconds(1), utc(-5, 6, 7, 8, 9, 10), utc(2038, 1, 19, 3, 14, 8),
                Instant.ofEpochSecond(-62_135_596_801L), Instant.ofEpochSecond(253_402_300_800L)};
        for (Instant t : edges) {
            assertThat(HttpDates.imf(t)).as("%s", t).isEqualTo(HttpDates.imfByFormatter(t));
        }
    }

    @Test
    void sameAsTheFormatterForRandomSeconds() {
        SplittableRandom r = new SplittableRandom(16);
        long from = utc(1, 1, 1, 0, 0, 0).getEpochSecond() - 86_400L * 400;
        long to = utc(9999, 12, 31, 23, 59, 59).getEpochSecond() + 86_400L * 400;
        for (int i = 0; i < 200_000; i++) {
            Instant t = Instant.ofEpochSecond(i % 2 == 0 ? r.nextLong(from, to) : r.nextLong(-4_000_000_000L, 8_000_000_000L));
            assertThat(HttpDates.imf(t)).as("%s", t).isEqualTo(HttpDates.imfByFormatter(t));
        }
    }
}
