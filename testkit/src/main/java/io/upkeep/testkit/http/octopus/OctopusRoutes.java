package io.upkeep.testkit.http.octopus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.upkeep.ClusterOperationException;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.TaskCap;
import io.upkeep.UnknownNodeException;
import io.upkeep.testkit.FakeCluster;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The subset of the Octopus Server REST API the fake speaks, answered from a {@link FakeCluster}'s
 * state in the vendor's JSON (PascalCase names, the {@code ResourceCollection} envelope, the
 * {@code Error} shape). Every answer is worked out under the cluster's lock, so it is one consistent
 * observation, and changes (task cap, drain, maintenance mode, removal) apply to the cluster.
 */
final class OctopusRoutes {

  static final String API_KEY_HEADER = "X-Octopus-ApiKey";
  static final String NODE_HEADER = "Octopus-Node";
  static final String DEFAULT_SPACE = "Spaces-1";
  static final String ID_PREFIX = "OctopusServerNodes-";
  private static final String MODIFIED_BY = "admin";
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx").withZone(ZoneOffset.UTC);
  private static final Pattern NODE = Pattern.compile("/api/octopusservernodes/([^/]+)(/details)?");
  private static final Pattern SPACE_TASKS = Pattern.compile("/api/(?:spaces/)?(Spaces-\\d+)/tasks");
  private static final String TASKS_TEMPLATE = "/api/tasks{/id}{?skip,active,environment,tenant,runbook,project,name,"
      + "node,running,states,hasPendingInterruptions,hasWarningsOrErrors,take,ids,partialName,spaces,includeSystem,"
      + "description,fromCompletedDate,toCompletedDate,fromQueueDate,toQueueDate,fromStartDate,toStartDate}";

  private final FakeCluster cluster;
  private final ObjectMapper mapper = new ObjectMapper();
  private final String apiKey;
  private final String readOnlyApiKey;
  private final String installationId;
  /** Octopus ids by node name, assigned the first time a member is seen; never reused. */
  private final Map<String, String> ids = new LinkedHashMap<>();
  private final Map<String, Instant> lastSeen = new HashMap<>();
  private final Map<String, Instant> lastModified = new HashMap<>();
  private Instant maintenanceModified;
  private int nextId = 1;

  /** An answer: a status, a body and headers; or, with {@code drop}, no answer at all. */
  record Answer(int status, String body, String contentType, Map<String, String> headers, boolean drop) {
    static Answer dropped() {
      return new Answer(0, "", "", Map.of(), true);
    }
  }

  OctopusRoutes(FakeCluster cluster, String apiKey, String readOnlyApiKey) {
    this.cluster = cluster;
    this.apiKey = apiKey;
    this.readOnlyApiKey = readOnlyApiKey;
    this.installationId = new UUID(cluster.seed(), 0x0C70_9005L).toString();
    synchronized (cluster) {
      Instant now = cluster.clock().now();
      maintenanceModified = now;
      for (Node n : cluster.observe().nodes()) {
        idOf(n.id().value());
        lastSeen.put(n.id().value(), now);
        lastModified.put(n.id().value(), now);
      }
    }
  }

  /** The Octopus id of the member named {@code name}, assigning one if it has none yet. */
  synchronized String idOf(String name) {
    return ids.computeIfAbsent(name, n -> ID_PREFIX + nextId++);
  }

  /**
   * Answers one request. {@code target} is the node whose own address was called, or empty for the
   * load balancer.
   */
  Answer answer(String method, String target, String path, String rawQuery, Map<String, String> headers, String body) {
    synchronized (cluster) {
      List<Node> members = cluster.observe().nodes();
      Optional<Node> served = serving(members, target);
      if (served.isEmpty()) {
        if (!target.isEmpty()) {
          return Answer.dropped(); // nothing listens on a stopped node's own address
        }
        return new Answer(503, "503 Service Unavailable: no healthy Octopus Server node behind the load balancer",
            "text/plain; charset=utf-8", Map.of(), false);
      }
      Node self = served.get();
      Map<String, String> nodeHeader = Map.of(NODE_HEADER, self.id().value());
      Answer a = route(method, path, query(rawQuery), headers, body, self, members);
      Map<String, String> h = new LinkedHashMap<>(a.headers());
      h.putAll(nodeHeader);
      return new Answer(a.status(), a.body(), a.contentType(), h, false);
    }
  }

  // ------------------------------------------------------------------ routing

