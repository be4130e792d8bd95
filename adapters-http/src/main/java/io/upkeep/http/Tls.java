package io.upkeep.http;

import io.upkeep.Secret;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How the server's certificate is checked and which certificate, if any, the client presents.
 * Verification is on unless {@link #insecure()} is chosen. Immutable and thread-safe; its {@code
 * toString} never shows a password.
 *
 * <p>A final class rather than a record, so that it can gain settings without breaking callers:
 * make one with the factories ({@link #system()}, {@link #trustStore}, {@link #caCertificate},
 * {@link #insecure()}, {@link #withClientCertificate}), read it with the accessors. Equal when
 * every setting is.
 */
public final class Tls {

  private final boolean verify;
  private final Optional<Path> trustStore;
  private final Optional<Secret> trustStorePassword;
  private final Optional<Path> caCertificatePem;
  private final Optional<Path> clientCertificatePem;
  private final Optional<Path> clientKeyPem;

  private Tls(
      boolean verify,
      Optional<Path> trustStore,
      Optional<Secret> trustStorePassword,
      Optional<Path> caCertificatePem,
      Optional<Path> clientCertificatePem,
      Optional<Path> clientKeyPem) {
    this.verify = verify;
    this.trustStore = trustStore;
    this.trustStorePassword = trustStorePassword;
    this.caCertificatePem = caCertificatePem;
    this.clientCertificatePem = clientCertificatePem;
    this.clientKeyPem = clientKeyPem;
  }

  /** Whether the server's certificate and host name are checked. */
  public boolean verify() {
    return verify;
  }

  /** A PKCS#12 or JKS file of trusted certificates, instead of the JDK's. */
  public Optional<Path> trustStore() {
    return trustStore;
  }

  /** The trust store's password. */
  public Optional<Secret> trustStorePassword() {
    return trustStorePassword;
  }

  /** A PEM file of trusted CA certificates, instead of the JDK's. */
  public Optional<Path> caCertificatePem() {
    return caCertificatePem;
  }

  /** The client's PEM certificate (chain), for mutual TLS. */
  public Optional<Path> clientCertificatePem() {
    return clientCertificatePem;
  }

  /** The client's PEM private key (PKCS#8, unencrypted), for mutual TLS. */
  public Optional<Path> clientKeyPem() {
    return clientKeyPem;
  }

  /** Equal to another Tls with the same settings. */
  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof Tls o)) {
      return false;
    }
    return verify == o.verify
        && trustStore.equals(o.trustStore)
        && trustStorePassword.equals(o.trustStorePassword)
        && caCertificatePem.equals(o.caCertificatePem)
        && clientCertificatePem.equals(o.clientCertificatePem)
        && clientKeyPem.equals(o.clientKeyPem);
  }

  /** A hash of every setting. */
  @Override
  public int hashCode() {
    return Objects.hash(
        verify,
        trustStore,
        trustStorePassword,
        caCertificatePem,
        clientCertificatePem,
        clientKeyPem);
  }

  /** Every setting, by name; the trust store's password only as where it comes from. */
  @Override
  public String toString() {
    return "Tls["
        + "verify="
        + verify
        + ", trustStore="
        + trustStore
        + ", trustStorePassword="
        + trustStorePassword
        + ", caCertificatePem="
        + caCertificatePem
        + ", clientCertificatePem="
        + clientCertificatePem
        + ", clientKeyPem="
        + clientKeyPem
        + "]";
  }

  /** The JDK's trusted certificates, verification on. */
  public static Tls system() {
    return new Tls(
        true,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty());
  }

  /**
   * Trust the certificates in a PKCS#12 ({@code .p12}, {@code .pfx}) or JKS ({@code .jks}) file.
   *
   * @throws NullPointerException if an argument is null
   */
  public static Tls trustStore(Path file, Secret password) {
    return new Tls(
        true,
        Optional.of(Objects.requireNonNull(file, "file")),
        Optional.of(Objects.requireNonNull(password, "password")),
        Optional.empty(),
        Optional.empty(),
        Optional.empty());
  }

  /**
   * Trust the CA certificates in a PEM file (as Nomad's {@code ca_file}).
   *
   * @throws NullPointerException if {@code pem} is null
   */
  public static Tls caCertificate(Path pem) {
    return new Tls(
        true,
        Optional.empty(),
        Optional.empty(),
        Optional.of(Objects.requireNonNull(pem, "pem")),
        Optional.empty(),
        Optional.empty());
  }

  /** No verification at all: for a test server only, never for a real cluster. */
  public static Tls insecure() {
    return new Tls(
        false,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty());
  }

  /**
   * These settings, also presenting the client certificate in {@code certificatePem} with key
   * {@code keyPem}: mutual TLS needs both.
   *
   * @throws NullPointerException if an argument is null
   */
  public Tls withClientCertificate(Path certificatePem, Path keyPem) {
    return new Tls(
        verify,
        trustStore,
        trustStorePassword,
        caCertificatePem,
        Optional.of(Objects.requireNonNull(certificatePem, "certificatePem")),
        Optional.of(Objects.requireNonNull(keyPem, "keyPem")));
  }
}
