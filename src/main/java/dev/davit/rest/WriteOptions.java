package dev.davit.rest;

import dev.davit.storage.history.History;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.davit.storage.GitRepository;
import dev.davit.storage.Identity;
import dev.davit.storage.NotFoundException;

/**
 * The fields every write shares (GitHub's contents API): {@code message}, {@code branch}, {@code author},
 * {@code committer}. The commit's committer is always the authenticated user, so the history says who
 * wrote through Davit; a client-given {@code author} (else {@code committer}) becomes the commit's author,
 * as GitHub lets a client name one.
 */
record WriteOptions(String message, Identity author, Identity committer) {
    /**
     * @param defaultMessage used when {@code message} is absent; null makes it required (GitHub's PUT and DELETE)
     */
    static WriteOptions parse(ObjectNode body, ApiCall call, String defaultMessage, String docs) throws IOException, NotFoundException {
        String message = Json.string(body, "message");
        if (message == null || message.isBlank()) {
            if (defaultMessage == null) {
                throw new RestProblem(422, "Invalid request.\n\n\"message\" wasn't supplied.", docs, null);
            }
            message = defaultMessage;
        }
        checkBranch(Json.string(body, "branch"), call);
        Identity committer = call.committer();
        Identity author = person(body, "author", docs);
        if (author == null) {
            author = person(body, "committer", docs);
        }
        return new WriteOptions(message, author == null ? committer : author, committer);
    }

    /**
     * Davit serves and writes one branch. Naming it is fine; naming a branch that does not exist is 404 (as
     * GitHub answers, before any sha is looked at); naming another existing branch is refused (422).
     */
    private static void checkBranch(String branch, ApiCall call) throws IOException, NotFoundException {
        String main = GitRepository.BRANCH.substring("refs/heads/".length());
        if (branch == null || branch.equals(main) || branch.equals(GitRepository.BRANCH)) {
            return;
        }
        boolean exists = History.of(call.repository).branches().stream().anyMatch(b -> b.name().equals(branch));
        if (!exists) {
            throw new RestProblem(404, "Branch " + branch + " not found");
        }
        throw RestProblem.invalid("Davit writes only to the default branch \"" + main + "\", not \"" + branch + "\".");
    }

    /** GitHub: an author or committer object needs both name and email (422 otherwise). */
    private static Identity person(ObjectNode body, String field, String docs) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!(n instanceof ObjectNode o)) {
            throw new RestProblem(422, "Invalid request.\n\n\"" + field + "\" is not an object.", docs, null);
        }
        String name = Json.string(o, "name");
        String email = Json.string(o, "email");
        if (name == null || name.isBlank() || email == null || email.isBlank()) {
            throw new RestProblem(422, "Invalid request.\n\n\"name\" and \"email\" are required in \"" + field + "\".", docs, null);
        }
        return new Identity(name, email);
    }
}
