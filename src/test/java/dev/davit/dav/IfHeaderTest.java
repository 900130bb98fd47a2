package dev.davit.dav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The {@code If} header (RFC 4918 §10.4) on its own: the grammar, evaluation against resource states,
 * and which tokens count as submitted. The end-to-end use is in {@link LockTest}.
 */
class IfHeaderTest {
    static final String T1 = "opaquelocktoken:11111111-1111-1111-1111-111111111111";
    static final String T2 = "opaquelocktoken:22222222-2222-2222-2222-222222222222";
    static final String E1 = "\"aaaa\"";
    static final String E2 = "\"bbbb\"";

    /** Resource states by tag ({@code null} = the request URI); unknown tags are absent resources. */
    static final class States implements IfHeader.StateLookup {
        final Map<String, IfHeader.ResourceState> byTag = new HashMap<>();
        final List<String> asked = new java.util.ArrayList<>();

        States with(String tag, String etag, String... tokens) {
            byTag.put(tag, new IfHeader.ResourceState(etag, Set.of(tokens)));
            return this;
        }

        @Override
        public IfHeader.ResourceState stateOf(String tag) {
            asked.add(tag);
            return byTag.getOrDefault(tag, IfHeader.ResourceState.ABSENT);
        }
    }

    /** The request URI with etag E1 and lock token T1. */
    static States uri() {
        return new States().with(null, E1, T1);
    }

    static boolean eval(String header, States s) throws Exception {
        return IfHeader.parse(header).evaluate(s);
    }

    // ---- grammar --------------------------------------------------------------------------------

    @Test
    void nullIsNoHeader() {
        assertThat(IfHeader.parse(null)).isNull();
    }

    @Test
    void anUntaggedListWithOneStateToken() {
        IfHeader h = IfHeader.parse("(<" + T1 + ">)");
        assertThat(h.lists()).containsExactly(
                new IfHeader.ConditionList(null, List.of(new IfHeader.Condition(false, T1, null))));
    }

    @Test
    void anUntaggedListWithAStateTokenAndAnEntityTag() {
        IfHeader h = IfHeader.parse("(<" + T1 + "> [" + E1 + "])");
        assertThat(h.lists()).containsExactly(new IfHeader.ConditionList(null, List.of(
                new IfHeader.Condition(false, T1, null), new IfHeader.Condition(false, null, E1))));
    }

    @Test
    void notNegatesTheFollowingCondition() {
        IfHeader h = IfHeader.parse("(Not <" + T1 + "> [" + E1 + "])");
        assertThat(h.lists().get(0).conditions()).containsExactly(
                new IfHeader.Condition(true, T1, null), new IfHeader.Condition(false, null, E1));
    }

    @Test
    void taggedListsKeepTheirResource() {
        IfHeader h = IfHeader.parse("<http://h/dav/demo/sample/a> (<" + T1 + ">) <http://h/dav/demo/sample/b> ([" + E2 + "])");
        assertThat(h.lists()).containsExactly(
                new IfHeader.ConditionList("http://h/dav/demo/sample/a", List.of(new IfHeader.Condition(false, T1, null))),
                new IfHeader.ConditionList("http://h/dav/demo/sample/b", List.of(new IfHeader.Condition(false, null, E2))));
    }

    @Test
    void aTagAppliesToEveryListUntilTheNextTag() {
        IfHeader h = IfHeader.parse("</dav/demo/sample/a> (<" + T1 + ">) (<" + T2 + ">)");
        assertThat(h.lists()).extracting(IfHeader.ConditionList::tag)
                .containsExactly("/dav/demo/sample/a", "/dav/demo/sample/a");
    }

    @Test
    void whitespaceAndTabsBetweenTokensAreAllowed() {
        IfHeader h = IfHeader.parse("  (\t<" + T1 + ">   Not\t[" + E1 + "] )\t( <" + T2 + "> ) ");
        assertThat(h.lists()).hasSize(2);
        assertThat(h.lists().get(0).conditions()).containsExactly(
                new IfHeader.Condition(false, T1, null), new IfHeader.Condition(true, null, E1));
    }

    @Test
    void weakEntityTagsAreKeptAsSent() {
        IfHeader h = IfHeader.parse("([W/" + E1 + "])");
        assertThat(h.lists().get(0).conditions()).containsExactly(new IfHeader.Condition(false, null, "W/" + E1));
    }

    // ---- evaluation -----------------------------------------------------------------------------

    @Test
    void aStateTokenMatchesWhenTheResourceHasThatLock() throws Exception {
        assertThat(eval("(<" + T1 + ">)", uri())).isTrue();
        assertThat(eval("(<" + T2 + ">)", uri())).isFalse();
    }

    @Test
    void anEntityTagMatchesTheCurrentEtagOnly() throws Exception {
        assertThat(eval("([" + E1 + "])", uri())).isTrue();
        assertThat(eval("([" + E2 + "])", uri())).isFalse();
        assertThat(eval("([W/" + E1 + "])", uri())).as("weak comparison").isTrue();
    }

    @Test
    void notInvertsAMatch() throws Exception {
        assertThat(eval("(Not <" + T1 + ">)", uri())).isFalse();
        assertThat(eval("(Not <" + T2 + ">)", uri())).isTrue();
        assertThat(eval("(Not [" + E1 + "])", uri())).isFalse();
        assertThat(eval("(Not [" + E2 + "])", uri())).isTrue();
    }

    @Test
    void notIsCaseInsensitive() throws Exception {
        assertThat(eval("(not <" + T2 + ">)", uri())).isTrue();
        assertThat(eval("(NOT <" + T1 + ">)", uri())).isFalse();
    }

