package io.upkeep.testkit.sigkill;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.upkeep.ClusterOperationException;
import io.upkeep.ClusterSnapshot;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.UnknownNodeException;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HostPort;
import io.upkeep.spi.TimeSource;
import io.upkeep.spi.TrafficPort;
import io.upkeep.testkit.FakeCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.lang.reflect.Type;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * A {@link FakeCluster} served to another process over a local socket, and that process's view of
 * it: its cluster, host and traffic ports and its virtual clock, each call one line of JSON out and
 * one back. The cluster lives in the test's JVM, outside the child that drives it, so killing the
 * child loses nothing of the cluster; the child's clock is the cluster's, advanced by the child's
 * waits.
 */
final class RemoteCluster {

  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .registerModule(new Jdk8Module())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);

  private RemoteCluster() {}

  /** The serving side, in the test's JVM. */
  static final class Server implements AutoCloseable {
    private final ServerSocket socket;
    private final FakeCluster cluster;
    private volatile IntPredicate killBefore = n -> false;
    private volatile IntPredicate killAfter = n -> false;
    private volatile Runnable kill = () -> {};
    private int calls;

    Server(FakeCluster cluster) throws IOException {
      this.cluster = cluster;
      this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread accept = new Thread(this::accept, "remote-cluster");
      accept.setDaemon(true);
      accept.start();
    }

    /** Where the child connects: host and port. */
    String url() {
      return "127.0.0.1:" + socket.getLocalPort();
    }

    private void accept() {
      while (!socket.isClosed()) {
        try (Socket s = socket.accept()) {
          s.setTcpNoDelay(true);
          BufferedReader in =
              new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
          OutputStream out = s.getOutputStream();
          String line;
          while ((line = in.readLine()) != null) {
            byte[] answer = handle(line);
            if (answer == null) {
              break; // the child was killed on this call
            }
            out.write(answer);
            out.flush();
          }
        } catch (IOException e) {
          // the child died, or the server closed: wait for the next child
        }
      }
    }

    /**
     * Kills the child with {@code kill} when it makes call number n (counted from now) for which
     * {@code before} holds, before the call takes effect, or {@code after} holds, after it did and
     * before the child hears back.
     */
    synchronized void killOn(IntPredicate before, IntPredicate after, Runnable kill) {
      this.calls = 0;
      this.killBefore = before;
      this.killAfter = after;
      this.kill = kill;
    }

    /** The answer to one call, as a line, or null if the child was killed on it. */
    private byte[] handle(String line) throws IOException {
      int n;
      synchronized (this) {
        n = ++calls;
      }
      JsonNode call = JSON.readTree(line);
      if (killBefore.test(n)) {
        kill.run();
        return null;
      }
      ObjectNode answer = JSON.createObjectNode();
      try {
        answer.set("value", JSON.valueToTree(invoke(call)));
      } catch (UnknownNodeException e) {
        answer.put("unknownNode", e.node().value());
        answer.put("message", e.getMessage());
      } catch (ClusterOperationException e) {
        answer.put("failed", e.getMessage());
        answer.put("retryable", e.retryable());
      } catch (RuntimeException e) {
        answer.put("failed", e.toString());
        answer.put("retryable", false);
      }
      if (killAfter.test(n)) {
        kill.run();
        return null;
      }
      return (JSON.writeValueAsString(answer) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private Object invoke(JsonNode call) {
      String port = call.get("port").asText();
      String name = call.get("method").asText();
      if (port.equals("clock")) {
        if (name.equals("now")) {
          return cluster.clock().now();
        }
        cluster.clock().sleep(read(call.get("args").get(0), Duration.class));
        return null;
      }
      if (name.equals("observe")) {
        return Snapshot.of(cluster.observe());
      }
      if (name.equals("awaitChange")) {
        ClusterSnapshot since = read(call.get("args").get(0), Snapshot.class).snapshot();
        return cluster.awaitChange(since, read(call.get("args").get(1), Duration.class));
      }
      Method m = method(port, name);
      Object[] args = new Object[m.getParameterCount()];
      Type[] types = m.getGenericParameterTypes();
      for (int i = 0; i < args.length; i++) {
        args[i] = read(call.get("args").get(i), JSON.constructType(types[i]));
      }
      try {
        return m.invoke(cluster, args);
      } catch (InvocationTargetException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw new IllegalStateException(e.getCause());
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** A snapshot on the wire: a final class with a constructor Jackson does not know. */
  record Snapshot(Instant observedAt, List<Node> nodes, boolean maintenanceMode) {
    static Snapshot of(ClusterSnapshot s) {
      return new Snapshot(s.observedAt(), s.nodes(), s.maintenanceMode());
    }

    ClusterSnapshot snapshot() {
      return new ClusterSnapshot(observedAt, nodes, maintenanceMode);
    }
  }

  static Method method(String port, String name) {
    Class<?> type =
        switch (port) {
          case "cluster" -> ClusterPort.class;
          case "host" -> HostPort.class;
          case "traffic" -> TrafficPort.class;
          default -> throw new IllegalArgumentException("no port " + port);
        };
    for (Method m : type.getMethods()) {
      if (m.getName().equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("no method " + port + "." + name);
  }

  static <T> T read(JsonNode n, Class<T> type) {
    return read(n, JSON.constructType(type));
  }

  static <T> T read(JsonNode n, JavaType type) {
    try {
      return JSON.treeToValue(n, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The child's side: one object that is the cluster, host and traffic ports and the clock. */
  static Object client(String url) throws IOException {
    String[] hostPort = url.split(":");
    Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
    socket.setTcpNoDelay(true);
    Connection http =
        new Connection(
            new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)),
            socket.getOutputStream());
    TimeSource[] clock = new TimeSource[1];
    clock[0] =
        new TimeSource() {
          @Override
          public Instant now() {
            return read(call(http, url, "clock", "now", List.of()), Instant.class);
          }

          @Override
          public void sleep(Duration d) {
            call(http, url, "clock", "sleep", List.of(d));
          }
        };
    return Proxy.newProxyInstance(
        RemoteCluster.class.getClassLoader(),
        new Class<?>[] {ClusterPort.class, HostPort.class, TrafficPort.class},
        (proxy, m, args) -> {
          if (m.getDeclaringClass() == Object.class) {
            return switch (m.getName()) {
              case "equals" -> proxy == args[0];
              case "hashCode" -> System.identityHashCode(proxy);
              default -> "RemoteCluster[" + url + "]";
            };
          }
          if (m.getName().equals("time")) {
            return Optional.of(clock[0]);
          }
          String port =
              m.getDeclaringClass() == HostPort.class
                  ? "host"
                  : m.getDeclaringClass() == TrafficPort.class ? "traffic" : "cluster";
          List<Object> a = new ArrayList<>();
          if (args != null) {
            for (Object o : args) {
              a.add(o instanceof ClusterSnapshot s ? Snapshot.of(s) : o);
            }
          }
          JsonNode v = call(http, url, port, m.getName(), a);
          if (m.getReturnType() == void.class) {
            return null;
          }
          if (m.getName().equals("observe")) {
            return read(v, Snapshot.class).snapshot();
          }
          return read(v, JSON.constructType(m.getGenericReturnType()));
        });
  }

  /** The child's one connection to the cluster; calls go one at a time. */
  record Connection(BufferedReader in, OutputStream out) {}

  private static JsonNode call(
      Connection http, String url, String port, String method, List<Object> args) {
    try {
      ObjectNode body = JSON.createObjectNode();
      body.put("port", port);
      body.put("method", method);
      ArrayNode a = body.putArray("args");
      args.forEach(o -> a.add(JSON.valueToTree(o)));
      String line;
      synchronized (http) {
        http.out().write((JSON.writeValueAsString(body) + "\n").getBytes(StandardCharsets.UTF_8));
        http.out().flush();
        line = http.in().readLine();
      }
      if (line == null) {
        throw new IOException("the cluster at " + url + " hung up");
      }
      JsonNode answer = JSON.readTree(line);
      if (answer.has("unknownNode")) {
        throw new UnknownNodeException(
            NodeId.of(answer.get("unknownNode").asText()), answer.get("message").asText());
      }
      if (answer.has("failed")) {
        throw new ClusterOperationException(
            answer.get("failed").asText(), answer.get("retryable").asBoolean());
      }
      return answer.get("value");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
