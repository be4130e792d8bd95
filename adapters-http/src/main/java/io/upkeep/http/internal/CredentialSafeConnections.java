package io.upkeep.http.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.impl.io.DefaultHttpResponseParserFactory;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultBHttpClientConnection;
import org.apache.hc.core5.http.impl.io.DefaultHttpRequestWriterFactory;
import org.apache.hc.core5.http.impl.io.NoResponseOutOfOrderStrategy;
import org.apache.hc.core5.http.impl.io.SocketHolder;
import org.apache.hc.core5.http.io.HttpConnectionFactory;
import org.apache.hc.core5.http.message.RequestLine;
import org.apache.hc.core5.http.message.StatusLine;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Identifiable;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HttpClient's classic connections without the logs that would print credentials, for the
 * connection manager of a transport that sends them.
 *
 * <p>HttpClient 5's own connection ({@code DefaultManagedHttpClientConnection}, final and not
 * public) writes every request and response header to {@value #HEADER_LOG}, and wraps its socket so
 * that every byte goes to {@value #WIRE_LOG}, whenever those loggers are at DEBUG; nothing turns
 * that off for one header. The connections made here are the same in every other way (HttpClient's
 * lenient response parser, the default writer, the same socket timeouts while pooled and when
 * reused) but write the headers to {@value #HEADER_LOG} with the value of each credential header,
 * and any credential a server echoes back, replaced by a mask; and they never write to {@value
 * #WIRE_LOG}, whose bytes, cut wherever a buffer fills, could not be masked reliably.
 */
public final class CredentialSafeConnections
    implements HttpConnectionFactory<ManagedHttpClientConnection> {

  /** The logger HttpClient writes request and response headers to at DEBUG. */
  public static final String HEADER_LOG = "org.apache.hc.client5.http.headers";

  /** The logger HttpClient writes every byte sent and received to at DEBUG. */
  public static final String WIRE_LOG = "org.apache.hc.client5.http.wire";

  private static final Logger HEADERS = LoggerFactory.getLogger(HEADER_LOG);
  private static final AtomicLong COUNTER = new AtomicLong();

  private final Set<String> secretNames;
  private final String mask;

  /**
   * Connections that mask the value of every header named in {@code secretHeaderNames} (in any
   * case), and every such value an answer echoes, with {@code mask}.
   */
  public CredentialSafeConnections(Set<String> secretHeaderNames, String mask) {
    this.secretNames =
        secretHeaderNames.stream()
            .map(n -> n.toLowerCase(Locale.ROOT))
            .collect(Collectors.toUnmodifiableSet());
    this.mask = mask;
  }

  @Override
  public ManagedHttpClientConnection createConnection(Socket socket) throws IOException {
    Connection connection = new Connection("upkeep-http-" + COUNTER.getAndIncrement());
    if (socket != null) {
      connection.bind(socket);
    }
    return connection;
  }

  private boolean secret(Header header) {
    return secretNames.contains(header.getName().toLowerCase(Locale.ROOT));
  }

  private String masked(String value, List<String> credentials) {
    if (value == null) {
      return null;
    }
    for (String credential : credentials) {
      value = value.replace(credential, mask);
    }
    return value;
  }

  /**
   * A connection as HttpClient's own, whose header log masks credentials and which has no wire log.
   */
  private final class Connection extends DefaultBHttpClientConnection
      implements ManagedHttpClientConnection, Identifiable {

    private final String id;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Timeout socketTimeout;

    /**
     * The credentials the last request on this connection carried, to mask where its answer echoes
     * them.
     */
    private volatile List<String> sent = List.of();

    Connection(String id) {
      super(
          Http1Config.DEFAULT,
          null,
          null,
          null,
          null,
          NoResponseOutOfOrderStrategy.INSTANCE,
          DefaultHttpRequestWriterFactory.INSTANCE,
          DefaultHttpResponseParserFactory.INSTANCE);
      this.id = id;
    }

    @Override
    public String getId() {
      return id;
    }

    @Override
    public void bind(Socket socket) throws IOException {
      bind(new SocketHolder(socket));
    }

    @Override
    public void bind(SSLSocket sslSocket, Socket socket) throws IOException {
      bind(new SocketHolder(sslSocket, socket));
    }

    @Override
    protected void bind(SocketHolder holder) throws IOException {
      if (closed.get()) {
        holder.getSocket().close();
        throw new InterruptedIOException("Connection already shutdown");
      }
      super.bind(holder);
      socketTimeout = Timeout.ofMilliseconds(holder.getSocket().getSoTimeout());
    }

    @Override
    public Socket getSocket() {
      SocketHolder holder = getSocketHolder();
      return holder == null ? null : holder.getSocket();
    }

    @Override
    public void setSocketTimeout(Timeout timeout) {
      super.setSocketTimeout(timeout);
      socketTimeout = timeout;
    }

    /** Idle in the pool: wait for nothing, as HttpClient's connections do. */
    @Override
    public void passivate() {
      super.setSocketTimeout(Timeout.ZERO_MILLISECONDS);
    }

    @Override
    public void activate() {
      super.setSocketTimeout(socketTimeout);
    }

    @Override
    public void close() throws IOException {
      if (closed.compareAndSet(false, true)) {
        super.close();
      }
    }

    @Override
    public void close(CloseMode mode) {
      if (closed.compareAndSet(false, true)) {
        super.close(mode);
      }
    }

    @Override
    protected void onRequestSubmitted(ClassicHttpRequest request) {
      if (request == null) {
        return;
      }
      List<String> credentials = new ArrayList<>();
      for (Header header : request.getHeaders()) {
        if (secret(header) && header.getValue() != null && !header.getValue().isEmpty()) {
          credentials.add(header.getValue());
        }
      }
      sent = List.copyOf(credentials);
      if (HEADERS.isDebugEnabled()) {
        HEADERS.debug("{} >> {}", id, new RequestLine(request));
        for (Header header : request.getHeaders()) {
          HEADERS.debug(
              "{} >> {}: {}",
              id,
              header.getName(),
              secret(header) ? mask : masked(header.getValue(), sent));
        }
      }
    }

    @Override
    protected void onResponseReceived(ClassicHttpResponse response) {
      if (response != null && HEADERS.isDebugEnabled()) {
        HEADERS.debug("{} << {}", id, masked(new StatusLine(response).toString(), sent));
        for (Header header : response.getHeaders()) {
          HEADERS.debug("{} << {}: {}", id, header.getName(), masked(header.getValue(), sent));
        }
      }
    }
  }
}
