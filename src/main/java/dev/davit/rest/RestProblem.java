package dev.davit.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A refusal decided by the REST front end itself, carrying its status (sabre/dav's and Jetty's model).
 * Unchecked, so that it can leave a storage {@code Mutation} and abort the write. {@link RestErrors}
 * renders it; {@code extra} fields are added to GitHub's {@code message}/{@code documentation_url}.
 */
final class RestProblem extends RuntimeException {
    static final String DOCS = "https://docs.github.com/rest";
    static final String DOCS_PUT = "https://docs.github.com/rest/repos/contents#create-or-update-file-contents";
    static final String DOCS_DELETE = "https://docs.github.com/rest/repos/contents#delete-a-file";

    private final int status;
    private final String documentationUrl;
    private final transient ObjectNode extra;

    RestProblem(int status, String message, String documentationUrl, ObjectNode extra) {
        super(message);
        this.status = status;
        this.documentationUrl = documentationUrl;
        this.extra = extra;
    }

    RestProblem(int status, String message) {
        this(status, message, DOCS, null);
    }

    int status() {
        return status;
    }

    String documentationUrl() {
        return documentationUrl;
    }

    ObjectNode extra() {
        return extra;
    }

    static RestProblem notFound() {
        return new RestProblem(404, "Not Found");
    }

    /** GitHub's wording for a body that does not parse: 400 "Problems parsing JSON". */
    static RestProblem badJson() {
        return new RestProblem(400, "Problems parsing JSON");
    }

    /** GitHub's 422 wording: {@code Invalid request.\n\n<detail>}. */
    static RestProblem invalid(String detail) {
        return new RestProblem(422, "Invalid request.\n\n" + detail);
    }

    /** An update or delete of an existing file without the blob sha it replaces (GitHub: 422). */
    static RestProblem shaMissing(String docs) {
        return new RestProblem(422, "Invalid request.\n\n\"sha\" wasn't supplied.", docs, null);
    }
}
