package io.meridian.core.migration;

import io.meridian.proto.MigrationPhaseProto;
import java.util.Optional;

/**
 * The phases of a shard migration and their transition table ({@link #canAdvanceTo}).
 *
 * <pre>
 *   PLANNED -> COPYING -> CATCHING_UP -> CUTOVER -> COMPLETED
 *   any non-terminal phase -> ABORTED      (MigrationAbort only)
 * </pre>
 *
 * A checkpoint may repeat the current phase (progress inside it), except PLANNED, which only the
 * transfer that starts a migration sets.
 */
public enum MigrationPhase {
    PLANNED(MigrationPhaseProto.MIGRATION_PHASE_PLANNED),
    COPYING(MigrationPhaseProto.MIGRATION_PHASE_COPYING),
    CATCHING_UP(MigrationPhaseProto.MIGRATION_PHASE_CATCHING_UP),
    CUTOVER(MigrationPhaseProto.MIGRATION_PHASE_CUTOVER),
    COMPLETED(MigrationPhaseProto.MIGRATION_PHASE_COMPLETED),
    ABORTED(MigrationPhaseProto.MIGRATION_PHASE_ABORTED);

    private final MigrationPhaseProto proto;

    MigrationPhase(MigrationPhaseProto proto) {
        this.proto = proto;
    }

    /** The transition table for checkpoints. */
    public boolean canAdvanceTo(MigrationPhase next) {
        return switch (this) {
            case PLANNED -> next == COPYING;
            case COPYING -> next == COPYING || next == CATCHING_UP;
            case CATCHING_UP -> next == CATCHING_UP || next == CUTOVER;
            case CUTOVER -> next == CUTOVER || next == COMPLETED;
            case COMPLETED, ABORTED -> false;
        };
    }

    public boolean isTerminal() {
        return this == COMPLETED || this == ABORTED;
    }

    public MigrationPhaseProto toProto() {
        return proto;
    }

    public static Optional<MigrationPhase> fromProto(MigrationPhaseProto proto) {
        for (MigrationPhase phase : values()) {
            if (phase.proto == proto) {
                return Optional.of(phase);
            }
        }
        return Optional.empty();
    }
}