  private Answer route(String method, String path, Map<String, String> q, Map<String, String> headers, String body,
      Node self, List<Node> members) {
    String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    // Anonymous: the root document and the load balancer's health check.
    if (p.equals("/api")) {
      return method.equals("GET") ? json(200, root(self)) : notAllowed(method, p);
    }
    if (p.equals("/api/octopusservernodes/ping")) {
      if (!method.equals("GET")) {
        return notAllowed(method, p);
      }
      // 200 while the node takes tasks; 418 once it is drained ("draining or offline").
      return json(self.drainState() == DrainState.ACTIVE ? 200 : 418, nodeJson(self, Shape.PING));
    }
    String key = headers.get(API_KEY_HEADER.toLowerCase(Locale.ROOT));
    boolean readOnly = key != null && readOnlyApiKey != null && key.equals(readOnlyApiKey);
    if (key == null || !(key.equals(apiKey) || readOnly)) {
      return error(401, "You must be logged in to perform this action. Please provide a valid API key or log in again.",
          List.of());
    }
    boolean writes = !method.equals("GET");
    if (writes && readOnly) {
      String permission = p.startsWith("/api/maintenanceconfiguration") ? "AdministerSystem" : "ConfigureServer";
      return error(403, "You do not have permission to perform this action. Please contact your Octopus administrator. "
          + "Missing permission: " + permission, List.of());
    }
    try {
      if (p.equals("/api/octopusservernodes")) {
        return method.equals("GET") ? nodeCollection(members, q) : notAllowed(method, p);
      }
      if (p.equals("/api/octopusservernodes/all")) {
        if (!method.equals("GET")) {
          return notAllowed(method, p);
        }
        ArrayNode all = mapper.createArrayNode();
        members.forEach(n -> all.add(nodeJson(n, Shape.RESOURCE)));
        return json(200, all);
      }
      if (p.equals("/api/octopusservernodes/summary")) {
        return method.equals("GET") ? summary(members) : notAllowed(method, p);
      }
      Matcher m = NODE.matcher(p);
      if (m.matches()) {
        return node(method, decode(m.group(1)), m.group(2) != null, body, members);
      }
      if (p.equals("/api/maintenanceconfiguration")) {
        return maintenance(method, body);
      }
      if (p.equals("/api/tasks")) {
        return method.equals("GET") ? tasks(members, q, null) : notAllowed(method, p);
      }
      Matcher s = SPACE_TASKS.matcher(p);
      if (s.matches()) {
        return method.equals("GET") ? tasks(members, q, s.group(1)) : notAllowed(method, p);
      }
      return error(404, "The resource you requested was not found.", List.of("No route matches " + method + " " + p));
    } catch (BadRequest e) {
      return error(400, "There was a problem with your request.", List.of(e.getMessage()));
    }
  }

  private Optional<Node> serving(List<Node> members, String target) {
    if (!target.isEmpty()) {
      return members.stream().filter(n -> n.id().value().equals(target) && n.health() == Health.HEALTHY).findFirst();
    }
    // The load balancer: the first healthy member it sends requests to, else any healthy one.
    return members.stream().filter(n -> n.health() == Health.HEALTHY && cluster.weight(n.id()) > 0).findFirst()
        .or(() -> members.stream().filter(n -> n.health() == Health.HEALTHY).findFirst());
  }

  // ------------------------------------------------------------------ nodes

  private Answer nodeCollection(List<Node> members, Map<String, String> q) {
    int skip = intParam(q, "skip", 0);
    int take = intParam(q, "take", 30);
    List<Node> matching = new ArrayList<>();
    List<String> wanted = q.containsKey("ids") ? Arrays.asList(q.get("ids").split(",")) : null;
    String partial = q.getOrDefault("partialName", "").toLowerCase(Locale.ROOT);
    for (Node n : members) {
      if ((wanted == null || wanted.contains(idOf(n.id().value())))
          && n.id().value().toLowerCase(Locale.ROOT).contains(partial)) {
        matching.add(n);
      }
    }
    ArrayNode items = mapper.createArrayNode();
    matching.stream().skip(skip).limit(take).forEach(n -> items.add(nodeJson(n, Shape.RESOURCE)));
    return json(200, collection("OctopusServerNode", "/api/octopusservernodes",
        "/api/octopusservernodes{?skip,take,ids,partialName}", items, matching.size(), skip, take, null));
  }

  private Answer summary(List<Node> members) {
    ObjectNode out = mapper.createObjectNode();
    ArrayNode nodes = out.putArray("Nodes");
    members.forEach(n -> nodes.add(nodeJson(n, Shape.SUMMARY)));
    out.putObject("Links").put("Self", "/api/octopusservernodes/summary");
    return json(200, out);
  }

