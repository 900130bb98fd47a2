package dev.davit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.auth.AccessTokens;
import dev.davit.testutil.Api;
import dev.davit.testutil.GitClient;
import dev.davit.testutil.TestServer;

/**
 * Personal access tokens on every front end, as GitHub clients send them ({@code token X}, {@code Bearer X})
 * and as git sends them (the token as the Basic password): the user's rights, or read-only.
 */
class TokenAuthTest {
    @TempDir
    Path tmp;
    TestServer s;
    AccessTokens.Issued rw;
    AccessTokens.Issued ro;

    @BeforeEach
    void start() throws Exception {
        SecureRandom random = new SecureRandom();
        rw = AccessTokens.issue(random);
        ro = AccessTokens.issue(random);
        Properties lines = new Properties();
        lines.load(new StringReader(rw.configLines("demo", false) + "\n" + ro.configLines("demo", true)));
        Map<String, String> settings = new HashMap<>();
        lines.stringPropertyNames().forEach(k -> settings.put(k, lines.getProperty(k)));
        s = TestServer.start(tmp, settings);
    }

    @AfterEach
    void stop() throws Exception {
        s.close();
    }

    @Test
    void restWithATokenReadsAndWritesAsTheUser() throws Exception {
        for (String scheme : new String[] {"token ", "Bearer "}) {
            Api api = Api.withAuthorization(s, scheme + rw.token());
            HttpResponse<String> me = api.sendTo("GET", s.server.baseUrl() + "api/user", null);
            assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
            assertThat(Api.json(me).get("login").asText()).isEqualTo("demo");
            HttpResponse<String> put = api.putFile("t-" + scheme.trim() + ".txt", "t\n", null);
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
            assertThat(Api.json(put).get("commit").get("committer").get("name").asText()).isEqualTo("demo");
        }
        HttpResponse<String> repo = Api.withAuthorization(s, "token " + rw.token()).get("");
        assertThat(Api.json(repo).get("permissions").get("push").asBoolean()).isTrue();
    }

    @Test
    void aReadOnlyTokenReadsEverywhereAndWritesNowhere() throws Exception {
        int commits = s.commitCount();
        Api api = Api.withAuthorization(s, "Bearer " + ro.token());
        assertThat(api.get("/contents/README.md").statusCode()).isEqualTo(200);
        HttpResponse<String> repo = api.get("");
        assertThat(Api.json(repo).get("permissions").get("push").asBoolean()).isFalse();
        HttpResponse<String> put = api.putFile("no.txt", "x", null);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(403);
        HttpResponse<String> dav = s.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.base() + "no.txt"))
                .header("Authorization", "Bearer " + ro.token()).PUT(java.net.http.HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(dav.statusCode()).as(dav.body()).isEqualTo(403);
        assertThat(s.commitCount()).isEqualTo(commits);
    }

    @Test
    void aWrongTokenIs401() throws Exception {
        String wrong = rw.token().substring(0, rw.token().length() - 4) + "0000";
        HttpResponse<String> r = Api.withAuthorization(s, "token " + wrong).get("/contents/README.md");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
    }

    @Test
    void gitPushesWithATokenAsPasswordAndNotWithAReadOnlyOne() throws Exception {
        try (Git g = GitClient.cloneWithJgit(s, tmp.resolve("c"), "demo", ro.token())) {
            Files.writeString(tmp.resolve("c/pushed.txt"), "p\n");
            g.add().addFilepattern("pushed.txt").call();
            g.commit().setMessage("push with a token").setAuthor("demo", "demo@localhost").call();
            assertThatThrownBy(() -> g.push().setCredentialsProvider(GitClient.credentials("demo", ro.token())).call())
                    .hasMessageContaining("not permitted"); // 403 for receive-pack
            for (PushResult r : g.push().setCredentialsProvider(GitClient.credentials("demo", rw.token())).call()) {
                for (RemoteRefUpdate u : r.getRemoteUpdates()) {
                    assertThat(u.getStatus()).as(u.getMessage()).isEqualTo(RemoteRefUpdate.Status.OK);
                }
            }
        }
        assertThat(s.get("pushed.txt").body()).isEqualTo("p\n");
    }

    @Test
    void inProcessBearer() throws Exception {
        String raw = "PROPFIND /dav/demo/sample/ HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + rw.token()
                + "\r\nDepth: 0\r\nConnection: close\r\n\r\n";
        HttpTester.Response r = HttpTester.parseResponse(s.server.localConnector().getResponse(raw));
        assertThat(r.getStatus()).as(r.getContent()).isEqualTo(207);
    }
}