    @Test
    void aListNeedsEveryConditionToHold() throws Exception {
        assertThat(eval("(<" + T1 + "> [" + E1 + "])", uri())).isTrue();
        assertThat(eval("(<" + T1 + "> [" + E2 + "])", uri())).as("right token, stale etag").isFalse();
        assertThat(eval("(<" + T2 + "> [" + E1 + "])", uri())).as("wrong token, right etag").isFalse();
        assertThat(eval("(<" + T1 + "> Not [" + E2 + "])", uri())).isTrue();
    }

    @Test
    void severalListsAreOred() throws Exception {
        assertThat(eval("(<" + T2 + ">) (<" + T1 + ">)", uri())).isTrue();
        assertThat(eval("([" + E2 + "]) ([" + E1 + "])", uri())).isTrue();
        assertThat(eval("(<" + T2 + ">) ([" + E2 + "])", uri())).isFalse();
    }

    @Test
    void noLockIsNeverTrue() throws Exception {
        assertThat(eval("(<DAV:no-lock>)", uri())).isFalse();
        assertThat(eval("(<DAV:no-lock>)", new States().with(null, E1))).as("even on an unlocked resource").isFalse();
        assertThat(eval("(Not <DAV:no-lock>)", uri())).isTrue();
    }

    @Test
    void aTokenListOrNotNoLockIsTrueWithoutTheToken() throws Exception {
        // litmus cond_put_with_not: "(<token>) (Not <DAV:no-lock>)" holds whatever the lock state.
        String h = "(<" + T2 + ">) (Not <DAV:no-lock>)";
        assertThat(eval(h, uri())).isTrue();
        assertThat(eval("(<" + T2 + "> [" + E1 + "]) (Not <DAV:no-lock> [" + E1 + "])", uri())).isTrue();
        assertThat(eval("(<" + T2 + "> [" + E1 + "]) (Not <DAV:no-lock> [" + E2 + "])", uri())).isFalse();
    }

    @Test
    void taggedListsAreEvaluatedAgainstTheirOwnResource() throws Exception {
        States s = new States().with(null, E1).with("http://h/dav/demo/sample/locked", E2, T2);
        assertThat(eval("<http://h/dav/demo/sample/locked> (<" + T2 + ">)", s)).isTrue();
        assertThat(s.asked).containsExactly("http://h/dav/demo/sample/locked");
        assertThat(eval("<http://h/dav/demo/sample/locked> ([" + E1 + "])", s)).as("etag of the request URI, not the tag").isFalse();
        assertThat(eval("<http://h/dav/demo/sample/locked> ([" + E2 + "])", s)).isTrue();
    }

    @Test
    void aListAboutAnAbsentResourceMatchesOnlyNegations() throws Exception {
        States s = uri();
        assertThat(eval("<http://h/elsewhere> (<" + T1 + ">)", s)).isFalse();
        assertThat(eval("<http://h/elsewhere> ([" + E1 + "])", s)).isFalse();
        assertThat(eval("<http://h/elsewhere> (Not [" + E1 + "])", s)).isTrue();
    }

    @Test
    void theFirstTrueListEndsTheEvaluation() throws Exception {
        States s = new States().with("/a", E1, T1).with("/b", E2);
        assertThat(eval("</a> (<" + T1 + ">) </b> ([" + E2 + "])", s)).isTrue();
        assertThat(s.asked).containsExactly("/a");
    }

    // ---- submitted tokens -----------------------------------------------------------------------

    @Test
    void submittedTokensAreTheNonNegatedStateTokensOfEveryList() {
        IfHeader h = IfHeader.parse("</a> (<" + T1 + "> Not <opaquelocktoken:negated> [" + E1 + "]) </b> (<" + T2 + ">) (Not <DAV:no-lock>)");
        assertThat(h.submittedTokens()).containsExactlyInAnyOrder(T1, T2);
    }

    @Test
    void aNegatedTokenIsNotSubmitted() {
        assertThat(IfHeader.parse("(Not <" + T1 + ">)").submittedTokens()).isEmpty();
        assertThat(IfHeader.parse("([" + E1 + "])").submittedTokens()).isEmpty();
    }

    @Test
    void noLockCountsAsSubmittedOnlyAsALiteral() {
        // DAV:no-lock matches no lock, so submitting it is harmless; it is never a real token.
        assertThat(IfHeader.parse("(<DAV:no-lock>)").submittedTokens()).containsExactly("DAV:no-lock");
    }

    // ---- malformed headers ----------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "   ",
        "(<" + T1 + ">",                        // unterminated list
        "(<" + T1,                              // unterminated state token
        "([" + E1,                              // unterminated entity tag
        "()",                                   // empty list
        "( )",
        "(Not)",                                // Not without a condition
        "(Not",
        "garbage",
        "<" + T1 + ">",                         // a tag without a list
        "<http://h/a",                          // unterminated tag
        "(<" + T1 + ">) garbage",
        "(" + T1 + ")",                         // a bare token without angle brackets
        "(<" + T1 + ">) <http://h/a> (<" + T2 + ">)", // untagged then tagged
        "<http://h/a> (<" + T1 + ">) (<" + T2 + ">) x",
    })
    void aMalformedHeaderIs400(String header) {
        Throwable t = catchThrowable(() -> IfHeader.parse(header));
        assertThat(t).as("If: %s", header).isInstanceOf(DavProblem.class);
        assertThat(((DavProblem) t).status()).isEqualTo(400);
        assertThat(t.getMessage()).contains("If");
    }
}
