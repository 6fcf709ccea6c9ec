package io.meridian.cli;

import io.meridian.core.Rejection;
import io.meridian.core.Validation;
import io.meridian.proto.AccessRole;
import io.meridian.proto.Label;
import io.meridian.security.CertificateAuthority;
import io.meridian.security.CertificateSubject;
import io.meridian.security.IssuedCertificate;
import io.meridian.security.PeerIdentity;
import io.meridian.security.TlsException;
import io.meridian.security.TlsMaterial;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * `meridian ca ...`: the cluster's certificate authority, on the operator's machine: make it, and
 * issue certificates from it. Works on files only; no cluster is involved. Private keys are
 * written to new files readable by their owner only and are never printed.
 */
@Command(name = "ca", description = "The cluster's certificate authority: create it, issue certificates.",
        subcommands = {CaCommand.Init.class, CaCommand.Issue.class})
final class CaCommand {

    /** The CA certificate's file name in a CA directory. */
    static final String CA_CERTIFICATE = "ca.crt";
    /** The CA key's file name in a CA directory. */
    static final String CA_KEY = "ca.key";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private CaCommand() {
    }

    /** `meridian ca init`. */
    @Command(name = "init", mixinStandardHelpOptions = true,
            description = {"Create the cluster CA: an EC P-256 key (DIR/ca.key, readable by its owner only) and "
                    + "a self-signed CA certificate (DIR/ca.crt). Refuses if either file exists.",
                    "Every party of the cluster trusts ca.crt; ca.key signs the certificates, so keep it off the "
                            + "nodes."},
            footer = {"", "Examples:", "  meridian ca init --dir ~/meridian-ca",
                    "  meridian ca init --dir /secure/ca --name prod-ca --validity 5y"})
    static final class Init implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--dir", paramLabel = "DIR", required = true,
                description = "Directory for ca.crt and ca.key (created if missing).")
        Path dir;

        @Option(names = "--name", paramLabel = "NAME", defaultValue = "meridian-ca",
                description = "The CA's common name (default: ${DEFAULT-VALUE}).")
        String name;

        @Option(names = "--validity", paramLabel = "DURATION", defaultValue = "10y",
                converter = ValidityConverter.class,
                description = "How long the CA is valid, as 8760h, 365d or 10y (default: ${DEFAULT-VALUE}).")
        Duration validity;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (name.isBlank() || name.length() > CertificateSubject.MAX_IDENTITY
                    || name.chars().anyMatch(Character::isISOControl)) {
                throw new CliException(ExitCode.USAGE, "--name '" + name + "' is not valid: use 1-"
                        + CertificateSubject.MAX_IDENTITY + " printable characters");
            }
            Path certificateFile = dir.resolve(CA_CERTIFICATE);
            Path keyFile = dir.resolve(CA_KEY);
            refuseExisting(certificateFile, keyFile);
            CertificateAuthority ca = CertificateAuthority.create(name, validity);
            write(dir, () -> ca.write(certificateFile, keyFile));
            out.println("wrote " + certificateFile + " and " + keyFile + ": "
                    + TlsMaterial.describe(ca.certificate()));
            out.println(CA_KEY + " signs certificates the whole cluster trusts: keep it where you put it, readable "
                    + "by you only; nodes and clients need only " + CA_CERTIFICATE);
            out.flush();
            return ExitCode.OK;
        }
    }

    /** `meridian ca issue`. */
    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = {"Issue a certificate and a new key from the CA in --ca-dir: OUT/NAME.crt and OUT/NAME.key "
                    + "(readable by its owner only). Refuses if either file exists. The key is never printed.",
                    "The certificate names NAME (subject CN) and the role (subject OU); a node's also its host "
                            + "names, labels and Raft role."},
            footer = {"", "Examples:", "  meridian ca issue --ca-dir ~/meridian-ca --name alice --role admin",
                    "  meridian ca issue --ca-dir ~/meridian-ca --name n1 --role node --host n1.example.com \\",
                    "      --host 10.0.0.1 --label zone=a --raft-role voter --out-dir ./n1-tls"})
    static final class Issue implements Callable<Integer> {

        /** The Raft role a node certificate may name. */
        enum RaftRole {
            VOTER,
            LEARNER
        }

        @Spec
        CommandSpec spec;

        @Option(names = "--ca-dir", paramLabel = "DIR", required = true,
                description = "Directory holding ca.crt and ca.key, as `ca init` wrote them.")
        Path caDir;

        @Option(names = "--name", paramLabel = "NAME", required = true,
                description = "Who the certificate is for (a node id for a node): 1-64 of [A-Za-z0-9._-], "
                        + "starting with a letter or digit; also the files' name.")
        String name;

        @Option(names = "--role", paramLabel = "admin|operator|node|reader", required = true,
                converter = RoleConverter.class, description = "The role the certificate is issued for.")
        AccessRole role;

        @Option(names = "--host", paramLabel = "HOST",
                description = "A DNS name or IP address the holder serves under (repeatable). A node "
                        + "certificate without any gets localhost and 127.0.0.1.")
        List<String> hosts = new ArrayList<>();

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A node label (repeatable).")
        Map<String, String> labels = new TreeMap<>();

        @Option(names = "--raft-role", paramLabel = "voter|learner",
                description = "The Raft role a node certificate names.")
        RaftRole raftRole;

        @Option(names = "--validity", paramLabel = "DURATION", defaultValue = "1y",
                converter = ValidityConverter.class,
                description = "How long the certificate is valid, as 720h, 90d or 1y, never beyond the CA "
                        + "(default: ${DEFAULT-VALUE}).")
        Duration validity;

        @Option(names = "--out-dir", paramLabel = "DIR",
                description = "Directory for NAME.crt and NAME.key (created if missing; default: --ca-dir).")
        Path outDir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (!NAME.matcher(name).matches()) {
                throw new CliException(ExitCode.USAGE, "--name '" + name + "' is not valid: use 1-64 letters, "
                        + "digits, '.', '_' or '-', starting with a letter or digit");
            }
            if (raftRole != null && role != AccessRole.ACCESS_ROLE_NODE) {
                throw new CliException(ExitCode.USAGE, "--raft-role is for node certificates, not "
                        + PeerIdentity.roleName(role) + " ones");
            }
            CertificateSubject subject = subject();
            Path dir = outDir == null ? caDir : outDir;
            Path certificateFile = dir.resolve(name + ".crt");
            Path keyFile = dir.resolve(name + ".key");
            refuseExisting(certificateFile, keyFile);
            CertificateAuthority ca;
            try {
                ca = CertificateAuthority.load(caDir.resolve(CA_CERTIFICATE), caDir.resolve(CA_KEY));
            } catch (TlsException e) {
                throw new CliException(ExitCode.USAGE, e.getMessage());
            }
            IssuedCertificate issued = ca.issue(subject, validity);
            write(dir, () -> issued.write(certificateFile, keyFile));
            boolean capped = issued.certificate().getNotAfter().equals(ca.certificate().getNotAfter());
            out.println("wrote " + certificateFile + " and " + keyFile + ": "
                    + TlsMaterial.describe(issued.certificate()) + (capped ? "; cut to the CA's own end" : ""));
            out.flush();
            return ExitCode.OK;
        }

        private CertificateSubject subject() {
            List<Label> asLabels = new ArrayList<>();
            new TreeMap<>(labels).forEach((key, value) ->
                    asLabels.add(Label.newBuilder().setKey(key).setValue(value).build()));
            Optional<Rejection> badLabels = Validation.labels("--label", asLabels);
            if (badLabels.isPresent()) {
                throw new CliException(ExitCode.USAGE, badLabels.get().message());
            }
            List<String> names = hosts.isEmpty() && role == AccessRole.ACCESS_ROLE_NODE
                    ? List.of("localhost", "127.0.0.1") : hosts;
            try {
                return new CertificateSubject(name, role, names, new TreeMap<>(labels),
                        raftRole == null ? "" : Converters.lower(raftRole));
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, e.getMessage());
            }
        }
    }

    /** admin, operator, node or reader, in any case. */
    static final class RoleConverter implements ITypeConverter<AccessRole> {
        @Override
        public AccessRole convert(String value) {
            return PeerIdentity.parseRole(value).orElseThrow(() -> new TypeConversionException(
                    "'" + value + "' is not a role: use admin, operator, node or reader"));
        }
    }

    /** A validity: hours, days or years (of 365 days), as 8760h, 365d or 10y. */
    static final class ValidityConverter implements ITypeConverter<Duration> {
        private static final Pattern VALIDITY = Pattern.compile("([0-9]{1,7})(h|d|y)");
        /** A century: longer is a typing mistake. */
        private static final Duration LONGEST = Duration.ofDays(100 * 365);

        @Override
        public Duration convert(String value) {
            Matcher m = VALIDITY.matcher(value.trim());
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' is not a validity such as 8760h, 365d or 10y");
            }
            long amount = Long.parseLong(m.group(1));
            Duration validity = switch (m.group(2)) {
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                default -> Duration.ofDays(amount * 365);
            };
            if (validity.isZero() || validity.compareTo(LONGEST) > 0) {
                throw new TypeConversionException("'" + value + "' is not a validity from 1h to 100y");
            }
            return validity;
        }
    }

    /** Writing files, which may fail for want of room or rights. */
    private interface FileWrite {
        void run() throws IOException;
    }

    private static void refuseExisting(Path... files) {
        for (Path file : files) {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new CliException(ExitCode.USAGE, file + " exists; refusing to overwrite it");
            }
        }
    }

    private static void write(Path dir, FileWrite write) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "cannot make the directory " + dir + ": "
                    + e.getClass().getSimpleName() + " (" + e.getMessage() + ")");
        }
        try {
            write.run();
        } catch (FileAlreadyExistsException e) {
            throw new CliException(ExitCode.USAGE, e.getFile() + " exists; refusing to overwrite it");
        } catch (IOException e) {
            throw new CliException(ExitCode.REFUSED, "cannot write to " + dir + ": " + e.getClass().getSimpleName()
                    + " (" + e.getMessage() + ")");
        }
    }
}