  private Answer node(String method, String id, boolean details, String body, List<Node> members) {
    Optional<Node> found = members.stream().filter(n -> idOf(n.id().value()).equals(id)).findFirst();
    if (found.isEmpty()) {
      return error(404, "The resource you requested was not found.",
          List.of("The OctopusServerNode with Id '" + id + "' could not be found."));
    }
    Node n = found.get();
    if (details) {
      if (!method.equals("GET")) {
        return notAllowed(method, "/api/octopusservernodes/" + id + "/details");
      }
      ObjectNode d = mapper.createObjectNode();
      d.put("Id", id);
      d.put("RunningTasks", n.runningWork());
      d.put("LastModifiedOn", DATE.format(lastModified.getOrDefault(n.id().value(), now())));
      d.put("LastModifiedBy", MODIFIED_BY);
      d.putObject("Links").put("Self", "/api/octopusservernodes/" + id + "/details");
      return json(200, d);
    }
    switch (method) {
      case "GET" -> {
        return json(200, nodeJson(n, Shape.RESOURCE));
      }
      case "PUT" -> {
        return modifyNode(n, id, body);
      }
      case "DELETE" -> {
        try {
          cluster.removeMember(n.id());
        } catch (ClusterOperationException | UnknownNodeException e) {
          return error(400, "The node could not be deleted.", List.of(e.getMessage()));
        }
        return json(200, mapper.createObjectNode());
      }
      default -> {
        return notAllowed(method, "/api/octopusservernodes/" + id);
      }
    }
  }

  /**
   * PUT of the whole resource. A writable field missing from the body takes its default (0, false),
   * as the server's model binding does: a client that omits {@code MaxConcurrentTasks} sets the task
   * cap to 0.
   */
  private Answer modifyNode(Node n, String id, String body) {
    JsonNode in = readObject(body);
    JsonNode bodyId = in.get("Id");
    if (bodyId != null && !bodyId.isNull() && !bodyId.asText().equals(id)) {
      throw new BadRequest("the body's Id '" + bodyId.asText() + "' does not match the URL's '" + id + "'");
    }
    JsonNode capNode = in.get("MaxConcurrentTasks");
    if (capNode != null && !capNode.isNull() && !capNode.canConvertToInt()) {
      throw new BadRequest("MaxConcurrentTasks must be a whole number");
    }
    int cap = capNode == null || capNode.isNull() ? 0 : capNode.asInt();
    if (cap < 0) {
      throw new BadRequest("MaxConcurrentTasks must be 0 or more");
    }
    boolean drain = in.path("IsInMaintenanceMode").asBoolean(false);
    boolean changed = false;
    if (!n.taskCap().equals(TaskCap.of(cap))) {
      cluster.setTaskCap(n.id(), TaskCap.of(cap));
      changed = true;
    }
    boolean drained = n.drainState() != DrainState.ACTIVE;
    if (drain && !drained) {
      // Octopus never forces a drain: the node finishes what it runs, however long that takes.
      cluster.drain(n.id(), now().plus(Duration.ofDays(3650)));
      changed = true;
    } else if (!drain && drained) {
      cluster.undrain(n.id());
      changed = true;
    }
    if (changed) {
      lastModified.put(n.id().value(), now());
    }
    Node after = cluster.node(n.id()).orElse(n);
    return json(200, nodeJson(after, Shape.RESOURCE));
  }

  /** The three shapes a node takes: the resource, a summary entry, the ping body. */
  private enum Shape { RESOURCE, SUMMARY, PING }

  private ObjectNode nodeJson(Node n, Shape shape) {
    String name = n.id().value();
    String id = idOf(name);
    boolean offline = n.health() != Health.HEALTHY;
    if (!offline) {
      lastSeen.put(name, now());
    }
    ObjectNode o = mapper.createObjectNode();
    o.put("Id", id);
    o.put("Name", name);
    o.put("MaxConcurrentTasks", n.taskCap().isUnlimited() ? Integer.MAX_VALUE : n.taskCap().value());
    o.put("IsInMaintenanceMode", n.drainState() != DrainState.ACTIVE);
    if (shape != Shape.RESOURCE) {
      o.put("IsOffline", offline);
      o.put("LastSeen", DATE.format(lastSeen.getOrDefault(name, now())));
      o.put("Version", n.platform().product().text());
    }
    if (shape == Shape.SUMMARY) {
      o.put("RunningTaskCount", n.runningWork());
      o.put("MaxSqlConnectionPoolSize", 100);
      o.put("RecommendedMaxSqlConnectionPoolSize", 100);
    }
    o.put("LastModifiedOn", DATE.format(lastModified.getOrDefault(name, now())));
    o.put("LastModifiedBy", MODIFIED_BY);
    ObjectNode links = o.putObject("Links");
    links.put("Self", "/api/octopusservernodes/" + id);
    links.put("Details", "/api/octopusservernodes/" + id + "/details");
    return o;
  }

