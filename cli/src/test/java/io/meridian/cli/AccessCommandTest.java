package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meridian.core.MetadataImage;
import io.meridian.core.access.AuditTrail;
import io.meridian.core.snapshot.SnapshotCodec;
import io.meridian.core.testing.Entries;
import io.meridian.core.testing.Replay;
import io.meridian.proto.AccessBindingRecord;
import io.meridian.proto.AccessChange;
import io.meridian.proto.AccessRole;
import io.meridian.proto.AccessServiceGrpc;
import io.meridian.proto.AuditRecord;
import io.meridian.proto.ListAccessReply;
import io.meridian.proto.ListAccessRequest;
import io.meridian.proto.ListAuditReply;
import io.meridian.proto.ListAuditRequest;
import io.meridian.proto.WhoAmIReply;
import io.meridian.proto.WhoAmIRequest;
import io.meridian.proto.WriteReply;
import io.meridian.security.TlsFiles;
import io.meridian.wire.AuditChain;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * `meridian access` and `meridian audit` without a cluster: option parsing, the TLS flags, the
 * refusals a node answers (from a fake AccessService), and the audit chain checked from a snapshot
 * file built by replaying entries through the real applier.
 */
@Timeout(60)
class AccessCommandTest {

    @TempDir
    Path dir;

