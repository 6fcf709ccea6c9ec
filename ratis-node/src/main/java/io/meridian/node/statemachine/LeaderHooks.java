package io.meridian.node.statemachine;

/**
 * What the state machine tells the node about leadership and membership. Called on Ratis threads:
 * implementations hand the work to their own executor and return at once.
 */
public interface LeaderHooks {

    /** This replica leads and has applied everything committed before its term. */
    void leaderReady();

    /** This replica no longer leads (stepped down, another leads, or it is shutting down). */
    void notLeader();

    /** The Raft configuration (members, listeners) changed. */
    void configurationChanged();

    /** This replica learned of a new leader, possibly itself. */
    void leaderChanged(String leaderId);

    LeaderHooks NONE = new LeaderHooks() {
        @Override
        public void leaderReady() {
        }

        @Override
        public void notLeader() {
        }

        @Override
        public void configurationChanged() {
        }

        @Override
        public void leaderChanged(String leaderId) {
        }
    };
}
