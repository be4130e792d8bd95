package io.upkeep.testkit.http.octopus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.upkeep.ClusterOperationException;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.TaskCap;
import io.upkeep.UnknownNodeException;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The subset of the Octopus Server REST API the fake speaks, answered from a {@link FakeCluster}'s
 * state in the vendor's JSON (PascalCase names, the {@code ResourceCollection} envelope, the {@code
 * Error} shape). Every answer is worked out under the cluster's lock, so it is one consistent
 * observation, and changes (task cap, drain, maintenance mode, removal) apply to the cluster.
 */
final class OctopusRoutes {

  static final String API_KEY_HEADER = "X-Octopus-ApiKey";
  static final String NODE_HEADER = "Octopus-Node";
  static final String DEFAULT_SPACE = "Spaces-1";
  static final String ID_PREFIX = "OctopusServerNodes-";
  static final String ALL_SPACES = "all";
  private static final String MODIFIED_BY = "admin";
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx").withZone(ZoneOffset.UTC);

  /**
   * The task cap a node registers with unless its installer sets one (DOCS-HOW-HA: "five (5)
   * tasks").
   */
  static final TaskCap DEFAULT_TASK_CAP = TaskCap.of(FakeOctopusServer.DEFAULT_NEW_NODE_TASK_CAP);