  // ------------------------------------------------------------------ maintenance

  private Answer maintenance(String method, String body) {
    if (method.equals("PUT")) {
      JsonNode in = readObject(body);
      boolean on = in.path("IsInMaintenanceMode").asBoolean(false);
      if (cluster.observe().maintenanceMode() != on) {
        cluster.setMaintenanceMode(on);
        maintenanceModified = now();
      }
    } else if (!method.equals("GET")) {
      return notAllowed(method, "/api/maintenanceconfiguration");
    }
    ObjectNode o = mapper.createObjectNode();
    o.put("Id", "maintenance");
    o.put("IsInMaintenanceMode", cluster.observe().maintenanceMode());
    o.put("LastModifiedOn", DATE.format(maintenanceModified));
    o.put("LastModifiedBy", MODIFIED_BY);
    o.putObject("Links").put("Self", "/api/maintenanceconfiguration");
    return json(200, o);
  }

  // ------------------------------------------------------------------ tasks

  /**
   * Tasks, synthesised from each member's running work: all {@code Executing}, task {@code i} of a
   * node in {@code Spaces-1}, {@code Spaces-2} or the system (no space) in turn, so that only
   * {@code spaces=all&includeSystem=true} counts them all.
   */
  private Answer tasks(List<Node> members, Map<String, String> q, String routeSpace) {
    List<String> spaces;
    if (routeSpace != null) {
      spaces = List.of(routeSpace);
    } else if (q.containsKey("spaces")) {
      spaces = q.get("spaces").equalsIgnoreCase("all") ? null : Arrays.asList(q.get("spaces").split(","));
    } else {
      spaces = List.of(DEFAULT_SPACE); // legacy unscoped routes target the default space
    }
    boolean system = routeSpace == null && "true".equalsIgnoreCase(q.get("includeSystem"));
    List<String> states = q.containsKey("states") ? Arrays.asList(q.get("states").split(",")) : null;
    boolean stateOk = (states == null || states.contains("Executing"))
        && !"false".equalsIgnoreCase(q.getOrDefault("running", "true"))
        && !"false".equalsIgnoreCase(q.getOrDefault("active", "true"));
    String nodeFilter = q.get("node");
    List<ObjectNode> matching = new ArrayList<>();
    for (Node n : members) {
      String id = idOf(n.id().value());
      if (nodeFilter != null && !nodeFilter.equals(id)) {
        continue;
      }
      int seq = Integer.parseInt(id.substring(ID_PREFIX.length()));
      for (int i = 0; i < n.runningWork(); i++) {
        String space = i % 3 == 0 ? DEFAULT_SPACE : i % 3 == 1 ? "Spaces-2" : null;
        boolean inScope = space == null ? system : spaces == null || spaces.contains(space);
        if (stateOk && inScope) {
          matching.add(task("ServerTasks-" + (seq * 1000 + i + 1), id, space));
        }
      }
    }
    int skip = intParam(q, "skip", 0);
    int take = intParam(q, "take", 30);
    ArrayNode items = mapper.createArrayNode();
    matching.stream().skip(skip).limit(take).forEach(items::add);
    ObjectNode counts = mapper.createObjectNode();
    for (String s : List.of("Canceled", "Cancelling", "Executing", "Failed", "Queued", "Success", "TimedOut")) {
      counts.put(s, s.equals("Executing") ? matching.size() : 0);
    }
    String self = routeSpace == null ? "/api/tasks" : "/api/" + routeSpace + "/tasks";
    return json(200, collection("Task", self, TASKS_TEMPLATE, items, matching.size(), skip, take, counts));
  }

  private ObjectNode task(String id, String nodeId, String space) {
    String started = DATE.format(now().minus(Duration.ofMinutes(1)));
    ObjectNode t = mapper.createObjectNode();
    t.put("Id", id);
    t.put("SpaceId", space);
    t.put("Name", space == null ? "SystemIntegrityCheck" : "Deploy");
    t.put("Description", space == null ? "Check system integrity" : "Deploy to Production");
    t.putObject("Arguments");
    t.put("State", "Executing");
    t.put("Completed", "");
    t.put("QueueTime", started);
    t.putNull("QueueTimeExpiry");
    t.put("StartTime", started);
    t.put("LastUpdatedTime", DATE.format(now()));
    t.putNull("CompletedTime");
    t.put("ServerNode", nodeId);
    t.put("Duration", "1 minute");
    t.put("ErrorMessage", "");
    t.put("HasBeenPickedUpByProcessor", true);
    t.put("IsCompleted", false);
    t.put("FinishedSuccessfully", false);
    t.put("HasPendingInterruptions", false);
    t.put("HasPendingPreconditions", false);
    t.put("CanRerun", false);
    t.put("HasWarningsOrErrors", false);
    t.putNull("ProjectId");
    ObjectNode links = t.putObject("Links");
    links.put("Self", "/api/tasks/" + id);
    links.put("Cancel", "/api/tasks/" + id + "/cancel");
    return t;
  }

