package io.meridian.core.access;

import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * The access bindings: identity to its binding, sorted by identity. A binding overrides the role
 * the identity's certificate names (see {@link AccessPolicy#effectiveRole}); an identity without
 * one has its certificate's role.
 *
 * <p>Immutable and thread-safe.
 */
public record AccessTable(TreePMap<String, AccessBinding> bindings) {

    public static final AccessTable EMPTY = new AccessTable(TreePMap.empty());

    public AccessTable {
        Objects.requireNonNull(bindings, "bindings");
    }

    /** The identity's binding, if it has one. */
    public Optional<AccessBinding> binding(String identity) {
        return Optional.ofNullable(bindings.get(identity));
    }

    /** The table with this binding added or replaced. */
    public AccessTable with(AccessBinding binding) {
        return new AccessTable(bindings.plus(binding.identity(), binding));
    }

    public boolean isEmpty() {
        return bindings.isEmpty();
    }

    public int size() {
        return bindings.size();
    }
}
