package io.upkeep.nomad;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.upkeep.LeaseLostException;
import io.upkeep.UpkeepException;
import io.upkeep.http.HttpResponse;
import io.upkeep.http.HttpTransport;
import io.upkeep.nomad.internal.NomadApi;
import io.upkeep.spi.JournalEntry;
import io.upkeep.spi.JournalStore;
import io.upkeep.spi.Lease;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A journal shared by every runner of one Nomad region, kept in Nomad Variables: it needs nothing
 * but the cluster and an ACL token allowed to read, write, list and destroy the variables under its
 * path prefix ({@code upkeep/<journal>} by default). Open one per process with {@link #open}.
 *
 * <p>What it keeps there, in the configured namespace:
 *
 * <ul>
 *   <li>{@code <prefix>/lease}: the lease (owner, fencing token, expiry on the runners' clock),
 *       held under Nomad's own lock on the variable ({@code lock-acquire} with the lease's TTL,
 *       {@code lock-renew}, {@code lock-release}); the lock's ID is kept in the variable so that a
 *       runner taking over a lapsed lease can release it;
 *   <li>{@code <prefix>/head}: the commit point, written only with check-and-set ({@code
 *       ?cas=<ModifyIndex>}): the last seq, the highest fencing token ever granted, the names of
 *       the sealed chunks in order, and the newest entries;
 *   <li>{@code <prefix>/chunk/<id>}: sealed pieces of the journal, each under Nomad's 64 KiB limit,
 *       written once and never changed, deleted after a compaction.
 * </ul>
 *
 * <p>Concurrency: an append reads the head, checks the fence, writes any new chunks and replaces
 * the head with check-and-set; on a 409 (another process appended first, such as an operator's
 * control record) it reads again and retries, so no record is lost and seqs stay strictly
 * increasing. Fencing: every acquisition raises the head's fencing token in the same check-and-set
 * chain, and an append or compaction with a lease succeeds only if the head's token is still the
 * lease's, the lease variable still names it, and it is held at {@code now}.
 *
 * <p>Nomad's lock and the recorded expiry: the contract's times are the runners' clock, so the
 * recorded expiry decides whether a lease is held; Nomad's lock adds its own guard, on the servers'
 * clock: a runner whose Nomad lock lapsed cannot renew, and after a lock lapses without a release
 * Nomad keeps it unacquirable for its lock delay (10 s, Nomad's minimum) against split brains.
 * Nomad bounds a lock's TTL to between 10 s and 24 h: a lease TTL outside is clamped for the Nomad
 * lock only.
 *
 * <p>The ACL token travels only in the {@code X-Nomad-Token} header through the adapter's
 * transport, which keeps it out of every log, exception and {@code toString}. Thread-safe.
 */
public final class NomadJournalStore implements JournalStore {

  /** Nomad's limit on a variable's items: the sum of the bytes of every key and value. */
  public static final int MAX_VARIABLE_BYTES = 64 * 1024;

  /** The root of the default path prefix, {@code upkeep/<journal>}. */
  public static final String DEFAULT_PREFIX_ROOT = "upkeep";

  /** The lock delay asked of Nomad: its minimum. */
  static final Duration LOCK_DELAY = Duration.ofSeconds(10);

  private static final Duration MIN_LOCK_TTL = Duration.ofSeconds(10);
  private static final Duration MAX_LOCK_TTL = Duration.ofHours(24);
  private static final Pattern PATH = Pattern.compile("^[a-zA-Z0-9\\-_~/]{1,128}$");
  private static final int MAX_ATTEMPTS = 100;

  /** A chunk's text: what fits in one variable beside its key, with room to spare. */
  private static final int CHUNK_BYTES = MAX_VARIABLE_BYTES - 1024;

  /** The head keeps at most this much of the newest entries before sealing them into chunks. */
  private static final int TAIL_BYTES = MAX_VARIABLE_BYTES / 4;

  private static final String CAPABILITIES = "read, write, list and destroy";

  private final NomadConfig config;
  private final String prefix;
  private final HttpTransport http;
  private final NomadApi api;
  private final Map<String, String> chunkCache = new ConcurrentHashMap<>();

  private NomadJournalStore(NomadConfig config, String prefix) {
    this.config = config;
    this.prefix = prefix;
    Map<String, io.upkeep.Secret> headers =
        config.token().map(t -> Map.of("X-Nomad-Token", t)).orElse(Map.of());
    this.http = HttpTransport.create(config.http(), headers, HttpTransport.RetryOn.SERVER_ERRORS);
    this.api = new NomadApi(http, config.region(), config.token(), config.http().requestTimeout());
  }

  /**
   * The journal named {@code journal} in the region and namespace {@code config} gives, under the
   * path prefix {@code upkeep/<journal>}. Nothing is sent until it is used.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code journal} is not a valid part of a Nomad variable
   *     path (letters, digits, {@code -}, {@code _}, {@code ~}, {@code /})
   * @throws UpkeepException if the TLS files cannot be read, naming the file
   */
  public static NomadJournalStore open(NomadConfig config, String journal) {
    Objects.requireNonNull(journal, "journal");
    return open(config, journal, DEFAULT_PREFIX_ROOT + "/" + journal);
  }

  /**
   * The journal named {@code journal} under the variable path prefix {@code pathPrefix} (its
   * variables are {@code <pathPrefix>/lease}, {@code <pathPrefix>/head} and {@code
   * <pathPrefix>/chunk/<id>}). Nothing is sent until it is used.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code journal} is blank or {@code pathPrefix} is not a
   *     valid Nomad variable path with room for the store's own names (at most 100 characters)
   * @throws UpkeepException if the TLS files cannot be read, naming the file
   */
  public static NomadJournalStore open(NomadConfig config, String journal, String pathPrefix) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(journal, "journal");
    Objects.requireNonNull(pathPrefix, "pathPrefix");
    if (journal.isBlank()) {
      throw new IllegalArgumentException("a journal needs a name");
    }
    String p =
        pathPrefix.endsWith("/") ? pathPrefix.substring(0, pathPrefix.length() - 1) : pathPrefix;
    if (p.length() > 100 || !PATH.matcher(p).matches() || p.startsWith("/")) {
      throw new IllegalArgumentException(
          "the journal's variable path prefix '"
              + pathPrefix
              + "' is not a valid Nomad variable path: use letters, digits, '-', '_', '~' and '/',"
              + " at most 100 characters, such as 'upkeep/"
              + journal.replaceAll("[^a-zA-Z0-9\\-_~]", "-")
              + "'");
    }
    return new NomadJournalStore(config, p);
  }

  /** The variable path prefix it keeps the journal under. */
  public String pathPrefix() {
    return prefix;
  }

  /** The Nomad namespace it keeps the journal in. */
  public String namespace() {
    return config.namespace();
  }

  // ------------------------------------------------------------------ the journal

  @Override
  public List<JournalEntry> append(List<JournalEntry> entries, Lease lease, Instant now) {
    Objects.requireNonNull(entries, "entries");
    Objects.requireNonNull(now, "now");
    List<JournalEntry> batch = List.copyOf(entries);
    String writer = UUID.randomUUID().toString();
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Head h = head();
      if (lease != null) {
        fence(h, lease, now, "append to");
      }
      if (batch.isEmpty()) {
        return List.of();
      }
      List<JournalEntry> numbered = new ArrayList<>(batch.size());
      long seq = h.lastSeq;
      StringBuilder text = new StringBuilder(h.tail);
      for (JournalEntry e : batch) {
        JournalEntry n = e.withSeq(++seq);
        numbered.add(n);
        text.append(line(n));
      }
      List<String> pieces = pieces(text.toString(), TAIL_BYTES);
      String tail = pieces.remove(pieces.size() - 1);
      List<String> sealed = writeChunks(pieces);
      List<String> chunks = new ArrayList<>(h.chunks);
      chunks.addAll(sealed);
      if (writeHead(h, new Head(0, seq, h.fence, chunks, tail), writer)) {
        return List.copyOf(numbered);
      }
      deleteChunks(sealed);
    }
    throw contention("append to");
  }

  @Override
  public List<JournalEntry> read(long afterSeq) {
    List<JournalEntry> out = new ArrayList<>();
    for (JournalEntry e : entries(head())) {
      if (e.seq() > afterSeq) {
        out.add(e);
      }
    }
    return List.copyOf(out);
  }

  @Override
  public void compact(JournalEntry snapshot, Lease lease, Instant now) {
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(now, "now");
    String writer = UUID.randomUUID().toString();
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Head h = head();
      fence(h, lease, now, "compact");
      List<JournalEntry> all = entries(h);
      String run = snapshot.runId();
      long upTo = snapshot.seq();
      if (all.stream().noneMatch(e -> e.seq() == upTo && e.runId().equals(run))) {
        throw new IllegalArgumentException(
            "a snapshot of run "
                + run
                + " must take the seq of that run's last entry it replaces; the journal has no entry "
                + upTo
                + " of that run");
      }
      List<JournalEntry> kept = new ArrayList<>();
      for (JournalEntry e : all) {
        if (!e.runId().equals(run) || e.seq() > upTo) {
          kept.add(e);
        }
      }
      int i = 0;
      while (i < kept.size() && kept.get(i).seq() < upTo) {
        i++;
      }
      kept.add(i, snapshot);
      StringBuilder text = new StringBuilder();
      kept.forEach(e -> text.append(line(e)));
      List<String> pieces = pieces(text.toString(), TAIL_BYTES);
      String tail = pieces.remove(pieces.size() - 1);
      List<String> sealed = writeChunks(pieces);
      if (writeHead(h, new Head(0, h.lastSeq, h.fence, sealed, tail), writer)) {
        Set<String> old = new HashSet<>(h.chunks);
        sealed.forEach(old::remove);
        deleteChunks(List.copyOf(old));
        return;
      }
      deleteChunks(sealed);
    }
    throw contention("compact");
  }

  // ------------------------------------------------------------------ the lease

  @Override
  public Optional<Lease> acquire(String owner, Duration ttl, Instant now) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(now, "now");
    checkTtl(ttl);
    if (owner.isBlank()) {
      throw new IllegalArgumentException("a lease needs an owner");
    }
    int refused = 0;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Var lv = get(leasePath());
      LeaseRecord r = LeaseRecord.of(lv);
      if (r != null && !r.released && now.isBefore(r.expiresAt)) {
        return Optional.empty();
      }
      if (r != null && !r.lockId.isEmpty()) {
        // The last holder's Nomad lock, if it still stands: its lease lapsed or was released.
        lockOperation("lock-release", r.lockId, null);
      }
      HttpResponse locked = lockOperation("lock-acquire", null, lockTtl(ttl));
      if (locked.status() == 409) {
        // Another runner took it first, or Nomad's lock delay after a lapsed lock still runs.
        if (++refused >= 2) {
          return Optional.empty();
        }
        continue;
      }
      Var v = Var.of(locked.json());
      String lockId = v.lockId;
      LeaseRecord current = LeaseRecord.of(v);
      if (current != null && !current.released && now.isBefore(current.expiresAt)) {
        lockOperation("lock-release", lockId, null);
        return Optional.empty();
      }
      long token = Math.max(current == null ? 0 : current.token, head().fence) + 1;
      Lease lease = new Lease(owner, token, now.plus(ttl));
      if (!writeLease(
          v.index, new LeaseRecord(owner, token, lease.expiresAt(), false, lockId), lockId)) {
        lockOperation("lock-release", lockId, null);
        continue;
      }
      raiseFence(token);
      return Optional.of(lease);
    }
    return Optional.empty();
  }

  @Override
  public Lease renew(Lease lease, Duration ttl, Instant now) {
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(now, "now");
    checkTtl(ttl);
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Var lv = get(leasePath());
      LeaseRecord r = LeaseRecord.of(lv);
      fenceRecord(r, lease, now, "renew the lease of");
      HttpResponse renewed = lockOperation("lock-renew", r.lockId, null);
      if (!renewed.ok()) {
        throw new LeaseLostException(
            "runner '"
                + lease.owner()
                + "' may not renew the lease of the journal: Nomad's lock on the variable "
                + leasePath()
                + " lapsed on the servers' clock (HTTP "
                + renewed.status()
                + "); renew well within the lease's time to live, and resume to take it again");
      }
      LeaseRecord next = new LeaseRecord(r.owner, r.token, now.plus(ttl), false, r.lockId);
      if (writeLease(lv.index, next, r.lockId)) {
        return new Lease(r.owner, r.token, next.expiresAt);
      }
    }
    throw contention("renew the lease of");
  }

  @Override
  public void release(Lease lease) {
    Objects.requireNonNull(lease, "lease");
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Var lv = get(leasePath());
      LeaseRecord r = LeaseRecord.of(lv);
      if (r == null || r.released || r.token != lease.token() || !r.owner.equals(lease.owner())) {
        return;
      }
      LeaseRecord released = new LeaseRecord(r.owner, r.token, r.expiresAt, true, r.lockId);
      if (writeLease(lv.index, released, r.lockId)) {
        lockOperation("lock-release", r.lockId, null);
        return;
      }
    }
  }

  @Override
  public Optional<Lease> lease() {
    LeaseRecord r = LeaseRecord.of(get(leasePath()));
    return r == null || r.released
        ? Optional.empty()
        : Optional.of(new Lease(r.owner, r.token, r.expiresAt));
  }

  @Override
  public void close() {
    http.close();
  }

  @Override
  public String toString() {
    return "NomadJournalStore["
        + config.address()
        + ", namespace "
        + config.namespace()
        + ", variables "
        + prefix
        + "/*]";
  }

  // ------------------------------------------------------------------ fencing

  private void fence(Head h, Lease writer, Instant now, String what) {
    fenceRecord(LeaseRecord.of(get(leasePath())), writer, now, what);
    if (h.fence > writer.token()) {
      // A later acquisition raised the head's token before it wrote the lease variable.
      throw takenOver(writer, what, "a later runner (token " + h.fence + ")");
    }
  }

  private void fenceRecord(LeaseRecord r, Lease writer, Instant now, String what) {
    if (r == null || r.released) {
      throw new LeaseLostException(
          "runner '"
              + writer.owner()
              + "' may not "
              + what
              + " the journal: its lease (token "
              + writer.token()
              + ") was released; the runner that holds the lease now drives the run");
    }
    if (r.token != writer.token() || !r.owner.equals(writer.owner())) {
      throw takenOver(writer, what, "'" + r.owner + "' (token " + r.token + ")");
    }
    if (!now.isBefore(r.expiresAt)) {
      throw new LeaseLostException(
          "runner '"
              + writer.owner()
              + "' may not "
              + what
              + " the journal: its lease lapsed at "
              + r.expiresAt
              + " (now "
              + now
              + "); resume to take the lease again");
    }
  }

  private static LeaseLostException takenOver(Lease writer, String what, String by) {
    return new LeaseLostException(
        "runner '"
            + writer.owner()
            + "' may not "
            + what
            + " the journal: its lease (token "
            + writer.token()
            + ") was taken over by "
            + by
            + "; the runner that holds the lease now drives the run");
  }

  /** Raises the head's fencing token to {@code token}, so that older leases can no longer write. */
  private void raiseFence(long token) {
    String writer = UUID.randomUUID().toString();
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Head h = head();
      if (h.fence >= token) {
        return;
      }
      if (writeHead(h, new Head(0, h.lastSeq, token, h.chunks, h.tail), writer)) {
        return;
      }
    }
    throw contention("take the lease of");
  }

  private static void checkTtl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("a lease's time to live must be positive, got " + ttl);
    }
  }

  private static Duration lockTtl(Duration ttl) {
    return ttl.compareTo(MIN_LOCK_TTL) < 0
        ? MIN_LOCK_TTL
        : ttl.compareTo(MAX_LOCK_TTL) > 0 ? MAX_LOCK_TTL : ttl;
  }

  private UpkeepException contention(String what) {
    return new UpkeepException(
        "could not "
            + what
            + " the journal in Nomad variables "
            + prefix
            + "/* after "
            + MAX_ATTEMPTS
            + " attempts: other writers changed it every time; try again");
  }

  // ------------------------------------------------------------------ variables

  private String leasePath() {
    return prefix + "/lease";
  }

  private String headPath() {
    return prefix + "/head";
  }

  private String chunkPath(String name) {
    return prefix + "/chunk/" + name;
  }

  private String url(String varPath, String... params) {
    String[] all = Arrays.copyOf(params, params.length + 2);
    all[params.length] = "namespace";
    all[params.length + 1] = config.namespace();
    return api.path("/v1/var/" + varPath, all);
  }

  /** A variable as read: its ModifyIndex, items, and lock ID (empty unless Nomad showed it). */
  private record Var(long index, Map<String, String> items, String lockId) {
    static Var of(JsonNode n) {
      Map<String, String> items = new LinkedHashMap<>();
      JsonNode it = n.path("Items");
      if (it.isObject()) {
        for (Map.Entry<String, JsonNode> e : it.properties()) {
          items.put(e.getKey(), e.getValue().asText());
        }
      }
      return new Var(n.path("ModifyIndex").asLong(), items, n.path("Lock").path("ID").asText(""));
    }
  }

  /** The lease as the lease variable records it. */
  private record LeaseRecord(
      String owner, long token, Instant expiresAt, boolean released, String lockId) {
    static LeaseRecord of(Var v) {
      if (v == null || !v.items.containsKey("token")) {
        return null;
      }
      return new LeaseRecord(
          v.items.getOrDefault("owner", ""),
          Long.parseLong(v.items.get("token")),
          Instant.parse(v.items.get("expiresAt")),
          Boolean.parseBoolean(v.items.get("released")),
          v.items.getOrDefault("lockId", ""));
    }

    Map<String, String> items() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("owner", owner);
      m.put("token", Long.toString(token));
      m.put("expiresAt", expiresAt.toString());
      m.put("released", Boolean.toString(released));
      m.put("lockId", lockId);
      return m;
    }
  }

  /** The head: the commit point of the journal. */
  private record Head(long index, long lastSeq, long fence, List<String> chunks, String tail) {
    static Head of(Var v) {
      if (v == null) {
        return new Head(0, 0, 0, List.of(), "");
      }
      String c = v.items.getOrDefault("chunks", "");
      return new Head(
          v.index,
          Long.parseLong(v.items.getOrDefault("lastSeq", "0")),
          Long.parseLong(v.items.getOrDefault("fence", "0")),
          c.isEmpty() ? List.of() : List.of(c.split(" ")),
          v.items.getOrDefault("tail", ""));
    }

    Map<String, String> items(String writer) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("format", "1");
      m.put("lastSeq", Long.toString(lastSeq));
      m.put("fence", Long.toString(fence));
      m.put("chunks", String.join(" ", chunks));
      m.put("tail", tail);
      m.put("writer", writer);
      return m;
    }
  }

  private Var get(String varPath) {
    HttpResponse r = http.get(url(varPath));
    if (r.status() == 404) {
      return null;
    }
    if (!r.ok()) {
      throw failure(r, "read", varPath);
    }
    return Var.of(r.json());
  }

  private Head head() {
    return Head.of(get(headPath()));
  }

  private Map<String, Object> body(String varPath, Map<String, String> items, String lockId) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("Namespace", config.namespace());
    b.put("Path", varPath);
    if (items != null) {
      b.put("Items", items);
    }
    if (lockId != null && !lockId.isEmpty()) {
      b.put("Lock", Map.of("ID", lockId));
    }
    return b;
  }

  /**
   * Replaces the head read as {@code was} by {@code next} with check-and-set; false if another
   * writer came first. A write whose answer was lost and whose retry then met itself counts.
   */
  private boolean writeHead(Head was, Head next, String writer) {
    Map<String, String> items = next.items(writer);
    if (size(items) > MAX_VARIABLE_BYTES) {
      throw new UpkeepException(
          "the journal in Nomad variables "
              + prefix
              + "/* has grown past what its head variable can list ("
              + next.chunks.size()
              + " chunks): compact it (the runner does on resume), or move it to a SQL store");
    }
    HttpResponse r =
        http.put(url(headPath(), "cas", Long.toString(was.index)), body(headPath(), items, null));
    if (r.ok()) {
      return true;
    }
    if (r.status() == 409) {
      return writer.equals(Var.of(r.json()).items.get("writer"));
    }
    throw failure(r, "write", headPath());
  }

  private boolean writeLease(long index, LeaseRecord rec, String lockId) {
    HttpResponse r =
        http.put(
            url(leasePath(), "cas", Long.toString(index)), body(leasePath(), rec.items(), lockId));
    if (r.ok()) {
      return true;
    }
    if (r.status() == 409) {
      return rec.items().equals(Var.of(r.json()).items);
    }
    throw failure(r, "write", leasePath());
  }

  /** {@code lock-acquire} (with {@code ttl}), {@code lock-renew} or {@code lock-release}. */
  private HttpResponse lockOperation(String operation, String lockId, Duration ttl) {
    Map<String, Object> b = body(leasePath(), null, lockId);
    if (ttl != null) {
      b.put(
          "Lock", Map.of("TTL", ttl.toMillis() + "ms", "LockDelay", LOCK_DELAY.toSeconds() + "s"));
    }
    HttpResponse r = http.put(url(leasePath(), operation, ""), b);
    if (r.status() == 403) {
      throw failure(r, "write", leasePath());
    }
    if (operation.equals("lock-acquire") && !r.ok() && r.status() != 409) {
      throw failure(r, "write", leasePath());
    }
    return r;
  }

  private List<String> writeChunks(List<String> pieces) {
    List<String> names = new ArrayList<>(pieces.size());
    for (String piece : pieces) {
      String name = UUID.randomUUID().toString().replace("-", "");
      String path = chunkPath(name);
      HttpResponse r = http.put(url(path, "cas", "0"), body(path, Map.of("text", piece), null));
      // A 409 here is this very write met again by a retry: the name is new and random.
      if (!r.ok() && r.status() != 409) {
        deleteChunks(names);
        throw failure(r, "write", path);
      }
      chunkCache.put(name, piece);
      names.add(name);
    }
    return names;
  }

  private void deleteChunks(List<String> names) {
    for (String name : names) {
      chunkCache.remove(name);
      HttpResponse r = http.delete(url(chunkPath(name)));
      if (r.status() == 403) {
        throw failure(r, "destroy", chunkPath(name));
      }
      // Any other failure leaves an unlisted chunk behind: harmless, it is never read.
    }
  }

  /** Every committed entry, the sealed chunks' and the head's, in seq order. */
  private List<JournalEntry> entries(Head first) {
    Head h = first;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      StringBuilder text = new StringBuilder();
      boolean complete = true;
      for (String name : h.chunks) {
        String piece = chunkCache.get(name);
        if (piece == null) {
          Var v = get(chunkPath(name));
          if (v == null) {
            // Deleted by a compaction after this head was read: read the new head.
            complete = false;
            break;
          }
          piece = v.items.getOrDefault("text", "");
          chunkCache.put(name, piece);
        }
        text.append(piece);
      }
      if (complete) {
        text.append(h.tail);
        return parse(text.toString(), h.lastSeq);
      }
      h = head();
    }
    throw contention("read");
  }

  private UpkeepException failure(HttpResponse r, String capability, String varPath) {
    if (r.status() == 403
        && !r.body().toLowerCase(java.util.Locale.ROOT).contains("token not found")) {
      return new NomadPermissionException(
          "Nomad refused "
              + r.method()
              + " "
              + r.path()
              + " (403 "
              + r.body().strip()
              + "): the ACL token may not "
              + capability
              + " the variable '"
              + varPath
              + "' in namespace '"
              + config.namespace()
              + "'. The journal needs "
              + CAPABILITIES
              + " on its variables: add to the token's policy namespace \""
              + config.namespace()
              + "\" { variables { path \""
              + prefix
              + "/*\" { capabilities = [\"read\", \"write\", \"list\", \"destroy\"] } } }",
          "variables:" + capability,
          r.method(),
          r.path(),
          r.body());
    }
    RuntimeException e = api.failure(r, "variables:" + capability, null);
    return e instanceof UpkeepException u ? u : new UpkeepException(e.getMessage(), e);
  }

  // ------------------------------------------------------------------ the text

  private String line(JournalEntry e) {
    try {
      StringWriter w = new StringWriter();
      try (JsonGenerator g = http.mapper().getFactory().createGenerator(w)) {
        g.writeStartObject();
        g.writeNumberField("seq", e.seq());
        g.writeStringField("run", e.runId());
        g.writeStringField("at", e.at().toString());
        g.writeStringField("kind", e.kind());
        g.writeFieldName("body");
        g.writeRawValue(e.body());
        g.writeEndObject();
      }
      return w + "\n";
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  private List<JournalEntry> parse(String text, long lastSeq) {
    List<JournalEntry> out = new ArrayList<>();
    int start = 0;
    for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
      String l = text.substring(start, i);
      start = i + 1;
      try {
        JsonNode n = http.mapper().readTree(l);
        JournalEntry e =
            new JournalEntry(
                n.get("seq").asLong(),
                n.get("run").asText(),
                Instant.parse(n.get("at").asText()),
                n.get("kind").asText(),
                n.get("body").toString());
        if (e.seq() <= lastSeq) {
          out.add(e);
        }
      } catch (IOException | RuntimeException ex) {
        throw new UpkeepException(
            "the journal in Nomad variables "
                + prefix
                + "/* is damaged (a line that is not a journal entry): someone else wrote to its"
                + " variables; restore them, or give the journal another name",
            ex);
      }
    }
    return out;
  }

  /**
   * {@code text} cut into chunks of at most {@link #CHUNK_BYTES} UTF-8 bytes each, the last piece
   * (the new tail, possibly empty) at most {@code tailBytes}: whole chunks are sealed only once the
   * text outgrows the tail.
   */
  private static List<String> pieces(String text, int tailBytes) {
    List<String> out = new ArrayList<>();
    int at = 0;
    while (utf8Length(text, at, text.length()) > tailBytes) {
      int end = cut(text, at, CHUNK_BYTES);
      out.add(text.substring(at, end));
      at = end;
    }
    out.add(text.substring(at));
    return out;
  }

  /** The end of the longest piece from {@code from} of at most {@code max} bytes, whole chars. */
  private static int cut(String text, int from, int max) {
    int bytes = 0;
    int i = from;
    while (i < text.length()) {
      int cp = text.codePointAt(i);
      int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + n > max) {
        break;
      }
      bytes += n;
      i += Character.charCount(cp);
    }
    return i;
  }

  private static int utf8Length(String text, int from, int to) {
    return text.substring(from, to).getBytes(StandardCharsets.UTF_8).length;
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
