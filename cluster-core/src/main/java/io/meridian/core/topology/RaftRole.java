package io.meridian.core.topology;

import io.meridian.proto.RaftRoleProto;
import java.util.Optional;

/** A node's role in the metadata group: a learner (a Ratis listener) or a voter. */
public enum RaftRole {
    LEARNER(RaftRoleProto.RAFT_ROLE_LEARNER),
    VOTER(RaftRoleProto.RAFT_ROLE_VOTER);

    private final RaftRoleProto proto;

    RaftRole(RaftRoleProto proto) {
        this.proto = proto;
    }

    public RaftRoleProto toProto() {
        return proto;
    }

    /** The role for a proto value; empty for UNSPECIFIED and unknown values. */
    public static Optional<RaftRole> fromProto(RaftRoleProto proto) {
        for (RaftRole role : values()) {
            if (role.proto == proto) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
