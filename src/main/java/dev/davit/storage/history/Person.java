package dev.davit.storage.history;

import java.time.Instant;

/** An author or committer line of a commit: who, and when (to the second, as git stores it). */
public record Person(String name, String email, Instant when) {
}
