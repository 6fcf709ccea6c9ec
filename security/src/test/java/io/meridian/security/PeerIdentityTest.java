package io.meridian.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.proto.AccessRole;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.TreeMap;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class PeerIdentityTest {

    @Test
    void roleNamesRoundTripIgnoringCase() {
        for (AccessRole role : new AccessRole[] {AccessRole.ACCESS_ROLE_ADMIN, AccessRole.ACCESS_ROLE_OPERATOR,
                AccessRole.ACCESS_ROLE_NODE, AccessRole.ACCESS_ROLE_READER}) {
            String name = PeerIdentity.roleName(role);
            assertThat(PeerIdentity.parseRole(name)).contains(role);
            assertThat(PeerIdentity.parseRole(name.toUpperCase(java.util.Locale.ROOT))).contains(role);
        }
        assertThat(PeerIdentity.roleName(AccessRole.ACCESS_ROLE_NODE)).isEqualTo("node");
        assertThat(PeerIdentity.parseRole("unspecified")).isEmpty();
        assertThat(PeerIdentity.parseRole("root")).isEmpty();
        assertThat(PeerIdentity.parseRole("")).isEmpty();
    }

    @Test
    void aCertificateWithoutCommonNameNamesNoIdentity() throws Exception {
        assertThat(PeerIdentity.of(selfSigned("OU=node", null))).isEmpty();
        assertThat(PeerIdentity.of(selfSigned("CN=a,CN=b,OU=node", null))).isEmpty();
    }

    @Test
    void anUnknownOrMissingUnitGivesNoRole() throws Exception {
        assertThat(PeerIdentity.of(selfSigned("CN=svc,OU=superuser", null)))
                .contains(new PeerIdentity("svc", AccessRole.ACCESS_ROLE_UNSPECIFIED, new TreeMap<>(), ""));
        assertThat(PeerIdentity.of(selfSigned("CN=svc", null)))
                .contains(new PeerIdentity("svc", AccessRole.ACCESS_ROLE_UNSPECIFIED, new TreeMap<>(), ""));
    }

    @Test
    void readsLabelsAndRaftRoleFromUriNamesAndIgnoresOtherNames() throws Exception {
        GeneralNames names = new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "n1.local"),
                new GeneralName(GeneralName.uniformResourceIdentifier, "urn:meridian:label:zone=a"),
                new GeneralName(GeneralName.uniformResourceIdentifier, "urn:meridian:label:note=x%3Dy%20z"),
                new GeneralName(GeneralName.uniformResourceIdentifier, "urn:meridian:raft-role:learner"),
                new GeneralName(GeneralName.uniformResourceIdentifier, "https://example.com/other")});
        assertThat(PeerIdentity.of(selfSigned("CN=n1,OU=Node", names))).contains(new PeerIdentity("n1",
                AccessRole.ACCESS_ROLE_NODE, new TreeMap<>(Map.of("zone", "a", "note", "x=y z")), "learner"));
    }

    @Test
    void malformedMeridianNamesMakeTheCertificateNameNoIdentity() throws Exception {
        GeneralNames unknownRaftRole = new GeneralNames(
                new GeneralName(GeneralName.uniformResourceIdentifier, "urn:meridian:raft-role:leader"));
        assertThat(PeerIdentity.of(selfSigned("CN=n1,OU=node", unknownRaftRole))).isEmpty();
        GeneralNames contradictoryLabels = new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.uniformResourceIdentifier, "urn:meridian:label:zone=a"),
                new GeneralName(GeneralName.uniformResourceIdentifier, "urn:meridian:label:zone=b")});
        assertThat(PeerIdentity.of(selfSigned("CN=n1,OU=node", contradictoryLabels))).isEmpty();
    }

    /** A self-signed certificate with this subject (as written, most significant last) and these names. */
    private static X509Certificate selfSigned(String subject, GeneralNames names) throws Exception {
        KeyPair keys = SigningRequests.newKeyPair();
        X500Name name = new X500Name(subject);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)), name,
                keys.getPublic());
        if (names != null) {
            builder.addExtension(Extension.subjectAlternativeName, false, names);
        }
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(SigningRequests.signer(keys.getPrivate())));
    }
}
