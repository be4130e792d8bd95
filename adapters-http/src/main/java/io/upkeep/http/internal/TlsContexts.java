package io.upkeep.http.internal;

import io.upkeep.UpkeepException;
import io.upkeep.http.Tls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Builds the {@link SSLContext} a {@link Tls} describes, from key stores or PEM files. */
public final class TlsContexts {
  private TlsContexts() {}

  public static SSLContext create(Tls tls) {
    try {
      TrustManager[] trust = tls.verify() ? trustManagers(tls) : new TrustManager[] {new TrustingEveryone()};
      KeyManager[] keys = tls.clientCertificatePem().isPresent()
          ? keyManagers(tls.clientCertificatePem().get(), tls.clientKeyPem().orElseThrow()) : null;
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, trust, new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new UpkeepException("cannot set up TLS: " + e.getMessage() + "; check the certificate files and passwords", e);
    }
  }

  private static TrustManager[] trustManagers(Tls tls) throws GeneralSecurityException {
    KeyStore store = null;
    if (tls.trustStore().isPresent()) {
      Path file = tls.trustStore().get();
      String type = file.toString().toLowerCase(Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12";
      store = KeyStore.getInstance(type);
      char[] password = tls.trustStorePassword().map(s -> s.reveal().toCharArray()).orElse(null);
      try (InputStream in = Files.newInputStream(file)) {
        store.load(in, password);
      } catch (IOException e) {
        throw new UpkeepException("cannot read the trust store " + file + ": " + e.getMessage()
            + "; check the path, its type (.p12 or .jks) and its password", e);
      }
    } else if (tls.caCertificatePem().isPresent()) {
      store = emptyStore();
      int i = 0;
      for (Certificate c : certificates(tls.caCertificatePem().get())) {
        store.setCertificateEntry("ca-" + i++, c);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    return tmf.getTrustManagers();
  }

  private static KeyManager[] keyManagers(Path certPem, Path keyPem) throws GeneralSecurityException {
    Collection<? extends Certificate> chain = certificates(certPem);
    PrivateKey key = privateKey(keyPem);
    KeyStore store = emptyStore();
    char[] password = new char[0];
    store.setKeyEntry("client", key, password, chain.toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, password);
    return kmf.getKeyManagers();
  }

  private static KeyStore emptyStore() throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new IllegalStateException("an empty key store always loads", e);
    }
    return store;
  }

  private static Collection<? extends Certificate> certificates(Path pem) throws GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new UpkeepException("no certificate in " + pem + ": expected PEM blocks '-----BEGIN CERTIFICATE-----'");
      }
      return certs;
    } catch (IOException e) {
      throw new UpkeepException("cannot read the certificate file " + pem + ": " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path pem) throws GeneralSecurityException {
    String text;
    try {
      text = Files.readString(pem, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UpkeepException("cannot read the private key file " + pem + ": " + e.getMessage(), e);
    }
    if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
      throw new UpkeepException("the private key " + pem + " is not an unencrypted PKCS#8 PEM key ('-----BEGIN PRIVATE KEY-----'); "
          + "convert it with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
    }
    String base64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64));
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException tryNext) {
        // not this algorithm
      }
    }
    throw new UpkeepException("the private key " + pem + " is neither RSA, EC nor Ed25519");
  }

  /** For {@link Tls#insecure()}: accepts any certificate. Tests only. */
  private static final class TrustingEveryone implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      // trusts everyone, by request
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      // trusts everyone, by request
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
