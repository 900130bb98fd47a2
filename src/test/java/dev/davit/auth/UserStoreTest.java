package dev.davit.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

class UserStoreTest {
    private static String basic(String user, String password, java.nio.charset.Charset cs) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(cs));
    }

    private static UserStore store(String password) {
        return new UserStore(List.of(new UserAccount("zoë", password, "z@localhost",
                List.of(new UserAccount.Grant("*", Access.WRITE)))));
    }

    @Test
    void aPbkdf2HashIsSaltedAndChecked() {
        String h1 = PasswordHash.hash("sécret");
        String h2 = PasswordHash.hash("sécret");
        assertThat(h1).startsWith(PasswordHash.PREFIX).isNotEqualTo(h2);
        assertThat(PasswordHash.matches("sécret", h1)).isTrue();
        assertThat(PasswordHash.matches("secret", h1)).isFalse();
        assertThat(PasswordHash.matches("sécret", PasswordHash.PREFIX + "garbage")).isFalse();
    }

    @Test
    void utf8CredentialsAgainstAHashAreAccepted() {
        UserStore users = store(PasswordHash.hash("pässwörd"));
        assertThat(users.authenticate(basic("zoë", "pässwörd", StandardCharsets.UTF_8))).isPresent();
        // cached the second time; still the same answer
        assertThat(users.authenticate(basic("zoë", "pässwörd", StandardCharsets.UTF_8))).isPresent();
        assertThat(users.authenticate(basic("zoë", "passwort", StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void latin1CredentialsFromClientsThatIgnoreTheCharsetAreAcceptedToo() {
        UserStore users = store("pässwörd");
        assertThat(users.authenticate(basic("zoë", "pässwörd", StandardCharsets.ISO_8859_1))).isPresent();
    }

    @Test
    void unknownSchemesAndGarbageAreNoCredentialsNotErrors() {
        UserStore users = store("x");
        assertThat(users.authenticate("Token abc")).isEmpty();
        assertThat(users.authenticate("Basic !!!not-base64")).isEmpty();
        assertThat(users.authenticate("Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes()))).isEmpty();
        assertThat(users.authenticate(null)).isEmpty();
    }

    /** What the plain-GET path (PlainGetHandler) takes as authenticated: only a good check it could repeat. */
    @Test
    void recentlyVerifiedKnowsOnlyCredentialsThatPassedACheckBeforeAndUntilTheyExpire() {
        java.util.concurrent.atomic.AtomicLong millis = new java.util.concurrent.atomic.AtomicLong(1_000_000);
        java.time.Clock clock = new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return java.time.Instant.ofEpochMilli(millis.get());
            }
        };
        UserStore users = new UserStore(List.of(new UserAccount("zoë", PasswordHash.hash("pässwörd"), "z@localhost",
                List.of(new UserAccount.Grant("*", Access.WRITE)))), List.of(),
                new FailedLoginLimiter(FailedLoginLimiter.Settings.DEFAULT, clock), new PasswordChecks(1, 32), clock);
        String good = basic("zoë", "pässwörd", StandardCharsets.UTF_8);
        assertThat(users.recentlyVerified(good)).as("never checked").isEmpty();
        assertThat(users.authenticate(good)).isPresent();
        assertThat(users.recentlyVerified(good)).map(Principal::name).contains("zoë");
        assertThat(users.recentlyVerified(basic("zoë", "passwort", StandardCharsets.UTF_8))).isEmpty();
        assertThat(users.recentlyVerified("Token abc")).isEmpty();
        assertThat(users.recentlyVerified("Basic !!!not-base64")).isEmpty();
        assertThat(users.recentlyVerified(null)).isEmpty();
        millis.addAndGet(java.util.concurrent.TimeUnit.MINUTES.toMillis(11));
        assertThat(users.recentlyVerified(good)).as("expired like the cache of authenticate").isEmpty();
    }
}
