package io.upkeep.octopus.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.upkeep.ClusterOperationException;
import io.upkeep.NodeId;
import io.upkeep.UnknownNodeException;
import io.upkeep.http.HttpResponse;
import io.upkeep.http.HttpTransport;
import io.upkeep.octopus.OctopusApiException;
import io.upkeep.octopus.OctopusConfig;
import io.upkeep.octopus.OctopusCredentialException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Octopus REST calls the adapter makes, over the shared transport, and the translation of every
 * non-2xx answer into an exception that names the request, says what Octopus said and what to do.
 * Paths are the documented system-level ones (the same the root document's links name).
 * Thread-safe.
 */
public final class OctopusApi implements AutoCloseable {

  /** The header the API key travels in. */
  public static final String API_KEY_HEADER = "X-Octopus-ApiKey";

  /** The header naming the node that answered. */
  public static final String NODE_HEADER = "Octopus-Node";

  static final String NODES = "/api/octopusservernodes";
  static final String SUMMARY = "/api/octopusservernodes/summary";
  static final String MAINTENANCE = "/api/maintenanceconfiguration";
  static final String TASKS = "/api/tasks";

  /** How many tasks one page of a task listing asks for. */
  static final int TASK_PAGE = 100;

  /**
   * About the process and machine of the node that answers: {@code OSVersion}, {@code ClrVersion},
   * ...
   */
  public static final String SYSTEM_INFO = "/api/serverstatus/system-info";

  private final OctopusConfig config;
  private final HttpTransport transport;

  public OctopusApi(OctopusConfig config) {
    this.config = config;
    this.transport =
        HttpTransport.create(
            config.http(),
            Map.of(API_KEY_HEADER, config.apiKey()),
            HttpTransport.RetryOn.SERVER_ERRORS_AND_TOO_MANY_REQUESTS);
  }

  /** Every node resource, following the collection's {@code Page.Next} links. */
  public List<JsonNode> listNodes() {
    List<JsonNode> out = new ArrayList<>();
    String next = NODES + "?skip=0&take=" + config.pageSize();
    Set<String> seen = new HashSet<>();
    while (next != null) {
      if (!seen.add(next)) {
        throw Wire.malformed("GET " + next, "Links.Page.Next points back at a page already read");
      }
      HttpResponse r = expectOk(transport.get(next), null);
      String request = "GET " + r.path();
      JsonNode page = Wire.object(r.json(), "the answer", request);
      for (JsonNode item : Wire.array(page, "Items", "the answer", request)) {
        out.add(Wire.object(item, "an item of Items", request));
      }
      JsonNode links = page.get("Links");
      String link =
          links == null || !links.isObject() ? null : Wire.optionalText(links, "Page.Next");
      next = link == null ? null : relative(link);
    }
    return out;
  }

  /** The summary's nodes, by Octopus id. */
  public Map<String, JsonNode> summary() {
    HttpResponse r = expectOk(transport.get(SUMMARY), null);
    String request = "GET " + r.path();
    JsonNode body = Wire.object(r.json(), "the answer", request);
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (JsonNode n : Wire.array(body, "Nodes", "the answer", request)) {
      Wire.object(n, "an item of Nodes", request);
      out.put(Wire.text(n, "Id", "Nodes[]", request), n);
    }
    return out;
  }

  /** The maintenance configuration resource. */
  public ObjectNode maintenance() {
    HttpResponse r = expectOk(transport.get(MAINTENANCE), null);
    return (ObjectNode) Wire.object(r.json(), "the answer", "GET " + r.path());
  }

  /** PUTs the whole maintenance configuration resource back; returns what the server stored. */
  public ObjectNode putMaintenance(ObjectNode resource) {
    HttpResponse r = expectOk(transport.put(MAINTENANCE, resource), null);
    return (ObjectNode) Wire.object(r.json(), "the answer", "PUT " + r.path());
  }

  /** The node resource with Octopus id {@code id}, which is {@code name}. */
  public ObjectNode node(String id, NodeId name) {
    HttpResponse r = expectOk(transport.get(nodePath(id)), name);
    return (ObjectNode) Wire.object(r.json(), "the answer", "GET " + r.path());
  }

  /** PUTs the whole node resource back; returns what the server stored. */
  public ObjectNode putNode(String id, NodeId name, ObjectNode resource) {
    HttpResponse r = expectOk(transport.put(nodePath(id), resource), name);
    return (ObjectNode) Wire.object(r.json(), "the answer", "PUT " + r.path());
  }

  /** Deletes the node record. */
  public void deleteNode(String id, NodeId name) {
    expectOk(transport.delete(nodePath(id)), name);
  }

  /**
   * How many tasks are executing or cancelling on the node with Octopus id {@code id}, in the
   * configured spaces and the system.
   */
  public int runningTasks(String id, NodeId name) {
    return countTasks("node=" + encode(id) + "&states=Executing,Cancelling", name);
  }

  /**
   * The tasks finished ({@code Success}, {@code Failed}, {@code TimedOut}) since {@code since} in
   * the configured spaces and the system, counted per node: one listing, newest first, read page by
   * page until a whole page finished before {@code since}, the listing ends, or {@code max} tasks
   * were read.
   */
  public TaskTally finishedTasks(Instant since, int max) {
    TaskTally tally = new TaskTally();
    int skip = 0;
    while (skip < max) {
      HttpResponse r =
          expectOk(
              transport.get(tasksPath("states=Success,Failed,TimedOut", skip, TASK_PAGE)), null);
      String request = "GET " + r.path();
      JsonNode page = Wire.object(r.json(), "the answer", request);
      JsonNode items = Wire.array(page, "Items", "the answer", request);
      boolean anyInWindow = false;
      for (JsonNode t : items) {
        String completed = Wire.optionalText(t, "CompletedTime");
        if (completed == null || OffsetDateTime.parse(completed).toInstant().isBefore(since)) {
          continue;
        }
        anyInWindow = true;
        String state = Wire.text(t, "State", "a task", request);
        tally.add(
            Wire.optionalText(t, "ServerNode"),
            state.equalsIgnoreCase("Failed") || state.equalsIgnoreCase("TimedOut"));
      }
      skip += items.size();
      if (!anyInWindow || items.size() < TASK_PAGE) {
        break;
      }
    }
    return tally;
  }

  /** Finished tasks counted per node (by Octopus id), and how many of them failed. */
  public static final class TaskTally {
    private final Map<String, long[]> byNode = new LinkedHashMap<>();
    private long finished;
    private long failed;

    void add(String node, boolean failure) {
      long[] c = byNode.computeIfAbsent(node == null ? "" : node, k -> new long[2]);
      c[0]++;
      finished++;
      if (failure) {
        c[1]++;
        failed++;
      }
    }

    /** Tasks finished on node {@code id}. */
    public long finished(String id) {
      return byNode.getOrDefault(id, new long[2])[0];
    }

    /** Tasks that failed or timed out on node {@code id}. */
    public long failed(String id) {
      return byNode.getOrDefault(id, new long[2])[1];
    }

    /** Tasks finished on the other nodes. */
    public long finishedElsewhere(String id) {
      return finished - finished(id);
    }

    /** Tasks that failed or timed out on the other nodes. */
    public long failedElsewhere(String id) {
      return failed - failed(id);
    }
  }

  /**
   * The ids of the tasks executing on the node with Octopus id {@code id} (not those already
   * cancelling), in the configured spaces and the system.
   */
  public List<String> executingTasks(String id, NodeId name) {
    HttpResponse r =
        expectOk(
            transport.get(tasksPath("node=" + encode(id) + "&states=Executing", 0, TASK_PAGE)),
            name);
    String request = "GET " + r.path();
    List<String> out = new ArrayList<>();
    for (JsonNode t :
        Wire.array(Wire.object(r.json(), "the answer", request), "Items", "the answer", request)) {
      out.add(Wire.text(t, "Id", "a task", request));
    }
    return out;
  }

  /**
   * Asks Octopus to cancel task {@code id} ({@code POST /api/tasks/{id}/cancel}); false if it had
   * completed meanwhile (Octopus answers 400).
   */
  public boolean cancelTask(String id) {
    HttpResponse r = transport.post(TASKS + "/" + encode(id) + "/cancel", null);
    if (r.status() == 400) {
      return false;
    }
    expectOk(r, null);
    return true;
  }

  /**
   * How many tasks are queued, executing or cancelling in the configured spaces and the system: the
   * cluster's whole queue.
   */
  public int busyTasks() {
    return countTasks("states=Queued,Executing,Cancelling", null);
  }

  /**
   * The task listing of the configured spaces and the system that {@code filter} narrows, from
   * {@code skip}, {@code take} at most.
   */
  private String tasksPath(String filter, int skip, int take) {
    return TASKS
        + "?"
        + filter
        + "&spaces="
        + encode(config.spaces())
        + "&includeSystem=true"
        + (skip == 0 ? "" : "&skip=" + skip)
        + "&take="
        + take;
  }

  /** How many tasks of the configured spaces and the system {@code filter} matches. */
  private int countTasks(String filter, NodeId node) {
    HttpResponse r = expectOk(transport.get(tasksPath(filter, 0, 0)), node);
    String request = "GET " + r.path();
    return Wire.count(
        Wire.object(r.json(), "the answer", request), "TotalResults", "the answer", request);
  }

  /**
   * Queues a task in space {@code spaceId} ({@code POST /api/{spaceId}/tasks}); the queued task.
   */
  public JsonNode queueTask(String spaceId, ObjectNode resource) {
    HttpResponse r = expectOk(transport.post("/api/" + encode(spaceId) + "/tasks", resource), null);
    return Wire.object(r.json(), "the answer", "POST " + r.path());
  }

  /** The task with id {@code id}. */
  public JsonNode task(String id) {
    HttpResponse r = expectOk(transport.get(TASKS + "/" + encode(id)), null);
    return Wire.object(r.json(), "the answer", "GET " + r.path());
  }

  /**
   * The newest task of space {@code spaceId} whose {@code Description} contains {@code marker},
   * among its latest {@code max}.
   */
  public java.util.Optional<JsonNode> findTask(String spaceId, String marker, int max) {
    for (int skip = 0; skip < max; skip += TASK_PAGE) {
      HttpResponse r =
          expectOk(
              transport.get(
                  "/api/" + encode(spaceId) + "/tasks?skip=" + skip + "&take=" + TASK_PAGE),
              null);
      String request = "GET " + r.path();
      JsonNode items =
          Wire.array(Wire.object(r.json(), "the answer", request), "Items", "the answer", request);
      for (JsonNode t : items) {
        String d = Wire.optionalText(t, "Description");
        if (d != null && d.contains(marker)) {
          return java.util.Optional.of(t);
        }
      }
      if (items.size() < TASK_PAGE) {
        break;
      }
    }
    return java.util.Optional.empty();
  }

  /** The root document. */
  public JsonNode root() {
    HttpResponse r = expectOk(transport.get("/api"), null);
    return Wire.object(r.json(), "the answer", "GET " + r.path());
  }

  /**
   * GETs an absolute URL (a node's own address) and returns the answer as it is, whatever its
   * status.
   */
  public HttpResponse getRaw(String url) {
    return transport.get(url);
  }

  /** How many requests went on the wire, retries included. */
  public int requestsSent() {
    return transport.requestsSent();
  }

  @Override
  public void close() {
    transport.close();
  }

  /** A server-relative link made relative to the base URL, which may carry a virtual directory. */
  private String relative(String link) {
    String basePath = config.baseUrl().getRawPath() == null ? "" : config.baseUrl().getRawPath();
    if (basePath.endsWith("/")) {
      basePath = basePath.substring(0, basePath.length() - 1);
    }
    if (!basePath.isEmpty() && link.startsWith(basePath + "/")) {
      return link.substring(basePath.length());
    }
    return link.startsWith("/") ? link : "/" + link;
  }

  private static String nodePath(String id) {
    return NODES + "/" + encode(id);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%2C", ",");
  }

  /**
   * Returns {@code r} if it is 2xx, else throws what its status means: 401/403 credential errors,
   * 404 an unknown node (when the request was about {@code node}), 5xx/429 retryable errors, the
   * rest non-retryable; each with Octopus's {@code ErrorMessage} and {@code Errors}.
   */
  HttpResponse expectOk(HttpResponse r, NodeId node) {
    if (r.ok()) {
      return r;
    }
    String request = r.method() + " " + r.path();
    OctopusError said = OctopusError.of(r);
    int s = r.status();
    if (s == 401) {
      throw new OctopusCredentialException(
          "Octopus rejected the API key (HTTP 401) on "
              + request
              + said.suffix()
              + ": the API key ("
              + config.apiKey()
              + ") is missing, wrong, expired or revoked; create a new API key (Octopus: your profile > My API Keys) for a "
              + "user with the System Administrator role and configure it",
          r.method(),
          r.path(),
          OctopusCredentialException.Problem.INVALID_API_KEY,
          said.message(),
          said.errors());
    }
    if (s == 403) {
      throw new OctopusCredentialException(
          "Octopus accepted the API key but refused "
              + request
              + " (HTTP 403)"
              + said.suffix()
              + ": the key's user lacks a permission it needs; changing nodes and maintenance mode needs "
              + "Administer System, so give that user (or its team) the System Administrator role, or use another user's key",
          r.method(),
          r.path(),
          OctopusCredentialException.Problem.MISSING_PERMISSION,
          said.message(),
          said.errors());
    }
    if (s == 404 && node != null) {
      throw new UnknownNodeException(
          node,
          "Octopus answered 404 to "
              + request
              + said.suffix()
              + ": the node record is gone (deleted, or replaced under a new id); observe the cluster again");
    }
    if (s == 404) {
      throw new OctopusApiException(
          "Octopus answered 404 to "
              + request
              + said.suffix()
              + ": check that the base URL "
              + config.baseUrl()
              + " is the Octopus Server's address (without /api) "
              + "and that the server is 2020.3 or newer",
          false,
          r.method(),
          r.path(),
          s,
          said.message(),
          said.errors());
    }
    boolean retryable = s >= 500 || s == 429;
    throw new OctopusApiException(
        "Octopus answered HTTP "
            + s
            + " to "
            + request
            + said.suffix()
            + (retryable
                ? ": the server is failing or overloaded; the request was already retried, it will be tried again later"
                : ": Octopus refused the request; correct it as the message says"),
        retryable,
        r.method(),
        r.path(),
        s,
        said.message(),
        said.errors());
  }

  /**
   * What an Octopus error body said: its {@code ErrorMessage} and {@code Errors}, or the raw body.
   */
  record OctopusError(String message, List<String> errors) {

    static OctopusError of(HttpResponse r) {
      if (r.body().isBlank()) {
        return new OctopusError("", List.of());
      }
      try {
        JsonNode body = r.json();
        if (body.isObject()) {
          String message =
              body.path("ErrorMessage").isTextual() ? body.get("ErrorMessage").asText() : "";
          List<String> errors = new ArrayList<>();
          body.path("Errors")
              .forEach(
                  e -> {
                    if (e.isTextual() && !e.asText().isBlank()) {
                      errors.add(e.asText());
                    }
                  });
          return new OctopusError(message, errors);
        }
      } catch (ClusterOperationException notJson) {
        // Not JSON: a proxy's or load balancer's page; show its start.
      }
      String raw = r.body().strip().replaceAll("\\s+", " ");
      return new OctopusError(raw.length() > 200 ? raw.substring(0, 197) + "..." : raw, List.of());
    }

    String suffix() {
      if (message.isEmpty() && errors.isEmpty()) {
        return "";
      }
      List<String> parts = new ArrayList<>();
      if (!message.isEmpty()) {
        parts.add(message);
      }
      parts.addAll(errors);
      return " (Octopus said: " + String.join("; ", parts) + ")";
    }
  }
}
