package dev.davit.lock;

/** A new lock would collide with an existing one (RFC 4918 §9.10.5, {@code no-conflicting-lock}). */
public final class LockConflictException extends Exception {
    private final transient Lock existing;

    public LockConflictException(Lock existing) {
        super("/" + existing.root() + " is already locked (" + existing.scope().name().toLowerCase(java.util.Locale.ROOT)
                + ", depth " + (existing.infinite() ? "infinity" : "0") + ")");
        this.existing = existing;
    }

    public Lock existing() {
        return existing;
    }
}
