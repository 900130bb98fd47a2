package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the {@code If} header grammar (RFC 4918 §10.4). Invariants: the only refusal is a
 * {@link DavProblem} with status 400; a header that parses has at least one list, no empty list, every
 * condition is exactly one of a state token or an entity tag; it evaluates without throwing; and written
 * back in canonical form it parses to the same lists. {@code mvn test} replays
 * {@code src/test/resources/dev/davit/dav/IfHeaderFuzzTestInputs/parse/}; {@code interop/fuzz.sh} fuzzes.
 */
class IfHeaderFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parse(byte[] raw) throws Exception {
        // A header value as Jetty hands it over: one char per byte.
        String header = new String(raw, StandardCharsets.ISO_8859_1);
        IfHeader h;
        try {
            h = IfHeader.parse(header);
        } catch (DavProblem p) {
            assertThat(p.status()).as("If: %s", header).isEqualTo(400);
            return;
        }
        assertThat(h).isNotNull();
        List<IfHeader.ConditionList> lists = h.lists();
        assertThat(lists).isNotEmpty();
        for (IfHeader.ConditionList l : lists) {
            assertThat(l.conditions()).isNotEmpty();
            for (IfHeader.Condition c : l.conditions()) {
                assertThat(c.stateToken() == null).as("exactly one of token and etag: %s", c).isNotEqualTo(c.entityTag() == null);
            }
        }
        // Evaluation never throws, whatever the resource state.
        h.evaluate(tag -> new IfHeader.ResourceState("\"e\"", Set.of("opaquelocktoken:x")));
        h.evaluate(tag -> IfHeader.ResourceState.ABSENT);
        h.submittedTokens();
        // Canonical form round trip.
        IfHeader again = IfHeader.parse(canonical(h));
        assertThat(again.lists()).as("round trip of %s via %s", header, canonical(h)).isEqualTo(lists);
    }

    static String canonical(IfHeader h) {
        StringBuilder sb = new StringBuilder();
        for (IfHeader.ConditionList l : h.lists()) {
            if (l.tag() != null) {
                sb.append('<').append(l.tag()).append("> ");
            }
            sb.append('(');
            String sep = "";
            for (IfHeader.Condition c : l.conditions()) {
                sb.append(sep).append(c.not() ? "Not " : "");
                sb.append(c.stateToken() != null ? "<" + c.stateToken() + ">" : "[" + c.entityTag() + "]");
                sep = " ";
            }
            sb.append(") ");
        }
        return sb.toString();
    }
}
