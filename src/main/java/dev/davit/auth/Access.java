package dev.davit.auth;

/** What a request needs: reading, or writing (which implies reading). */
public enum Access { READ, WRITE }
