/**
 * TLS for Meridian: the cluster certificate authority (an EC P-256 key and a self-signed
 * certificate, built with BouncyCastle), certificates issued to admins, operators, nodes and
 * readers, PEM files, certificate signing requests, and the TLS material a party loads for gRPC
 * and the Raft port, reloaded when its files change.
 *
 * <p>A certificate carries its holder's identity (subject CN), the role the CA issued it for
 * (subject OU), and, for nodes, their labels and Raft role (URI subject alternative names); see
 * {@link io.meridian.security.PeerIdentity}.
 */
package io.meridian.security;
