package dev.davit.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import dev.davit.config.ConfigLoader;

/** Personal access tokens: {@code token X}, {@code Bearer X} and Basic with the token as password; read-only ones. */
class AccessTokensTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The users as the config file gives them, with the lines the {@code token} command printed. */
    private static UserStore store(String... tokenLines) throws Exception {
        Properties p = new Properties();
        p.setProperty("user.ann.password", "ann-pw");
        p.setProperty("user.ann.access", "*:rw");
        p.setProperty("user.bob.password", "bob-pw");
        p.setProperty("user.bob.access", "*:rw");
        for (String block : tokenLines) {
            p.load(new java.io.StringReader(block));
        }
        return new UserStore(ConfigLoader.fromProperties(p).users());
    }

    @Test
    void aTokenAuthenticatesAsItsUserInEveryScheme() throws Exception {
        AccessTokens.Issued t = AccessTokens.issue(RANDOM);
        assertThat(t.token()).matches("davit_[0-9a-f]{8}_[0-9a-f]{48}");
        assertThat(t.hash()).startsWith(PasswordHash.PREFIX).doesNotContain(t.token());
        UserStore users = store(t.configLines("ann", false));
        for (String header : List.of("token " + t.token(), "Bearer " + t.token(), "bearer " + t.token(), "TOKEN " + t.token(),
                basic("ann", t.token()))) {
            Optional<Principal> p = users.authenticate(header);
            assertThat(p).as(header).isPresent();
            assertThat(p.get().name()).isEqualTo("ann");
            assertThat(p.get().readOnly()).isFalse();
            assertThat(users.allows(p.get(), "o", "r", Access.WRITE)).isTrue();
        }
        // the password still works, and a token is no password for another user
        assertThat(users.authenticate(basic("ann", "ann-pw"))).isPresent();
        assertThat(users.authenticate(basic("bob", t.token()))).isEmpty();
    }

    @Test
    void wrongOrUnknownTokensAreRefused() throws Exception {
        AccessTokens.Issued t = AccessTokens.issue(RANDOM);
        AccessTokens.Issued other = AccessTokens.issue(RANDOM);
        UserStore users = store(t.configLines("ann", false));
        String wrongSecret = t.token().substring(0, t.token().length() - 1) + (t.token().endsWith("0") ? "1" : "0");
        assertThat(users.authenticate("token " + wrongSecret)).isEmpty();
        assertThat(users.authenticate("Bearer " + other.token())).isEmpty();
        assertThat(users.authenticate("Bearer ann-pw")).isEmpty();
        assertThat(users.authenticate("Bearer ")).isEmpty();
        assertThat(users.authenticate("token")).isEmpty();
    }

    @Test
    void aReadOnlyTokenReadsButNeverWrites() throws Exception {
        AccessTokens.Issued t = AccessTokens.issue(RANDOM);
        UserStore users = store(t.configLines("bob", true));
        Principal p = users.authenticate("token " + t.token()).orElseThrow();
        assertThat(p.name()).isEqualTo("bob");
        assertThat(p.readOnly()).isTrue();
        assertThat(users.allows(p, "o", "r", Access.READ)).isTrue();
        assertThat(users.allows(p, "o", "r", Access.WRITE)).isFalse();
        // the same user with the password still writes
        assertThat(users.allows(users.authenticate(basic("bob", "bob-pw")).orElseThrow(), "o", "r", Access.WRITE)).isTrue();
    }

    @Test
    void aMalformedTokenLineIsAConfigError() {
        Properties p = new Properties();
        p.setProperty("user.ann.password", "x");
        p.setProperty("user.ann.token.nothex!", "plain");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.fromProperties(p))
                .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("davit token");
    }
}
