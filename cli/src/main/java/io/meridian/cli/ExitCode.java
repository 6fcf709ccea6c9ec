package io.meridian.cli;

/** The exit codes of `meridian`, stable for scripts. */
public final class ExitCode {

    /** It worked. */
    public static final int OK = 0;
    /**
     * The cluster refused (the message gives the rejection code, or PERMISSION_DENIED for a caller
     * without the role, UNAUTHENTICATED for one without a valid certificate, with the cluster's
     * message), or the command failed.
     */
    public static final int REFUSED = 1;
    /** The command line is wrong; picocli's message and the usage follow. */
    public static final int USAGE = 2;
    /**
     * No endpoint answered, no quorum, or the deadline passed; the message says whether a write's
     * outcome is unknown.
     */
    public static final int UNAVAILABLE = 3;
    /**
     * {@code node start}: the node stopped because its Raft server failed, not because it was
     * stopped or let go by the cluster; a service manager restarts it.
     */
    public static final int NODE_FAILED = 4;

    private ExitCode() {
    }
}
