package io.upkeep.testkit.http.nomad;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Nomad Variables as the fake serves them ({@code /v1/var/:path}, {@code /v1/vars}): items, check-
 * and-set writes and deletes, locks with a TTL on the virtual clock and a lock delay after a lock
 * lapses, conflicts with the conflicting variable in the body, per-path ACLs. Sources: the API
 * pages https://developer.hashicorp.com/nomad/api-docs/variables/variables and
 * https://developer.hashicorp.com/nomad/api-docs/variables/locks, and where they are silent Nomad's
 * {@code command/agent/variable_endpoint.go}, {@code nomad/variables_endpoint.go} and {@code
 * nomad/state/state_store_variables.go}. Not thread-safe: the server's state lock guards it.
 */
final class NomadVariables {

  /** The namespace of a request that names none. */
  static final String DEFAULT_NAMESPACE = "default";

  /** Items are limited to 64 KiB: the sum of the bytes of every key and value. */
  static final int MAX_ITEMS_BYTES = 64 * 1024;

  /** Nomad's default lock TTL and lock delay. */
  static final Duration DEFAULT_LOCK_TTL = Duration.ofSeconds(15);

  /** A lock's TTL and delay must be between these. */
  static final Duration MIN_LOCK = Duration.ofSeconds(10);

  static final Duration MAX_LOCK = Duration.ofHours(24);

  private static final Pattern PATH = Pattern.compile("^[a-zA-Z0-9\\-_~/]{1,128}$");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the caller's token may do: the variables capability for a namespace and path. */
  interface Access {
    boolean may(String capability, String namespace, String path);

    boolean management();
  }

  /** An answer: status, JSON (or plain text if {@code text}), and the index header if positive. */
  record Reply(int status, Object json, String text, long index) {
    static Reply json(int status, Object body, long index) {
      return new Reply(status, body, null, index);
    }

    static Reply text(int status, String text) {
      return new Reply(status, null, text, 0);
    }
  }

  private static final class Lock {
    final Duration ttl;
    final Duration delay;
    final String id;
    Instant expiresAt;

    Lock(Duration ttl, Duration delay, String id, Instant expiresAt) {
      this.ttl = ttl;
      this.delay = delay;
      this.id = id;
      this.expiresAt = expiresAt;
    }
  }

  private static final class Variable {
    final String namespace;
    final String path;
    Map<String, String> items = new TreeMap<>();
    final long createIndex;
    long modifyIndex;
    final long createTime;
    long modifyTime;
    Lock lock;

    Variable(String namespace, String path, long index, long time) {
      this.namespace = namespace;
      this.path = path;
      this.createIndex = index;
      this.modifyIndex = index;
      this.createTime = time;
      this.modifyTime = time;
    }
  }

  private final Supplier<Instant> clock;
  private final LongSupplier nextIndex;
  private final Map<String, Variable> vars = new TreeMap<>();

  /** Until when a variable whose lock lapsed cannot be locked again, by key. */
  private final Map<String, Instant> lockDelays = new LinkedHashMap<>();

  private long tableIndex = 1;

  NomadVariables(Supplier<Instant> clock, LongSupplier nextIndex) {
    this.clock = clock;
    this.nextIndex = nextIndex;
  }

  private static String key(String namespace, String path) {
    return namespace + "\u0000" + path;
  }

  private long bump() {
    tableIndex = nextIndex.getAsLong();
    return tableIndex;
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /** Ends the locks whose TTL passed, each followed by its lock delay, as Nomad's leader does. */
  private void expireLocks(Instant now) {
    for (Variable v : vars.values()) {
      if (v.lock != null && !now.isBefore(v.lock.expiresAt)) {
        lockDelays.put(key(v.namespace, v.path), v.lock.expiresAt.plus(v.lock.delay));
        v.lock = null;
        v.modifyIndex = bump();
        v.modifyTime = nanos(now);
      }
    }
    lockDelays.values().removeIf(until -> !now.isBefore(until));
  }

  // ------------------------------------------------------------------ views

  private static Map<String, Object> metadata(Variable v, boolean withLock) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Namespace", v.namespace);
    m.put("Path", v.path);
    m.put("CreateIndex", v.createIndex);
    m.put("ModifyIndex", v.modifyIndex);
    m.put("CreateTime", v.createTime);
    m.put("ModifyTime", v.modifyTime);
    if (withLock && v.lock != null) {
      m.put("Lock", lock(v.lock));
    }
    return m;
  }

  private static Map<String, Object> lock(Lock l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("TTL", GoDuration.format(l.ttl));
    m.put("LockDelay", GoDuration.format(l.delay));
    m.put("ID", l.id);
    return m;
  }

