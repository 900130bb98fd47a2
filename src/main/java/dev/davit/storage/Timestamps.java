package dev.davit.storage;

import java.time.Instant;

/** When a path was created (the commit that added it) and last modified (the last commit that changed it). */
public record Timestamps(Instant created, Instant modified) {
}
