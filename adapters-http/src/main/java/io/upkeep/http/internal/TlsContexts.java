package io.upkeep.http.internal;

import io.upkeep.UpkeepException;
import io.upkeep.http.Tls;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.apache.hc.client5.http.psl.PublicSuffixMatcherLoader;
import org.apache.hc.client5.http.ssl.DefaultHostnameVerifier;
import org.apache.hc.client5.http.ssl.HttpClientHostnameVerifier;

/** Builds the {@link SSLContext} a {@link Tls} describes, from key stores or PEM files. */
public final class TlsContexts {
  private TlsContexts() {}

  /**
   * The context for {@code tls}; {@code onClientCertificateRequest} runs, in the thread doing the
   * handshake, whenever a server asks for a client certificate (whether or not there is one), so
   * that a connection the server then drops can be explained.
   */
  public static SSLContext create(Tls tls, Runnable onClientCertificateRequest) {
    try {
      TrustManager[] trust =
          tls.verify() ? trustManagers(tls) : new TrustManager[] {new TrustingEveryone()};
      X509KeyManager keys =
          tls.clientCertificatePem().isPresent()
              ? keyManager(tls.clientCertificatePem().get(), tls.clientKeyPem().orElseThrow())
              : null;
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(
          new KeyManager[] {new Noticing(keys, onClientCertificateRequest)},
          trust,
          new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new UpkeepException(
          "cannot set up TLS: " + e.getMessage() + "; check the certificate files and passwords",
          e);
    }
  }

  /**
   * HttpClient's own host name check, made as its default TLS strategy makes it (public suffixes
   * known), whose refusal also says which names the certificate holds.
   */
  public static HttpClientHostnameVerifier hostnameVerifier() {
    return new Naming(new DefaultHostnameVerifier(PublicSuffixMatcherLoader.getDefault()));
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
        throw new UpkeepException(
            "cannot read the trust store "
                + file
                + ": "
                + e.getMessage()
                + "; check the path, its type (.p12 or .jks) and its password",
            e);
      }
    } else if (tls.caCertificatePem().isPresent()) {
      store = emptyStore();
      int i = 0;
      for (Certificate c : certificates(tls.caCertificatePem().get())) {
        store.setCertificateEntry("ca-" + i++, c);
      }
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    return tmf.getTrustManagers();
  }

  private static X509KeyManager keyManager(Path certPem, Path keyPem)
      throws GeneralSecurityException {
    Collection<? extends Certificate> chain = certificates(certPem);
    PrivateKey key = privateKey(keyPem);
    KeyStore store = emptyStore();
    char[] password = new char[0];
    store.setKeyEntry("client", key, password, chain.toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, password);
    for (KeyManager k : kmf.getKeyManagers()) {
      if (k instanceof X509KeyManager x509) {
        return x509;
      }
    }
    throw new GeneralSecurityException("the JDK's key manager factory made no X.509 key manager");
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

  private static Collection<? extends Certificate> certificates(Path pem)
      throws GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new UpkeepException(
            "no certificate in " + pem + ": expected PEM blocks '-----BEGIN CERTIFICATE-----'");
      }
      return certs;
    } catch (IOException e) {
      throw new UpkeepException(
          "cannot read the certificate file " + pem + ": " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path pem) throws GeneralSecurityException {
    String text;
    try {
      text = Files.readString(pem, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UpkeepException(
          "cannot read the private key file " + pem + ": " + e.getMessage(), e);
    }
    if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
      throw new UpkeepException(
          "the private key "
              + pem
              + " is not an unencrypted PKCS#8 PEM key ('-----BEGIN PRIVATE KEY-----'); "
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

  /**
   * The client's key manager (none: no certificate to present) that also tells when a server asks
   * for a client certificate.
   */
  private static final class Noticing extends X509ExtendedKeyManager {
    private final X509KeyManager keys;
    private final Runnable onRequest;

    Noticing(X509KeyManager keys, Runnable onRequest) {
      this.keys = keys;
      this.onRequest = onRequest;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      onRequest.run();
      return keys == null ? null : keys.chooseClientAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      onRequest.run();
      if (keys instanceof X509ExtendedKeyManager extended) {
        return extended.chooseEngineClientAlias(keyType, issuers, engine);
      }
      return keys == null ? null : keys.chooseClientAlias(keyType, issuers, null);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return keys == null ? null : keys.getClientAliases(keyType, issuers);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return keys == null ? null : keys.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return keys == null ? null : keys.getPrivateKey(alias);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }

  /** A host name check that, refusing a certificate, names the hosts it is for. */
  private static final class Naming implements HttpClientHostnameVerifier {
    private final HttpClientHostnameVerifier check;

    Naming(HttpClientHostnameVerifier check) {
      this.check = check;
    }

    @Override
    public void verify(String host, X509Certificate certificate) throws SSLException {
      try {
        check.verify(host, certificate);
      } catch (SSLPeerUnverifiedException e) {
        SSLPeerUnverifiedException named =
            new SSLPeerUnverifiedException("it is for " + names(certificate));
        named.initCause(e);
        throw named;
      }
    }

    @Override
    public boolean verify(String host, SSLSession session) {
      return check.verify(host, session);
    }

    /** The DNS names and IP addresses among the subject alternative names, else the subject. */
    private static String names(X509Certificate certificate) {
      List<String> names = new ArrayList<>();
      try {
        Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
        for (List<?> name : alternatives == null ? List.<List<?>>of() : alternatives) {
          Object type = name.get(0);
          if (Integer.valueOf(2).equals(type)
              || Integer.valueOf(7).equals(type)) { // dNSName, iPAddress
            names.add(String.valueOf(name.get(1)));
          }
        }
      } catch (CertificateParsingException unreadable) {
        // name the subject instead
      }
      return names.isEmpty()
          ? "the subject " + certificate.getSubjectX500Principal().getName()
          : String.join(", ", names);
    }
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