  private static Map<String, Object> full(Variable v, boolean withLock) {
    Map<String, Object> m = metadata(v, withLock);
    m.put("Items", new TreeMap<>(v.items));
    return m;
  }

  /**
   * The 409 answer: the conflicting variable, its items only if the caller may read them, its lock
   * never (reads strip it for all but management tokens); a zero value for a variable that is not
   * there.
   */
  private Reply conflict(Variable v, String namespace, String path, Access access) {
    Map<String, Object> body;
    if (v == null) {
      body = new LinkedHashMap<>();
      body.put("Namespace", namespace);
      body.put("Path", path);
      body.put("CreateIndex", 0);
      body.put("ModifyIndex", 0);
      body.put("CreateTime", 0);
      body.put("ModifyTime", 0);
      return Reply.json(409, body, 0);
    }
    boolean read = access.may("read", namespace, path);
    body = read ? full(v, access.management()) : metadata(v, false);
    return Reply.json(409, body, v.modifyIndex);
  }

  // ------------------------------------------------------------------ routes

  /** {@code GET /v1/vars}: metadata of the variables under {@code prefix} the caller may list. */
  Reply list(String namespace, String prefix, Access access) {
    expireLocks(clock.get());
    List<Map<String, Object>> out = new ArrayList<>();
    for (Variable v : vars.values()) {
      boolean inNamespace = namespace.equals("*") || v.namespace.equals(namespace);
      if (inNamespace
          && v.path.startsWith(prefix == null ? "" : prefix)
          && access.may("list", v.namespace, v.path)) {
        out.add(metadata(v, access.management()));
      }
    }
    return Reply.json(200, out, tableIndex);
  }

  /** {@code GET /v1/var/:path}. */
  Reply read(String namespace, String path, Access access) {
    if (!access.may("read", namespace, path)) {
      return Reply.text(403, "Permission denied");
    }
    expireLocks(clock.get());
    Variable v = vars.get(key(namespace, path));
    if (v == null) {
      return Reply.text(404, "variable not found");
    }
    // Nomad's Read strips the lock for every token but a management one.
    return Reply.json(200, full(v, access.management()), v.modifyIndex);
  }

