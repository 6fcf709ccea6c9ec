package io.meridian.core;

import java.util.Locale;
import java.util.Objects;

/**
 * One fact an applied entry changed, in words an operator reads ("split at 'm' into 7 and 12").
 * An applied entry reports its changes in order; the subject is the id of the thing changed.
 *
 * <p>The description is formatted when it is read, not when the entry is applied: most changes
 * are never printed, and formatting would otherwise dominate the cost of apply. The arguments are
 * immutable values. Immutable and thread-safe.
 */
public final class Change {

    private final Area area;
    private final String subject;
    private final String format;
    private final Object[] args;

    public Change(Area area, String subject, String description) {
        this(area, subject, description, new Object[0]);
    }

    Change(Area area, String subject, String format, Object[] args) {
        this.area = Objects.requireNonNull(area, "area");
        this.subject = Objects.requireNonNull(subject, "subject");
        this.format = Objects.requireNonNull(format, "format");
        this.args = args;
    }

    public Area area() {
        return area;
    }

    public String subject() {
        return subject;
    }

    /** What changed, formatted with {@link Locale#ROOT}. */
    public String description() {
        return args.length == 0 ? format : String.format(Locale.ROOT, format, args);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Change change && area == change.area && subject.equals(change.subject)
                && description().equals(change.description());
    }

    @Override
    public int hashCode() {
        return Objects.hash(area, subject, description());
    }

    @Override
    public String toString() {
        return area + " " + subject + ": " + description();
    }
}
