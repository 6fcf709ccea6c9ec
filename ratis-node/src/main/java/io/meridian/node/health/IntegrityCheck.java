package io.meridian.node.health;

import io.meridian.proto.Alarm;
import io.meridian.proto.AlarmKind;
import io.meridian.proto.DigestCheckpoint;
import io.meridian.proto.MemberStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The corruption check, as etcd's: every node compares the state digests that the members report
 * at common checkpoint indexes. Where a majority of the voters agree on a digest, a member with
 * another digest at that index has diverged, and this node raises a CORRUPT alarm about it; a node
 * that finds itself diverged stops serving reads and gives up leadership (the node acts on
 * {@link #selfCorrupt}). Every node judges for itself, so a diverged replica is named by the
 * healthy ones even when its own check says nothing.
 *
 * <p>Alarms are this node's soft state: they stay until it restarts. Thread-safe.
 */
public final class IntegrityCheck {

    private static final Logger LOG = LoggerFactory.getLogger(IntegrityCheck.class);

    private final String self;
    private final LongSupplier clock;
    private final ConcurrentSkipListMap<String, Alarm> alarms = new ConcurrentSkipListMap<>();

    public IntegrityCheck(String self, LongSupplier clock) {
        this.self = self;
        this.clock = clock;
    }

    /** The alarms this node raised, by the member they are about. */
    public List<Alarm> alarms() {
        return List.copyOf(alarms.values());
    }

    /** The CORRUPT alarm about this node, when it found its own state diverged. */
    public Optional<Alarm> selfCorrupt() {
        return Optional.ofNullable(alarms.get(self));
    }

    /**
     * Compares the members' digests at every checkpoint index this node has, and raises an alarm
     * about each member whose digest differs from the one a majority of the voters has. Returns
     * the alarms raised by this call.
     *
     * @param members every member's status, this node's included (unreachable ones are skipped)
     * @param voters the ids of the voters of the metadata group
     */
    public List<Alarm> compare(Collection<MemberStatus> members, Set<String> voters) {
        Map<Long, Map<String, String>> byIndex = new TreeMap<>();
        for (MemberStatus member : members) {
            if (!member.getError().isEmpty()) {
                continue;
            }
            for (DigestCheckpoint checkpoint : member.getCheckpointsList()) {
                byIndex.computeIfAbsent(checkpoint.getIndex(), i -> new TreeMap<>())
                        .put(member.getId(), checkpoint.getDigest());
            }
        }
        int quorum = voters.size() / 2 + 1;
        List<Alarm> raised = new ArrayList<>();
        for (Map.Entry<Long, Map<String, String>> entry : byIndex.entrySet()) {
            long index = entry.getKey();
            Map<String, String> digests = entry.getValue();
            Map<String, List<String>> holders = new TreeMap<>();
            digests.forEach((node, digest) -> holders.computeIfAbsent(digest, d -> new ArrayList<>()).add(node));
            if (holders.size() < 2) {
                continue;
            }
            Optional<String> majority = holders.entrySet().stream()
                    .filter(h -> h.getValue().stream().filter(voters::contains).count() >= quorum)
                    .map(Map.Entry::getKey).findFirst();
            for (Map.Entry<String, String> reported : digests.entrySet()) {
                String node = reported.getKey();
                if (majority.isPresent() && reported.getValue().equals(majority.get())) {
                    continue;
                }
                String detail = majority.isPresent()
                        ? String.format(Locale.ROOT, "state digest at index %d is %s; the majority %s has %s", index,
                                shortDigest(reported.getValue()), holders.get(majority.get()),
                                shortDigest(majority.get()))
                        : String.format(Locale.ROOT, "state digests at index %d disagree and no majority of the voters shares "
                                + "one: %s", index, describe(holders));
                Alarm alarm = Alarm.newBuilder().setKind(AlarmKind.ALARM_KIND_CORRUPT).setNodeId(node)
                        .setRaisedBy(self).setIndex(index).setDetail(detail).setRaisedAtMs(clock.getAsLong()).build();
                if (alarms.putIfAbsent(node, alarm) == null) {
                    raised.add(alarm);
                    LOG.error("{}: Raised a CORRUPT alarm about {}: {}.", self, node, detail);
                }
            }
        }
        return raised;
    }

    private static String shortDigest(String hex) {
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    private static String describe(Map<String, List<String>> holders) {
        List<String> parts = new ArrayList<>();
        holders.forEach((digest, nodes) -> parts.add(nodes + " " + shortDigest(digest)));
        return String.join(", ", parts);
    }
}
