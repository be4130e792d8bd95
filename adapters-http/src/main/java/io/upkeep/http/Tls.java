package io.upkeep.http;

import io.upkeep.Secret;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How the server's certificate is checked and which certificate, if any, the client presents.
 * Verification is on unless {@link #insecure()} is chosen. Immutable and thread-safe; its
 * {@code toString} never shows a password.
 *
 * @param verify whether the server's certificate and host name are checked
 * @param trustStore a PKCS#12 or JKS file of trusted certificates, instead of the JDK's
 * @param trustStorePassword the trust store's password
 * @param caCertificatePem a PEM file of trusted CA certificates, instead of the JDK's
 * @param clientCertificatePem the client's PEM certificate (chain), for mutual TLS
 * @param clientKeyPem the client's PEM private key (PKCS#8, unencrypted), for mutual TLS
 */
public record Tls(
    boolean verify,
    Optional<Path> trustStore,
    Optional<Secret> trustStorePassword,
    Optional<Path> caCertificatePem,
    Optional<Path> clientCertificatePem,
    Optional<Path> clientKeyPem) {

  /**
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if both a trust store and a CA file are given, or only half of a client certificate
   */
  public Tls {
    Objects.requireNonNull(trustStore, "trustStore");
    Objects.requireNonNull(trustStorePassword, "trustStorePassword");
    Objects.requireNonNull(caCertificatePem, "caCertificatePem");
    Objects.requireNonNull(clientCertificatePem, "clientCertificatePem");
    Objects.requireNonNull(clientKeyPem, "clientKeyPem");
    if (trustStore.isPresent() && caCertificatePem.isPresent()) {
      throw new IllegalArgumentException("give either a trust store or a CA certificate file, not both");
    }
    if (clientCertificatePem.isPresent() != clientKeyPem.isPresent()) {
      throw new IllegalArgumentException("mutual TLS needs both the client certificate and its private key");
    }
  }

  /** The JDK's trusted certificates, verification on. */
  public static Tls system() {
    return new Tls(true, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** Trust the certificates in a PKCS#12 ({@code .p12}, {@code .pfx}) or JKS ({@code .jks}) file. */
  public static Tls trustStore(Path file, Secret password) {
    return new Tls(true, Optional.of(file), Optional.of(password), Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** Trust the CA certificates in a PEM file (as Nomad's {@code ca_file}). */
  public static Tls caCertificate(Path pem) {
    return new Tls(true, Optional.empty(), Optional.empty(), Optional.of(pem), Optional.empty(), Optional.empty());
  }

  /** No verification at all: for a test server only, never for a real cluster. */
  public static Tls insecure() {
    return new Tls(false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** These settings, also presenting the client certificate in {@code certificatePem} with key {@code keyPem}. */
  public Tls withClientCertificate(Path certificatePem, Path keyPem) {
    return new Tls(verify, trustStore, trustStorePassword, caCertificatePem, Optional.of(certificatePem), Optional.of(keyPem));
  }
}