  // ------------------------------------------------------------------ documents

  private ObjectNode root(Node self) {
    ObjectNode o = mapper.createObjectNode();
    o.put("Application", "Octopus Deploy");
    o.put("Version", self.platform().product().text());
    o.put("ApiVersion", "3.0.0");
    o.put("InstallationId", installationId);
    o.put("IsEarlyAccessProgram", false);
    o.put("HasLongTermSupport", false);
    ObjectNode links = o.putObject("Links");
    links.put("Self", "/api");
    links.put("OctopusServerNodes", "/api/octopusservernodes{/id}{?skip,take,ids,partialName}");
    links.put("OctopusServerClusterSummary", "/api/octopusservernodes/summary");
    links.put("MaintenanceConfiguration", "/api/maintenanceconfiguration");
    links.put("Tasks", TASKS_TEMPLATE);
    return o;
  }

  /** The {@code ResourceCollection} paging envelope. */
  private ObjectNode collection(String itemType, String self, String template, ArrayNode items, int total, int skip,
      int take, ObjectNode totalCounts) {
    ObjectNode o = mapper.createObjectNode();
    o.put("ItemType", itemType);
    o.put("TotalResults", total);
    o.put("ItemsPerPage", take);
    int pages = take == 0 ? 0 : (total + take - 1) / take;
    o.put("NumberOfPages", pages);
    o.put("LastPageNumber", Math.max(0, pages - 1));
    o.set("Items", items);
    if (totalCounts != null) {
      o.set("TotalCounts", totalCounts);
    }
    ObjectNode links = o.putObject("Links");
    links.put("Self", self + "?skip=" + skip + "&take=" + take);
    links.put("Template", template);
    links.put("Page.All", self + "?skip=0&take=" + Integer.MAX_VALUE);
    links.put("Page.Current", self + "?skip=" + skip + "&take=" + take);
    if (take > 0 && skip + take < total) {
      links.put("Page.Next", self + "?skip=" + (skip + take) + "&take=" + take);
    }
    if (take > 0) {
      links.put("Page.Last", self + "?skip=" + Math.max(0, pages - 1) * take + "&take=" + take);
    }
    return o;
  }

  private Answer error(int status, String message, List<String> errors) {
    return json(status, errorJson(mapper, message, errors));
  }

  static ObjectNode errorJson(ObjectMapper mapper, String message, List<String> errors) {
    ObjectNode o = mapper.createObjectNode();
    o.put("ErrorMessage", message);
    ArrayNode e = o.putArray("Errors");
    errors.forEach(e::add);
    o.putNull("FullException");
    o.putNull("HelpText");
    o.putNull("HelpLink");
    o.putArray("ParsedHelpLinks");
    o.putNull("Details");
    return o;
  }

  private Answer notAllowed(String method, String path) {
    return error(405, "The method " + method + " is not allowed on " + path + ".", List.of());
  }

  private Answer json(int status, JsonNode body) {
    try {
      return new Answer(status, mapper.writeValueAsString(body), "application/json; charset=utf-8", Map.of(), false);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  private JsonNode readObject(String body) {
    try {
      JsonNode in = body.isBlank() ? null : mapper.readTree(body);
      if (in == null || !in.isObject()) {
        throw new BadRequest("the request body must be a JSON object");
      }
      return in;
    } catch (JsonProcessingException e) {
      throw new BadRequest("the request body is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private Instant now() {
    return cluster.clock().now();
  }

  private static int intParam(Map<String, String> q, String name, int fallback) {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      return fallback;
    }
    try {
      int i = Integer.parseInt(v);
      if (i < 0) {
        throw new BadRequest(name + " must be 0 or more");
      }
      return i;
    } catch (NumberFormatException e) {
      throw new BadRequest(name + " must be a whole number, got '" + v + "'");
    }
  }

  static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
      out.putIfAbsent(k, v);
    }
    return out;
  }

  static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /** A request the server refuses with 400 and the reason in {@code Errors}. */
  private static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message, null, false, false);
    }
  }
}
