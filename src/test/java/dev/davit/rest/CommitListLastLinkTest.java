package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.davit.testutil.Api;
import dev.davit.testutil.TestServer;

/**
 * {@code Link rel="last"} on paged commit lists: PyGithub's {@code totalCount} reads the total from it
 * (0 without it) and its {@code reversed} starts there. The count is remembered per head and extended as
 * the head moves, so it must stay right as commits arrive.
 */
class CommitListLastLinkTest {
    private static final Pattern LAST = Pattern.compile("[?&]page=(\\d+)>; rel=\"last\"");

    @TempDir
    Path tmp;
    TestServer s;
    Api api;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.start(tmp);
        api = new Api(s);
    }

    @AfterEach
    void stop() throws Exception {
        s.close();
    }

    private int lastPage(String query) throws Exception {
        HttpResponse<String> r = api.get("/commits?" + query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String link = r.headers().firstValue("Link").orElse("");
        Matcher m = LAST.matcher(link);
        return m.find() ? Integer.parseInt(m.group(1)) : 1; // one page: no last, as on GitHub
    }

    @Test
    void perPageOneGivesTheTotalAndFollowsNewCommits() throws Exception {
        int commits = s.commitCount();
        assertThat(lastPage("per_page=1")).isEqualTo(commits);
        for (int i = 0; i < 3; i++) {
            assertThat(api.putFile("n" + i + ".txt", "n", null).statusCode()).isEqualTo(201);
            assertThat(lastPage("per_page=1")).isEqualTo(s.commitCount());
        }
        assertThat(lastPage("per_page=2")).isEqualTo((s.commitCount() + 1) / 2);
        // the last page is where the list ends: the first commit, and no next or last there
        HttpResponse<String> last = api.get("/commits?per_page=1&page=" + s.commitCount());
        assertThat(Api.json(last).size()).isEqualTo(1);
        assertThat(last.headers().firstValue("Link").orElse("")).doesNotContain("rel=\"last\"").doesNotContain("rel=\"next\"");
    }

    @Test
    void pathAndPastStartsCountTheirOwnHistory() throws Exception {
        String past = s.head();
        int before = s.commitCount();
        for (int i = 0; i < 4; i++) {
            String sha = i == 0 ? null : api.sha("p.txt");
            assertThat(api.putFile("p.txt", "v" + i, sha).statusCode()).isIn(200, 201);
        }
        assertThat(lastPage("path=p.txt&per_page=1")).isEqualTo(4);
        assertThat(lastPage("sha=" + past + "&per_page=1")).isEqualTo(before);
        assertThat(lastPage("per_page=1")).isEqualTo(before + 4);
        assertThat(lastPage("sha=" + past + "&per_page=1")).isEqualTo(before);
    }
}
