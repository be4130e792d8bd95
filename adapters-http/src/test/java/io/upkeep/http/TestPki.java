package io.upkeep.http;

import io.upkeep.Secret;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority for TLS tests: a CA and the certificates it signs, made in
 * memory (EC P-256, valid from a day before to a day after now, as certificate checks use the real
 * clock), written as the PEM or PKCS#12 files {@link Tls} reads, and the {@link SSLContext} a fake
 * server listens with. Nothing is checked in. Shared with the adapters' tests through this module's
 * test jar.
 */
public final class TestPki {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final AtomicLong SERIAL = new AtomicLong(1);

  private final Issued ca;

  private TestPki(Issued ca) {
    this.ca = ca;
  }

  /** A new CA named {@code name} (its common name). */
  public static TestPki create(String name) {
    KeyPair keys = keyPair();
    X500Name subject = new X500Name("CN=" + name);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          builder(subject, subject, keys)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new TestPki(new Issued(sign(b, keys), keys));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make the test CA", e);
    }
  }

  /** The CA's own certificate and keys. */
  public Issued ca() {
    return ca;
  }

  /**
   * A server certificate signed by this CA for {@code names}: each an IP address literal (an IP
   * subject alternative name) or a DNS name.
   */
  public Issued server(String... names) {
    return issue(names[0], KeyPurposeId.id_kp_serverAuth, names);
  }

  /** A client certificate signed by this CA, with common name {@code name}. */
  public Issued client(String name) {
    return issue(name, KeyPurposeId.id_kp_clientAuth);
  }

  /** Writes the CA certificate as PEM to {@code file}, for {@link Tls#caCertificate(Path)}. */
  public Path writeCaPem(Path file) {
    return ca.writeCertificatePem(file);
  }

  /**
   * Writes the CA certificate as a PKCS#12 trust store to {@code file}, for {@link Tls#trustStore}.
   */
  public Path writeTrustStore(Path file, Secret password) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setCertificateEntry("ca", ca.certificate());
      try (OutputStream out = Files.newOutputStream(file)) {
        store.store(out, password.reveal().toCharArray());
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What a server listens with: {@code server}'s certificate and key and, for clients' certificates
   * (mutual TLS), this CA as the only one trusted.
   */
  public SSLContext serverContext(Issued server) {
    try {
      char[] none = new char[0];
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry(
          "server",
          server.keys().getPrivate(),
          none,
          new X509Certificate[] {server.certificate(), ca.certificate()});
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, none);
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      trusted.setCertificateEntry("ca", ca.certificate());
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private Issued issue(String commonName, KeyPurposeId purpose, String... names) {
    KeyPair keys = keyPair();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X500Name issuer =
          X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded());
      X509v3CertificateBuilder b =
          builder(issuer, new X500Name("CN=" + commonName), keys)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  ext.createAuthorityKeyIdentifier(ca.certificate()))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(keys.getPublic()));
      if (names.length > 0) {
        List<GeneralName> alternatives = new ArrayList<>();
        for (String n : names) {
          alternatives.add(
              new GeneralName(
                  n.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress : GeneralName.dNSName, n));
        }
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(alternatives.toArray(new GeneralName[0])));
      }
      return new Issued(sign(b, ca.keys()), keys);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a test certificate for " + commonName, e);
    }
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIAL.getAndIncrement()),
        Date.from(now.minus(Duration.ofDays(1))),
        Date.from(now.plus(Duration.ofDays(1))),
        subject,
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer)
      throws GeneralSecurityException {
    try {
      ContentSigner signer =
          new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate());
      return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair keyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A certificate and its key pair. */
  public record Issued(X509Certificate certificate, KeyPair keys) {

    /** Writes the certificate as PEM to {@code file}. */
    public Path writeCertificatePem(Path file) {
      return writePem(file, certificate);
    }

    /**
     * Writes the private key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}) to {@code file}.
     */
    public Path writeKeyPem(Path file) {
      try {
        return writePem(file, new JcaPKCS8Generator(keys.getPrivate(), null).generate());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static Path writePem(Path file, Object value) {
      try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
          JcaPEMWriter pem = new JcaPEMWriter(w)) {
        pem.writeObject(value);
        return file;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
    }
  }
}