  /** {@code PUT|POST /v1/var/:path}, with a lock operation or a check-and-set index. */
  Reply write(String namespace, String path, Map<String, String> q, String body, Access access) {
    if (!PATH.matcher(path).matches()) {
      return Reply.text(
          400,
          "invalid path \""
              + path
              + "\": variable paths may only contain letters, digits, '-', '_', '~' and '/', up to"
              + " 128 bytes");
    }
    if (!access.may("write", namespace, path)) {
      return Reply.text(403, "Permission denied");
    }
    JsonNode in;
    try {
      in = body == null || body.isBlank() ? null : JSON.readTree(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return Reply.text(400, "invalid character in request body: " + e.getOriginalMessage());
    }
    if (in == null || !in.isObject()) {
      return Reply.text(400, "Request body is empty");
    }
    Map<String, String> items = null;
    JsonNode it = in.get("Items");
    if (it != null && it.isObject()) {
      items = new TreeMap<>();
      for (Map.Entry<String, JsonNode> e : it.properties()) {
        items.put(e.getKey(), e.getValue().asText());
      }
    }
    JsonNode lockIn = in.get("Lock");
    String lockId = lockIn != null && lockIn.hasNonNull("ID") ? lockIn.get("ID").asText() : null;
    Instant now = clock.get();
    expireLocks(now);
    String k = key(namespace, path);
    Variable v = vars.get(k);
    if (items != null && size(items) > MAX_ITEMS_BYTES) {
      return Reply.text(
          400, "variables are limited to " + MAX_ITEMS_BYTES + " bytes in total size");
    }
    if (q.containsKey("lock-acquire")) {
      return acquire(namespace, path, v, items, lockIn, now, access);
    }
    if (q.containsKey("lock-renew")) {
      if (v == null) {
        return Reply.text(500, "variable doesn't exist");
      }
      if (v.lock == null || !v.lock.id.equals(lockId)) {
        return conflict(v, namespace, path, access);
      }
      v.lock.expiresAt = now.plus(v.lock.ttl);
      // Renewing resets the leader's TTL timer; it writes nothing to the state store.
      return Reply.json(200, metadata(v, true), v.modifyIndex);
    }
    if (q.containsKey("lock-release")) {
      if (items != null && !items.isEmpty()) {
        return Reply.text(400, "lock-release does not take items: the variable keeps its own");
      }
      if (v == null) {
        return Reply.text(500, "variable doesn't exist");
      }
      if (v.lock == null) {
        return Reply.text(500, "variable doesn't hold a lock");
      }
      if (!v.lock.id.equals(lockId)) {
        return conflict(v, namespace, path, access);
      }
      v.lock = null;
      v.modifyIndex = bump();
      v.modifyTime = nanos(now);
      return Reply.json(200, metadata(v, false), v.modifyIndex);
    }
    if (items == null || items.isEmpty()) {
      return Reply.text(400, "variable missing required Items object");
    }
    String cas = q.get("cas");
    if (cas != null && !cas.isEmpty()) {
      long expected;
      try {
        expected = Long.parseUnsignedLong(cas);
      } catch (NumberFormatException e) {
        return Reply.text(400, "can not parse cas: " + e.getMessage());
      }
      if (expected == 0 ? v != null : v == null || v.modifyIndex != expected) {
        return conflict(v, namespace, path, access);
      }
    }
    if (v != null && v.lock != null && !v.lock.id.equals(lockId)) {
      // A locked variable is written only with its lock's ID.
      return conflict(v, namespace, path, access);
    }
    boolean owner = v != null && v.lock != null;
    if (v == null) {
      v = new Variable(namespace, path, bump(), nanos(now));
      vars.put(k, v);
    } else if (!v.items.equals(items)) {
      v.modifyIndex = bump();
      v.modifyTime = nanos(now);
    }
    v.items = items;
    return Reply.json(200, full(v, owner || access.management()), v.modifyIndex);
  }

  private Reply acquire(
      String namespace,
      String path,
      Variable v,
      Map<String, String> items,
      JsonNode lockIn,
      Instant now,
      Access access) {
    Duration ttl;
    Duration delay;
    try {
      ttl = duration(lockIn, "TTL");
      delay = duration(lockIn, "LockDelay");
    } catch (IllegalArgumentException e) {
      return Reply.text(400, e.getMessage());
    }
    if (outOfRange(ttl) || outOfRange(delay)) {
      return Reply.text(400, "lock TTL and LockDelay must be between 10s and 24h");
    }
    String k = key(namespace, path);
    if ((v != null && v.lock != null) || lockDelays.containsKey(k)) {
      // Locked, or its last lock lapsed less than its lock delay ago.
      return conflict(v, namespace, path, access);
    }
    if (v == null) {
      v = new Variable(namespace, path, bump(), nanos(now));
      vars.put(k, v);
    } else {
      v.modifyIndex = bump();
      v.modifyTime = nanos(now);
    }
    if (items != null && !items.isEmpty()) {
      v.items = items;
    }
    v.lock = new Lock(ttl, delay, UUID.randomUUID().toString(), now.plus(ttl));
    return Reply.json(200, full(v, true), v.modifyIndex);
  }

  /** {@code DELETE /v1/var/:path}, with a check-and-set index. */
  Reply delete(String namespace, String path, Map<String, String> q, Access access) {
    if (!access.may("destroy", namespace, path)) {
      return Reply.text(403, "Permission denied");
    }
    expireLocks(clock.get());
    String k = key(namespace, path);
    Variable v = vars.get(k);
    String cas = q.get("cas");
    if (cas != null && !cas.isEmpty()) {
      long expected;
      try {
        expected = Long.parseUnsignedLong(cas);
      } catch (NumberFormatException e) {
        return Reply.text(400, "can not parse cas: " + e.getMessage());
      }
      if (expected == 0 ? v != null : v == null || v.modifyIndex != expected) {
        return conflict(v, namespace, path, access);
      }
    }
    if (v != null && v.lock != null) {
      return conflict(v, namespace, path, access);
    }
    if (v != null) {
      vars.remove(k);
      bump();
    }
    return new Reply(204, null, null, tableIndex);
  }

  private static boolean outOfRange(Duration d) {
    return d.compareTo(MIN_LOCK) < 0 || d.compareTo(MAX_LOCK) > 0;
  }

  private static Duration duration(JsonNode lock, String field) {
    if (lock == null || !lock.hasNonNull(field) || lock.get(field).asText().isEmpty()) {
      return DEFAULT_LOCK_TTL;
    }
    JsonNode d = lock.get(field);
    return d.isNumber() ? Duration.ofNanos(d.asLong()) : GoDuration.parse(d.asText());
  }

  private static int size(Map<String, String> items) {
    int n = 0;
    for (Map.Entry<String, String> e : items.entrySet()) {
      n += e.getKey().getBytes(StandardCharsets.UTF_8).length;
      n += e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    return n;
  }
}
