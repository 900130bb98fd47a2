package dev.davit.storage;

/** Who a commit is by: the authenticated user. */
public record Identity(String name, String email) {
}