  // Routes match case-insensitively, as the real server's (ASP.NET) do.
  private static final Pattern NODE =
      Pattern.compile("/api/octopusservernodes/([^/]+)(/details)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern SPACE_TASKS =
      Pattern.compile(
          "/api/(?:spaces/)?(spaces-\\d+)/tasks(?:/([^/]+)(/cancel)?)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern TASK =
      Pattern.compile("/api/tasks/([^/]+)(/cancel)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern SPACE =
      Pattern.compile("/api/spaces/([^/]+)", Pattern.CASE_INSENSITIVE);
  private static final List<String> SPACES = List.of(DEFAULT_SPACE, OctopusTasks.SECOND_SPACE);
  private static final String TASKS_TEMPLATE =
      "/api/tasks{/id}{?skip,active,environment,tenant,runbook,project,name,"
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

  /** When each node's service was last seen starting, for its {@code Uptime}. */
  private final Map<String, Instant> startedAt = new HashMap<>();

  private final OctopusTasks tasks;
  private final Instant serverStarted;
  private Instant maintenanceModified;
  private int nextId = 1;

  /** An answer: a status, a body and headers; or, with {@code drop}, no answer at all. */
  record Answer(
      int status, String body, String contentType, Map<String, String> headers, boolean drop) {
    static Answer dropped() {
      return new Answer(0, "", "", Map.of(), true);
    }
  }

  /**
   * Routes for {@code cluster}. Unless {@code installerSetsTaskCap}, a node that joins registers
   * with {@link #DEFAULT_TASK_CAP}, whatever cap its host was provisioned with: an installer that
   * sets none leaves the server's default (DOCS-HOW-HA; Issues#5934: "replaced nodes fell back to
   * default 5").
   */
  OctopusRoutes(
      FakeCluster cluster, String apiKey, String readOnlyApiKey, boolean installerSetsTaskCap) {
    this.cluster = cluster;
    this.apiKey = apiKey;
    this.readOnlyApiKey = readOnlyApiKey;
    this.installationId = new UUID(cluster.seed(), 0x0C70_9005L).toString();
    synchronized (cluster) {
      Instant now = cluster.clock().now();
      serverStarted = now;
      maintenanceModified = now;
      for (Node n : cluster.observe().nodes()) {
        idOf(n.id().value());
        lastSeen.put(n.id().value(), now);
        lastModified.put(n.id().value(), now);
      }
      // Maintenance mode as Octopus has it: the queue still runs, users cannot queue tasks.
      cluster.maintenanceModeRunsQueue(true);
      tasks = new OctopusTasks(cluster);
      cluster.watchEvents(
          e -> {
            if (e instanceof ClusterEvent.ServiceStarted started) {
              startedAt.put(started.node().value(), started.at());
            }
            if (e instanceof ClusterEvent.Joined joined) {
              idOf(joined.node().value());
              lastModified.put(joined.node().value(), joined.at());
              if (!installerSetsTaskCap && !joined.cap().equals(DEFAULT_TASK_CAP)) {
                cluster.setTaskCap(joined.node(), DEFAULT_TASK_CAP);
              }
            }
          });
    }
  }

  /** The task model, for the server's failure controls; use under the cluster's lock. */
  OctopusTasks tasks() {
    return tasks;
  }

  /** The Octopus id of the member named {@code name}, assigning one if it has none yet. */
  synchronized String idOf(String name) {
    return ids.computeIfAbsent(name, n -> ID_PREFIX + nextId++);
  }

  /**
   * Answers one request. {@code target} is the node whose own address was called, or empty for the
   * load balancer.
   */
  Answer answer(
      String method,
      String target,
      String path,
      String rawQuery,
      Map<String, String> headers,
      String body) {
    synchronized (cluster) {
      List<Node> members = cluster.observe().nodes();
      Optional<Node> served = serving(members, target);
      if (served.isEmpty()) {
        if (!target.isEmpty()) {
          return Answer.dropped(); // nothing listens on a stopped node's own address
        }
        return new Answer(
            503,
            "503 Service Unavailable: no healthy Octopus Server node behind the load balancer",
            "text/plain; charset=utf-8",
            Map.of(),
            false);
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

  private Answer route(
      String method,
      String path,
      Map<String, String> q,
      Map<String, String> headers,
      String body,
      Node self,
      List<Node> members) {
    String p =
        path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    String lower = p.toLowerCase(Locale.ROOT);
    // Anonymous: the root document and the load balancer's health check.
    if (lower.equals("/api")) {
      return method.equals("GET") ? json(200, root(self)) : notAllowed(method, p);
    }
    if (lower.equals("/api/octopusservernodes/ping")) {
      if (!method.equals("GET")) {
        return notAllowed(method, p);
      }
      // 200 while the node takes tasks; 418 once it is drained ("draining or offline").
      return json(self.drainState() == DrainState.ACTIVE ? 200 : 418, nodeJson(self, Shape.PING));
    }
    // The header, else the documented query parameter (DOCS-REST; the swagger file's "ApiKey").
    String key = headers.get(API_KEY_HEADER.toLowerCase(Locale.ROOT));
    if (key == null) {
      key = q.get(FakeOctopusServer.API_KEY_PARAMETER);
    }
    boolean readOnly = key != null && readOnlyApiKey != null && key.equals(readOnlyApiKey);
    if (key == null || !(key.equals(apiKey) || readOnly)) {
      return error(
          401,
          "You must be logged in to perform this action. Please provide a valid API key or log in again.",
          List.of());
    }
    boolean writes = !method.equals("GET");
    if (writes && readOnly) {
      String permission =
          lower.startsWith("/api/maintenanceconfiguration")
              ? "AdministerSystem"
              : lower.contains("/tasks/") ? "TaskCancel" : "ConfigureServer";
      return error(
          403,
          "You do not have permission to perform this action. Please contact your Octopus administrator. "
              + "Missing permission: "
              + permission,
          List.of());
    }
    try {
      switch (lower) {
        case "/api/octopusservernodes" -> {
          return method.equals("GET") ? nodeCollection(members, q) : notAllowed(method, p);
        }
        case "/api/octopusservernodes/all" -> {
          if (!method.equals("GET")) {
            return notAllowed(method, p);
          }
          ArrayNode all = mapper.createArrayNode();
          members.forEach(n -> all.add(nodeJson(n, Shape.RESOURCE)));
          return json(200, all);
        }
        case "/api/octopusservernodes/summary" -> {
          return method.equals("GET") ? summary(members) : notAllowed(method, p);
        }
        case "/api/maintenanceconfiguration" -> {
          return maintenance(method, body);
        }
        case "/api/serverstatus" -> {
          return method.equals("GET") ? serverStatus() : notAllowed(method, p);
        }
        case "/api/serverstatus/health" -> {
          return method.equals("GET") ? health(members) : notAllowed(method, p);
        }
        case "/api/serverstatus/system-info" -> {
          return method.equals("GET") ? systemInfo(self) : notAllowed(method, p);
        }
        case "/api/spaces", "/api/spaces/all" -> {
          return method.equals("GET") ? spaces(q, lower.endsWith("/all")) : notAllowed(method, p);
        }
        case "/api/tasks" -> {
          return method.equals("GET")
              ? tasks(q, null)
              : method.equals("POST") ? queueTask(body, null) : notAllowed(method, p);
        }
        default -> {
          // the specific routes below
        }
      }
      Matcher m = NODE.matcher(p);
      if (m.matches()) {
        return node(method, decode(m.group(1)), m.group(2) != null, body, members);
      }
      Matcher t = TASK.matcher(p);
      if (t.matches()) {
        return task(method, decode(t.group(1)), t.group(2) != null, null);
      }
      Matcher s = SPACE_TASKS.matcher(p);
      if (s.matches()) {
        String space = space(s.group(1));
        if (space == null) {
          return notFound("The Space with Id '" + s.group(1) + "' could not be found.");
        }
        if (s.group(2) == null) {
          return method.equals("GET")
              ? tasks(q, space)
              : method.equals("POST") ? queueTask(body, space) : notAllowed(method, p);
        }
        return task(method, decode(s.group(2)), s.group(3) != null, space);
      }
      Matcher sp = SPACE.matcher(p);
      if (sp.matches()) {
        String space = space(decode(sp.group(1)));
        if (space == null) {
          return notFound("The Space with Id '" + decode(sp.group(1)) + "' could not be found.");
        }
        return method.equals("GET") ? json(200, spaceJson(space)) : notAllowed(method, p);
      }
      return error(
          404,
          "The resource you requested was not found.",
          List.of("No route matches " + method + " " + p));
    } catch (BadRequest e) {
      return error(400, "There was a problem with your request.", List.of(e.getMessage()));
    }
  }

  /**
   * The canonical id of the space {@code id} names (case-insensitively), or null if there is none.
   */
  private static String space(String id) {
    return SPACES.stream().filter(s -> s.equalsIgnoreCase(id)).findFirst().orElse(null);
  }

  private Answer notFound(String why) {
    return error(404, "The resource you requested was not found.", List.of(why));
  }

  private Optional<Node> serving(List<Node> members, String target) {
    if (!target.isEmpty()) {
      return members.stream()
          .filter(n -> n.id().value().equals(target) && n.health() == Health.HEALTHY)
          .findFirst();
    }
    // The load balancer: the first healthy member it sends requests to, else any healthy one.
    return members.stream()
        .filter(n -> n.health() == Health.HEALTHY && cluster.weight(n.id()) > 0)
        .findFirst()
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
    return json(
        200,
        collection(
            "OctopusServerNode",
            "/api/octopusservernodes",
            "/api/octopusservernodes{?skip,take,ids,partialName}",
            items,
            matching.size(),
            skip,
            take,
            null));
  }

  private Answer summary(List<Node> members) {
    ObjectNode out = mapper.createObjectNode();
    ArrayNode nodes = out.putArray("Nodes");
    members.forEach(n -> nodes.add(nodeJson(n, Shape.SUMMARY)));
    out.putObject("Links").put("Self", "/api/octopusservernodes/summary");
    return json(200, out);
  }

  private Answer node(String method, String id, boolean details, String body, List<Node> members) {
    Optional<Node> found =
        members.stream().filter(n -> idOf(n.id().value()).equalsIgnoreCase(id)).findFirst();
    if (found.isEmpty()) {
      return error(
          404,
          "The resource you requested was not found.",
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
   * as the server's model binding does: a client that omits {@code MaxConcurrentTasks} sets the
   * task cap to 0.
   */
  private Answer modifyNode(Node n, String id, String body) {
    JsonNode in = readObject(body);
    JsonNode bodyId = field(in, "Id");
    if (bodyId != null && !bodyId.isNull() && !bodyId.asText().equalsIgnoreCase(id)) {
      throw new BadRequest(
          "the body's Id '" + bodyId.asText() + "' does not match the URL's '" + id + "'");
    }
    JsonNode capNode = field(in, "MaxConcurrentTasks");
    if (capNode != null && !capNode.isNull() && !capNode.canConvertToInt()) {
      throw new BadRequest("MaxConcurrentTasks must be a whole number");
    }
    int cap = capNode == null || capNode.isNull() ? 0 : capNode.asInt();
    if (cap < 0) {
      throw new BadRequest("MaxConcurrentTasks must be 0 or more");
    }
    boolean drain = flag(in, "IsInMaintenanceMode");
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
  private enum Shape {
    RESOURCE,
    SUMMARY,
    PING
  }

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
    o.put(
        "MaxConcurrentTasks", n.taskCap().isUnlimited() ? Integer.MAX_VALUE : n.taskCap().value());
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
      boolean on = flag(in, "IsInMaintenanceMode");
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
   * A task listing: {@code /api/tasks} (the {@code spaces} given, else the default space, as legacy
   * unscoped routes do; system tasks only with {@code includeSystem=true}) or a space's own ({@code
   * routeSpace}, no system tasks). Filters: {@code states} (comma-separated, any case), {@code
   * active=true} (not completed), {@code running=true} (Executing or Cancelling), {@code node} (the
   * node a task runs or ran on), {@code ids}; newest first, paged by {@code skip} and {@code take}
   * (default 30). {@code TotalCounts} counts every state of the listing before the {@code states}
   * filter [inferred: the UI's per-state tabs].
   */
  private Answer tasks(Map<String, String> q, String routeSpace) {
    List<String> spaces;
    if (routeSpace != null) {
      spaces = List.of(routeSpace);
    } else if (q.containsKey("spaces")) {
      spaces =
          q.get("spaces").equalsIgnoreCase(ALL_SPACES)
              ? null
              : Arrays.asList(q.get("spaces").split(","));
    } else {
      spaces = List.of(DEFAULT_SPACE); // legacy unscoped routes target the default space
    }
    boolean system = routeSpace == null && "true".equalsIgnoreCase(q.get("includeSystem"));
    Set<OctopusTasks.State> states = null;
    if (q.containsKey("states") && !q.get("states").isBlank()) {
      states = EnumSet.noneOf(OctopusTasks.State.class);
      for (String name : q.get("states").split(",", -1)) {
        if (name.trim().equalsIgnoreCase("New")) {
          continue; // a documented filter value no task of this server is ever in
        }
        final String text = name;
        states.add(
            OctopusTasks.State.parse(name)
                .orElseThrow(
                    () ->
                        new BadRequest(
                            "'"
                                + text.trim()
                                + "' is not a task state: use New, Queued, Executing, Cancelling, Success, Failed, Canceled or TimedOut")));
      }
    }
    boolean active = "true".equalsIgnoreCase(q.get("active"));
    boolean running = "true".equalsIgnoreCase(q.get("running"));
    String node = q.get("node");
    List<String> ids =
        q.containsKey("ids")
            ? Arrays.asList(q.get("ids").toLowerCase(Locale.ROOT).split(","))
            : null;
    List<OctopusTasks.ServerTask> listed =
        tasks.list(
            t ->
                (t.system()
                        ? system
                        : spaces == null || spaces.stream().anyMatch(t.spaceId::equalsIgnoreCase))
                    && (!active || !t.state.completed())
                    && (!running
                        || t.state == OctopusTasks.State.Executing
                        || t.state == OctopusTasks.State.Cancelling)
                    && (node == null
                        || (t.node != null && idOf(t.node.value()).equalsIgnoreCase(node)))
                    && (ids == null || ids.contains(t.id.toLowerCase(Locale.ROOT))));
    ObjectNode counts = mapper.createObjectNode();
    for (OctopusTasks.State st : OctopusTasks.State.values()) {
      counts.put(st.name(), listed.stream().filter(t -> t.state == st).count());
    }
    Set<OctopusTasks.State> wanted = states;
    List<OctopusTasks.ServerTask> matching =
        wanted == null ? listed : listed.stream().filter(t -> wanted.contains(t.state)).toList();
    int skip = intParam(q, "skip", 0);
    int take = intParam(q, "take", 30);
    ArrayNode items = mapper.createArrayNode();
    matching.stream().skip(skip).limit(take).forEach(t -> items.add(taskJson(t)));
    String self = routeSpace == null ? "/api/tasks" : "/api/" + routeSpace + "/tasks";
    return json(
        200, collection("Task", self, TASKS_TEMPLATE, items, matching.size(), skip, take, counts));
  }

  /**
   * Queues a task ({@code POST /api/tasks}, {@code POST /api/{spaceId}/tasks}) from a {@code
   * TaskResource}: its {@code Name} is required, and only {@code Health} (a health check, as the
   * documented run-healthcheck script queues it) can be queued here; its space is the route's, else
   * the body's {@code SpaceId}, else the default space; {@code Arguments} are kept as sent. Answers
   * 201 with the queued task [inferred: Octopus answers a create with 201], which the cluster's
   * nodes then pick up as they pick up their work.
   */
  private Answer queueTask(String body, String routeSpace) {
    JsonNode in = readObject(body);
    JsonNode name = field(in, "Name");
    if (name == null || !name.isTextual() || name.asText().isBlank()) {
      throw new BadRequest("Name is required: the task to queue, such as Health");
    }
    if (!name.asText().equalsIgnoreCase("Health")) {
      throw new BadRequest(
          "the fake Octopus server queues only Health tasks, not '" + name.asText() + "'");
    }
    String space = routeSpace;
    JsonNode bodySpace = field(in, "SpaceId");
    if (space == null && bodySpace != null && bodySpace.isTextual()) {
      space = space(bodySpace.asText());
      if (space == null) {
        return notFound("The Space with Id '" + bodySpace.asText() + "' could not be found.");
      }
    }
    JsonNode description = field(in, "Description");
    JsonNode arguments = field(in, "Arguments");
    Map<String, Object> args =
        arguments != null && arguments.isObject()
            ? mapper.convertValue(arguments, new TypeReference<Map<String, Object>>() {})
            : Map.of();
    OctopusTasks.ServerTask t =
        tasks.queue(
            space == null ? DEFAULT_SPACE : space,
            "Health",
            description != null && description.isTextual()
                ? description.asText()
                : "Check deployment target health",
            args);
    return json(201, taskJson(t));
  }

  /**
   * One task ({@code GET}) or its cancellation ({@code POST .../cancel}); in a space's route only
   * that space's tasks are found. Cancelling a completed task is refused with 400 [inferred: the
   * swagger file documents only 200 and 400 for it].
   */
  private Answer task(String method, String id, boolean cancel, String routeSpace) {
    Optional<OctopusTasks.ServerTask> found =
        tasks.get(id).filter(t -> routeSpace == null || routeSpace.equals(t.spaceId));
    if (found.isEmpty()) {
      return notFound("The Task with Id '" + id + "' could not be found.");
    }
    OctopusTasks.ServerTask t = found.get();
    if (!cancel) {
      return method.equals("GET") ? json(200, taskJson(t)) : notAllowed(method, "/api/tasks/" + id);
    }
    if (!method.equals("POST")) {
      return notAllowed(method, "/api/tasks/" + id + "/cancel");
    }
    if (!tasks.cancel(t)) {
      return error(
          400,
          "There was a problem with your request.",
          List.of(
              "The task "
                  + t.id
                  + " has already completed ("
                  + t.state
                  + ") and cannot be canceled."));
    }
    return json(200, taskJson(t));
  }

  private ObjectNode taskJson(OctopusTasks.ServerTask t) {
    Instant now = now();
    ObjectNode o = mapper.createObjectNode();
    o.put("Id", t.id);
    o.put("SpaceId", t.spaceId);
    o.put("Name", t.name);
    o.put("Description", t.description);
    o.set("Arguments", mapper.valueToTree(t.arguments));
    o.put("State", t.state.name());
    o.put("Completed", t.completedTime == null ? "" : DATE.format(t.completedTime));
    o.put("QueueTime", DATE.format(t.queueTime));
    o.putNull("QueueTimeExpiry");
    putDate(o, "StartTime", t.startTime);
    o.put("LastUpdatedTime", DATE.format(t.lastUpdated));
    putDate(o, "CompletedTime", t.completedTime);
    o.put("ServerNode", t.node == null ? null : idOf(t.node.value()));
    Instant from = t.startTime != null ? t.startTime : t.queueTime;
    o.put(
        "Duration",
        humanDuration(Duration.between(from, t.completedTime != null ? t.completedTime : now)));
    o.put("ErrorMessage", t.errorMessage);
    o.put("HasBeenPickedUpByProcessor", t.startTime != null);
    o.put("IsCompleted", t.state.completed());
    o.put("FinishedSuccessfully", t.state == OctopusTasks.State.Success);
    o.put("HasPendingInterruptions", false);
    o.put("HasPendingPreconditions", false);
    o.put("CanRerun", t.state.completed() && !t.system());
    o.put("HasWarningsOrErrors", t.state == OctopusTasks.State.Failed);
    o.putNull("ProjectId");
    o.put("LastModifiedOn", DATE.format(t.lastUpdated));
    o.put("LastModifiedBy", MODIFIED_BY);
    ObjectNode links = o.putObject("Links");
    String base = t.spaceId == null ? "/api/tasks/" : "/api/" + t.spaceId + "/tasks/";
    links.put("Self", base + t.id);
    links.put("Details", base + t.id + "/details");
    if (!t.state.completed()) {
      links.put("Cancel", base + t.id + "/cancel");
    }
    return o;
  }

  private static void putDate(ObjectNode o, String field, Instant at) {
    if (at == null) {
      o.putNull(field);
    } else {
      o.put(field, DATE.format(at));
    }
  }

  /** A duration as the server words it: "less than a minute", "1 minute", "3 hours". */
  private static String humanDuration(Duration d) {
    long minutes = d.toMinutes();
    if (minutes < 1) {
      return "less than a minute";
    }
    if (minutes < 60) {
      return minutes == 1 ? "1 minute" : minutes + " minutes";
    }
    long hours = d.toHours();
    return hours == 1 ? "1 hour" : hours + " hours";
  }

  // ------------------------------------------------------------------ spaces and server status

  /** {@code /api/spaces} (paged, sorted by name) or {@code /api/spaces/all} (a plain array). */
  private Answer spaces(Map<String, String> q, boolean all) {
    List<ObjectNode> sorted =
        SPACES.stream()
            .map(this::spaceJson)
            .sorted(Comparator.comparing(o -> o.get("Name").asText()))
            .toList();
    ArrayNode items = mapper.createArrayNode();
    if (all) {
      sorted.forEach(items::add);
      return json(200, items);
    }
    int skip = intParam(q, "skip", 0);
    int take = intParam(q, "take", 30);
    sorted.stream().skip(skip).limit(take).forEach(items::add);
    return json(
        200,
        collection(
            "Space",
            "/api/spaces",
            "/api/spaces{/id}{?skip,ids,take,partialName}",
            items,
            sorted.size(),
            skip,
            take,
            null));
  }

  private ObjectNode spaceJson(String id) {
    ObjectNode o = mapper.createObjectNode();
    o.put("Id", id);
    o.put("Name", id.equals(DEFAULT_SPACE) ? "Default" : "Operations");
    o.put("Description", id.equals(DEFAULT_SPACE) ? "The default space" : "");
    o.put("IsDefault", id.equals(DEFAULT_SPACE));
    o.put("TaskQueueStopped", false);
    o.putArray("SpaceManagersTeams").add("teams-administrators");
    o.putArray("SpaceManagersTeamMembers");
    o.put("LastModifiedOn", DATE.format(serverStarted));
    o.put("LastModifiedBy", MODIFIED_BY);
    ObjectNode links = o.putObject("Links");
    links.put("Self", "/api/spaces/" + id);
    links.put("SpaceHome", "/api/" + id);
    return o;
  }

  /** {@code /api/serverstatus}, the fields DOCS-API-STATUS lists. */
  private Answer serverStatus() {
    ObjectNode o = mapper.createObjectNode();
    o.put("Id", "serverstatus");
    o.put("IsDatabaseEncrypted", true);
    o.put("IsInMaintenanceMode", cluster.observe().maintenanceMode());
    o.put("IsMajorMinorUpgrade", false);
    o.put("IsPotentialClone", false);
    o.put("IsUpgradeAvailable", false);
    o.putNull("MaintenanceExpires");
    o.putNull("MaximumAvailableVersion");
    o.putNull("MaximumAvailableVersionCoveredByLicense");
    o.put("LastModifiedOn", DATE.format(maintenanceModified));
    o.put("LastModifiedBy", MODIFIED_BY);
    ObjectNode links = o.putObject("Links");
    links.put("Self", "/api/serverstatus");
    links.put("Health", "/api/serverstatus/health");
    links.put("SystemInfo", "/api/serverstatus/system-info");
    return json(200, o);
  }

  /**
   * {@code /api/serverstatus/health} (swagger {@code ServerStatusHealthResource}): 200 when
   * operating normally, 418 when not, here when every node is drained.
   */
  private Answer health(List<Node> members) {
    boolean allDrained = members.stream().allMatch(n -> n.drainState() != DrainState.ACTIVE);
    ObjectNode o = mapper.createObjectNode();
    o.put("Id", "health");
    o.put("IsOperatingNormally", !allDrained);
    o.put(
        "Description",
        allDrained ? "Every node of the cluster is draining tasks." : "Operating normally.");
    o.put("IsEntireClusterReadOnly", false);
    o.put("IsEntireClusterDrainingTasks", allDrained);
    o.put("IsCompliantWithLicense", true);
    o.put("LastModifiedOn", DATE.format(now()));
    o.put("LastModifiedBy", MODIFIED_BY);
    o.putObject("Links").put("Self", "/api/serverstatus/health");
    return json(allDrained ? 418 : 200, o);
  }

  /**
   * {@code /api/serverstatus/system-info}: about the process and machine of the node that answers
   * (swagger: "the Octopus Server process and the machine on which it is running"), the fields
   * DOCS-API-STATUS lists. The swagger file gives it no schema and the value formats are not
   * documented: the fake reports the node's OS and runtime as the cluster names them ({@code
   * Windows Server 2022}, {@code .NET 8.0}) [inferred].
   */
  private Answer systemInfo(Node self) {
    String name = self.id().value();
    Instant since = startedAt.getOrDefault(name, serverStarted);
    Duration up = Duration.between(since, now());
    ObjectNode o = mapper.createObjectNode();
    o.put("Id", "system-info");
    o.put("Version", self.platform().product().text());
    o.put("OSVersion", self.platform().os());
    o.put("ClrVersion", self.platform().runtime());
    o.put(
        "Uptime",
        String.format(
            Locale.ROOT,
            "%d.%02d:%02d:%02d",
            up.toDays(),
            up.toHoursPart(),
            up.toMinutesPart(),
            up.toSecondsPart()));
    o.put("ThreadCount", 64);
    o.put("WorkingSetBytes", 512L * 1024 * 1024);
    o.put("LastModifiedOn", DATE.format(since));
    o.put("LastModifiedBy", MODIFIED_BY);
    o.putObject("Links").put("Self", "/api/serverstatus/system-info");
    return json(200, o);
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
    links.put("Spaces", "/api/spaces{/id}{?skip,ids,take,partialName}");
    links.put("ServerStatus", "/api/serverstatus");
    links.put("ServerHealthStatus", "/api/serverstatus/health");
    return o;
  }

  /** The {@code ResourceCollection} paging envelope. */
  private ObjectNode collection(
      String itemType,
      String self,
      String template,
      ArrayNode items,
      int total,
      int skip,
      int take,
      ObjectNode totalCounts) {
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
      return new Answer(
          status,
          mapper.writeValueAsString(body),
          "application/json; charset=utf-8",
          Map.of(),
          false);
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

  /**
   * The property {@code name} of {@code in}, its name matched case-insensitively as the server's
   * JSON binding (Json.NET) does; null if it has none.
   */
  private static JsonNode field(JsonNode in, String name) {
    JsonNode exact = in.get(name);
    if (exact != null) {
      return exact;
    }
    for (Map.Entry<String, JsonNode> e : in.properties()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  /**
   * The boolean property {@code name} (any case) of {@code in}; false if missing, as model binding
   * defaults it.
   */
  private static boolean flag(JsonNode in, String name) {
    JsonNode v = field(in, name);
    return v != null && v.asBoolean(false);
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

  /**
   * The query's parameters, their names matched case-insensitively as the server's model binding
   * does.
   */
  static Map<String, String> query(String raw) {
    Map<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    FakeOctopusServer.parameters(raw).forEach(out::putIfAbsent);
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