    private Server server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.shutdownNow();
        }
    }

    // ---- Options. ----

    @Test
    void rolesParseInAnyCaseAndAnythingElseIsAUsageError() {
        CommandLine line = Meridian.commandLine(new java.io.PrintWriter(java.io.Writer.nullWriter()),
                new java.io.PrintWriter(java.io.Writer.nullWriter()));
        CommandLine.ParseResult parsed = line.parseArgs("access", "grant", "bob", "--role", "Operator");
        AccessCommand.Grant grant = (AccessCommand.Grant) parsed.subcommand().subcommand().commandSpec().userObject();
        assertThat(grant.identity).isEqualTo("bob");
        assertThat(grant.role).isEqualTo(AccessRole.ACCESS_ROLE_OPERATOR);

        CliTestBase.raw("access", "grant", "bob", "--role", "superuser", "--endpoints", "127.0.0.1:1")
                .usage("'superuser' is not a role: admin, operator, node or reader");
        CliTestBase.raw("access", "grant", "bob", "--endpoints", "127.0.0.1:1")
                .usage("Missing required option: '--role=admin|operator|node|reader'");
    }

    @Test
    void auditListOptionsParse() {
        CommandLine line = Meridian.commandLine(new java.io.PrintWriter(java.io.Writer.nullWriter()),
                new java.io.PrintWriter(java.io.Writer.nullWriter()));
        CommandLine.ParseResult parsed = line.parseArgs("audit", "list", "--since", "12", "--identity", "bob",
                "--limit", "5");
        AuditCommand.ListRecords list = (AuditCommand.ListRecords) parsed.subcommand().subcommand().commandSpec()
                .userObject();
        assertThat(list.since).isEqualTo(12);
        assertThat(list.identity).isEqualTo("bob");
        assertThat(list.limit).isEqualTo(5);
        CliTestBase.raw("audit", "list", "--since", "-1", "--endpoints", "127.0.0.1:1").usage("'-1' is not a whole");
    }

    @Test
    void tlsFilesComeFromTheFlagsThenTheEnvironmentThenTheLocalCluster() throws IOException {
        Path localTls = dir.resolve("meridian-data").resolve("tls");
        Map<String, String> noEnv = Map.of();
        assertThat(ClientOptions.resolveTls(null, null, null, noEnv::get, localTls)).as("plaintext").isNull();

        Files.createDirectories(localTls);
        Files.writeString(localTls.resolve("ca.crt"), "not read here");
        assertThat(ClientOptions.resolveTls(null, null, null, noEnv::get, localTls)).isEqualTo(new TlsFiles(
                localTls.resolve("ca.crt"), localTls.resolve("admin.crt"), localTls.resolve("admin.key")));

        Map<String, String> env = Map.of("MERIDIAN_CACERT", "/env/ca.crt", "MERIDIAN_CERT", "/env/bob.crt",
                "MERIDIAN_KEY", "/env/bob.key");
        assertThat(ClientOptions.resolveTls(null, null, null, env::get, localTls))
                .isEqualTo(new TlsFiles(Path.of("/env/ca.crt"), Path.of("/env/bob.crt"), Path.of("/env/bob.key")));
        assertThat(ClientOptions.resolveTls(null, Path.of("alice.crt"), Path.of("alice.key"), env::get, localTls))
                .isEqualTo(new TlsFiles(Path.of("/env/ca.crt"), Path.of("alice.crt"), Path.of("alice.key")));
    }

    @Test
    void someButNotAllTlsFilesIsAUsageErrorNamingTheMissingOnes() {
        Map<String, String> noEnv = Map.of();
        Path noLocal = dir.resolve("nothing");
        assertThatThrownBy(() -> ClientOptions.resolveTls(Path.of("ca.crt"), null, null, noEnv::get, noLocal))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.getMessage()).contains("missing --cert (or $MERIDIAN_CERT) and --key")
                            .doesNotContain("missing --cacert");
                });
        Map<String, String> certOnly = Map.of("MERIDIAN_CERT", "c");
        assertThatThrownBy(() -> ClientOptions.resolveTls(null, null, Path.of("k"), certOnly::get, noLocal))
                .hasMessageContaining("missing --cacert (or $MERIDIAN_CACERT)").hasMessageNotContaining("--key (");

        CliTestBase.raw("access", "whoami", "--endpoints", "127.0.0.1:1", "--cert", "bob.crt")
                .usage("missing --cacert (or $MERIDIAN_CACERT) and --key (or $MERIDIAN_KEY)");
    }

    @Test
    void tlsFilesThatCannotBeLoadedAreAUsageErrorNamingTheFile() {
        Path ca = dir.resolve("absent-ca.crt");
        CliTestBase.raw("access", "whoami", "--endpoints", "127.0.0.1:1", "--cacert", ca.toString(), "--cert",
                dir.resolve("bob.crt").toString(), "--key", dir.resolve("bob.key").toString()).usage("absent-ca.crt");
    }

    // ---- Against a node's AccessService (a fake one). ----

    @Test
    void aCallerWithoutTheRoleExitsOneWithTheNodesMessage() throws IOException {
        FakeAccess access = new FakeAccess();
        access.refusal = Status.PERMISSION_DENIED.withDescription("identity bob has role reader; access.grant needs "
                + "admin");
        start(access);

        CliTestBase.Result result = cli("access", "grant", "carol", "--role", "reader");

        result.refused("PERMISSION_DENIED");
        assertThat(result.err()).isEqualTo("error: refused (PERMISSION_DENIED): identity bob has role reader; "
                + "access.grant needs admin" + System.lineSeparator());
        assertThat(access.changes).hasSize(1).as("a refusal is not retried");
    }

    @Test
    void aCallerWithoutAValidCertificateExitsOneWithTheNodesMessage() throws IOException {
        FakeAccess access = new FakeAccess();
        access.refusal = Status.UNAUTHENTICATED.withDescription("no client certificate");
        start(access);

        cli("access", "list").refused("UNAUTHENTICATED");
        assertThat(cli("audit", "verify").err()).isEqualTo("error: refused (UNAUTHENTICATED): no client certificate"
                + System.lineSeparator());
    }

    @Test
    void grantAndRevokeSendTheChangeAndPrintTheIndex() throws IOException {
        FakeAccess access = new FakeAccess();
        start(access);

        assertThat(cli("access", "grant", "alice", "--role", "ADMIN").ok().out()).startsWith("applied at index 42");
        assertThat(cli("access", "revoke", "bob", "--reason", "left the team").ok().out())
                .startsWith("applied at index 42");

        assertThat(access.changes).containsExactly(Entries.grant("alice", AccessRole.ACCESS_ROLE_ADMIN).getAccess(),
                Entries.revoke("bob", "left the team").getAccess());
    }

    @Test
    void accessListPrintsATableOrJson() throws IOException {
        FakeAccess access = new FakeAccess();
        access.bindings = ListAccessReply.newBuilder().setIndex(90)
                .addBindings(AccessBindingRecord.newBuilder().setIdentity("alice")
                        .setRole(AccessRole.ACCESS_ROLE_OPERATOR).setIndex(12).setChangedBy("root"))
                .addBindings(AccessBindingRecord.newBuilder().setIdentity("bob").setRevoked(true).setReason("left")
                        .setIndex(31).setChangedBy("alice"))
                .build();
        start(access);

        assertThat(cli("access", "list").ok().lines()).containsExactly(
                "IDENTITY  ROLE      STATE           INDEX  CHANGED-BY",
                "alice     operator  granted         12     root",
                "bob       -         revoked (left)  31     alice");
        assertThat(cli("access", "list", "-o", "json").ok().json(ListAccessReply.getDefaultInstance()))
                .isEqualTo(access.bindings);
    }

    @Test
    void whoAmISaysTheIdentityAndTheRoleThatCounts() throws IOException {
        FakeAccess access = new FakeAccess();
        access.me = WhoAmIReply.newBuilder().setIdentity("alice").setRole(AccessRole.ACCESS_ROLE_OPERATOR)
                .setCertificateRole(AccessRole.ACCESS_ROLE_READER).setAuthenticated(true).build();
        start(access);

        assertThat(cli("access", "whoami").ok().out().strip())
                .isEqualTo("alice: operator (its certificate names reader)");
    }

    @Test
    void auditListPrintsEachRecordWithItsTimeInUtc() throws IOException {
        FakeAccess access = new FakeAccess();
        access.trail = trail(AuditChain.ZERO, 0, List.of(record(7, "alice", "access.grant", "applied"),
                record(9, "bob", "catalog_ddl", "REJECT_PERMISSION_DENIED")));
        start(access);

        List<String> lines = cli("audit", "list", "--identity", "bob", "--since", "3", "--limit", "10").ok().lines();

        assertThat(lines).containsExactly(
                "INDEX  TIME                      IDENTITY  OPERATION     OUTCOME",
                "7      2026-01-01T00:00:07.000Z  alice     access.grant  applied",
                "9      2026-01-01T00:00:09.000Z  bob       catalog_ddl   REJECT_PERMISSION_DENIED");
        assertThat(access.auditRequests).containsExactly(ListAuditRequest.newBuilder().setSinceIndex(3)
                .setIdentity("bob").setLimit(10).build());
    }

    @Test
    void auditVerifyChecksTheWholeTrailFromTheCluster() throws IOException {
        FakeAccess access = new FakeAccess();
        AuditRecord dropped = AuditChain.chained(AuditChain.ZERO, record(3, "root", "access.grant", "applied"));
        access.trail = trail(dropped.getHash(), 4, List.of(record(7, "alice", "access.grant", "applied"),
                record(9, "bob", "catalog_ddl", "applied")));
        start(access);

        assertThat(cli("audit", "verify").ok().out())
                .isEqualTo("audit trail verified: 2 records, index 7 to 9 (4 dropped before 7)"
                        + System.lineSeparator());
        assertThat(access.auditRequests).containsExactly(ListAuditRequest.getDefaultInstance());

        ListAuditReply edited = access.trail.toBuilder()
                .setRecords(1, access.trail.getRecords(1).toBuilder().setIdentity("mallory")).build();
        access.trail = edited;
        CliTestBase.Result result = cli("audit", "verify");
        assertThat(result.exit()).isEqualTo(ExitCode.REFUSED);
        assertThat(result.err()).startsWith("error: audit trail does not verify: record at index 9");
    }

    // ---- audit verify --snapshot, offline. ----

    @Test
    void auditVerifyReadsASnapshotFileWithoutACluster() throws IOException {
        MetadataImage image = auditedImage();
        AuditTrail trail = image.audit();
        assertThat(trail.list()).as("the fixture holds audit records").hasSizeGreaterThanOrEqualTo(3);
        Path file = write(image);

        CliTestBase.Result result = CliTestBase.raw("audit", "verify", "--snapshot", file.toString()).ok();

        List<AuditRecord> records = trail.list();
        long first = records.get(0).getIndex();
        long last = records.get(records.size() - 1).getIndex();
        assertThat(result.out()).isEqualTo("audit trail verified: " + records.size() + " records, index " + first
                + " to " + last + " (0 dropped before " + first + ")" + System.lineSeparator());
    }

    @Test
    void auditVerifyOfASnapshotWithAnEditedRecordExitsOne() throws IOException {
        MetadataImage image = auditedImage();
        AuditTrail trail = image.audit();
        AuditRecord first = trail.list().get(0);
        AuditTrail edited = new AuditTrail(trail.anchor(), trail.dropped(),
                trail.records().plus(first.getIndex(), first.toBuilder().setIdentity("mallory").build()));
        Path file = write(image.withAudit(edited));

        CliTestBase.Result result = CliTestBase.raw("audit", "verify", "--snapshot", file.toString());

        assertThat(result.exit()).isEqualTo(ExitCode.REFUSED);
        assertThat(result.err()).startsWith("error: snapshot " + file + " does not verify: ")
                .contains("record at index " + first.getIndex());
    }

    @Test
    void auditVerifyOfAMissingSnapshotFileIsAUsageError() {
        CliTestBase.raw("audit", "verify", "--snapshot", dir.resolve("snapshot.1_9").toString())
                .usage("no snapshot file");
    }

    /** A cluster at entry-format 6 where callers granted, wrote, and were refused: each audited. */
    private static MetadataImage auditedImage() {
        Replay replay = Replay.bootstrapped("n1", "n2", "n3").atEntryFormat(6);
        replay.applied(Entries.by("root", AccessRole.ACCESS_ROLE_ADMIN,
                Entries.grant("alice", AccessRole.ACCESS_ROLE_OPERATOR)));
        replay.applied(Entries.by("alice", AccessRole.ACCESS_ROLE_READER, Entries.catalogDdl("CREATE TABLE t")));
        replay.apply(Entries.by("bob", AccessRole.ACCESS_ROLE_READER, Entries.catalogDdl("CREATE TABLE u")));
        return replay.image();
    }

    private Path write(MetadataImage image) throws IOException {
        Path file = dir.resolve("snapshot.1_" + image.index());
        try (OutputStream out = Files.newOutputStream(file)) {
            SnapshotCodec.write(image, out);
        }
        return file;
    }

    private static AuditRecord record(long index, String identity, String operation, String outcome) {
        return AuditRecord.newBuilder().setIndex(index).setTimeMs(Replay.START_MS + index * 1_000)
                .setIdentity(identity).setOperation(operation).setOutcome(outcome).build();
    }

    /** The records chained from the anchor, as a node answers ListAudit. */
    private static ListAuditReply trail(com.google.protobuf.ByteString anchor, long dropped,
            List<AuditRecord> records) {
        ListAuditReply.Builder reply = ListAuditReply.newBuilder().setAnchor(anchor).setDropped(dropped);
        com.google.protobuf.ByteString previous = anchor;
        for (AuditRecord record : records) {
            AuditRecord chained = AuditChain.chained(previous, record);
            reply.addRecords(chained);
            previous = chained.getHash();
        }
        return reply.build();
    }

    private void start(FakeAccess access) throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(access).build()
                .start();
    }

    private CliTestBase.Result cli(String... args) {
        List<String> line = new java.util.ArrayList<>(List.of(args));
        line.add("--endpoints");
        line.add("127.0.0.1:" + server.getPort());
        line.add("--timeout");
        line.add("5s");
        return CliTestBase.raw(line.toArray(String[]::new));
    }

    /** An AccessService answering what the test set, or refusing every call with one status. */
    private static final class FakeAccess extends AccessServiceGrpc.AccessServiceImplBase {
        final List<AccessChange> changes = new CopyOnWriteArrayList<>();
        final List<ListAuditRequest> auditRequests = new CopyOnWriteArrayList<>();
        volatile Status refusal;
        volatile ListAccessReply bindings = ListAccessReply.getDefaultInstance();
        volatile ListAuditReply trail = ListAuditReply.getDefaultInstance();
        volatile WhoAmIReply me = WhoAmIReply.getDefaultInstance();

        private <T> void answer(StreamObserver<T> out, T reply) {
            if (refusal != null) {
                out.onError(refusal.asRuntimeException());
                return;
            }
            out.onNext(reply);
            out.onCompleted();
        }

        @Override
        public void changeAccess(AccessChange request, StreamObserver<WriteReply> out) {
            changes.add(request);
            answer(out, WriteReply.newBuilder().setIndex(42).setTerm(2).build());
        }

        @Override
        public void listAccess(ListAccessRequest request, StreamObserver<ListAccessReply> out) {
            answer(out, bindings);
        }

        @Override
        public void listAudit(ListAuditRequest request, StreamObserver<ListAuditReply> out) {
            auditRequests.add(request);
            answer(out, trail);
        }

        @Override
        public void whoAmI(WhoAmIRequest request, StreamObserver<WhoAmIReply> out) {
            answer(out, me);
        }
    }
}
