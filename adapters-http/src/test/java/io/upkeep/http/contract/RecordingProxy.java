package io.upkeep.http.contract;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A pass-through HTTP proxy on 127.0.0.1 that records every exchange whole: the request as the
 * client sent it and the answer as the server gave it. The contract tests put one between an
 * adapter and a fake server, so that both sides are checked against the vendor's spec without
 * either knowing: the fakes record requests but not their answers, and nothing here depends on how
 * they do it.
 *
 * <p>A connection the server drops is dropped to the client too, and is not recorded. Plain HTTP
 * only.
 */
public final class RecordingProxy implements AutoCloseable {

  /** Headers the JDK client sets itself and refuses to be given. */
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "content-length",
          "expect",
          "host",
          "upgrade",
          "keep-alive",
          "transfer-encoding");

  /**
   * One request and its answer.
   *
   * @param method the HTTP method
   * @param path the raw path, without the query
   * @param query the raw query string, or an empty string
   * @param requestBody the request body, or an empty string
   * @param status the answer's status
   * @param responseBody the answer's body, or an empty string
   */
  public record Exchange(
      String method,
      String path,
      String query,
      String requestBody,
      int status,
      String responseBody) {}

  private final URI target;
  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpClient client;
  private final List<Exchange> exchanges = new ArrayList<>();

  private RecordingProxy(URI target) {
    this.target = target;
    // Every request holds a thread while the server answers (a blocking query may wait): no fixed
    // pool.
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "recording-proxy");
              t.setDaemon(true);
              return t;
            });
    this.client =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor).build();
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a port on 127.0.0.1 for the recording proxy", e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::forward);
    server.start();
  }

  /** Starts a proxy to {@code target} (scheme, host and port; its path is ignored). */
  public static RecordingProxy start(URI target) {
    return new RecordingProxy(target);
  }

  /** The proxy's base URL: {@code http://127.0.0.1:<port>}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Every exchange so far, in the order the answers came. */
  public List<Exchange> exchanges() {
    synchronized (exchanges) {
      return List.copyOf(exchanges);
    }
  }

  private void forward(HttpExchange ex) {
    try (ex) {
      String query =
          ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
      String path = ex.getRequestURI().getRawPath();
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readAllBytes();
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(target.resolve(path + (query.isEmpty() ? "" : "?" + query)))
              .method(
                  ex.getRequestMethod(),
                  body.length == 0
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(body));
      ex.getRequestHeaders()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                  values.forEach(v -> request.header(name, v));
                }
              });
      HttpResponse<byte[]> answer =
          client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      answer
          .headers()
          .map()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                  ex.getResponseHeaders().put(name, values);
                }
              });
      byte[] out = answer.body();
      // Recorded before the client has the answer: whoever reads exchanges() after a call sees that
      // call.
      synchronized (exchanges) {
        exchanges.add(
            new Exchange(
                ex.getRequestMethod(),
                path,
                query,
                new String(body, StandardCharsets.UTF_8),
                answer.statusCode(),
                new String(out, StandardCharsets.UTF_8)));
      }
      ex.sendResponseHeaders(answer.statusCode(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream o = ex.getResponseBody()) {
          o.write(out);
        }
      }
    } catch (IOException e) {
      // The server dropped the connection (or the client left): closing the exchange drops the
      // client's too.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow(); // the client's threads too: HttpClient has no close() on Java 17
  }
}
