package dev.davit.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

/** An answer kept by cluster mode's log for a keyed write that made no commit reads back whole. */
class ReplyBytesTest {
    @Test
    void everyPartOfAnAnswerReadsBackAsWritten() throws Exception {
        Reply r = new Reply(409, Reply.JSON, "{\"message\":\"stale \u00e9\"}".getBytes(StandardCharsets.UTF_8), "W/\"abc\"",
                ObjectId.fromString("0123456789012345678901234567890123456789"), Map.of("Retry-After", "1", "X-A", "b"));

        Reply back = Reply.fromBytes(r.toBytes());

        assertThat(back.status()).isEqualTo(409);
        assertThat(back.contentType()).isEqualTo(Reply.JSON);
        assertThat(back.body()).isEqualTo(r.body());
        assertThat(back.etag()).isEqualTo("W/\"abc\"");
        assertThat(back.revision()).isEqualTo(r.revision());
        assertThat(back.headers()).isEqualTo(r.headers());
    }

    @Test
    void anAnswerWithoutTagOrRevisionHasNoneWhenReadBack() throws Exception {
        Reply back = Reply.fromBytes(Reply.json(422, Json.object().put("message", "no")).toBytes());

        assertThat(back.etag()).isNull();
        assertThat(back.revision()).isNull();
        assertThat(back.headers()).isEmpty();
    }
}
