package dev.davit.dav;

/** A property's qualified name; {@code ns} is the empty string for the null namespace. */
record PropertyName(String ns, String local) {
    static PropertyName dav(String local) {
        return new PropertyName(Xml.DAV, local);
    }

    @Override
    public String toString() {
        return "{" + ns + "}" + local;
    }
}
