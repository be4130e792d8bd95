package io.upkeep.journal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.upkeep.UpkeepException;
import io.upkeep.internal.IsoInstant;
import io.upkeep.internal.JournalModel;
import io.upkeep.internal.Json;
import io.upkeep.spi.JournalEntry;
import io.upkeep.spi.JournalStore;
import io.upkeep.spi.Lease;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The embedded default journal: a directory on a local disk holding {@code journal.jsonl} (one JSON
 * object per line: {@code seq}, {@code run}, {@code at}, {@code kind}, {@code body} and a CRC-32C
 * of the rest in {@code crc}), {@code lease.json} and a lock file. Several processes on one machine
 * may share it: every operation runs under an exclusive file lock and first reads what others
 * wrote.
 *
 * <p>Durability: an append is one write of whole lines followed by an fsync, so after a crash the
 * file ends with whole lines, or with one torn line that is detected (no newline, or a CRC that
 * does not match) and dropped, never misread; the next append cuts it off. A damaged line followed
 * by good ones is not a torn tail: reading stops with an error naming the line. Compaction and the
 * lease are written to a temporary file, fsynced and renamed over the old one.
 *
 * <p>Not for network file systems, whose locks and renames are not reliable: share a journal
 * between machines through a SQL database or Nomad Variables instead. Thread-safe.
 */
public final class FileJournalStore implements JournalStore {

  private static final String JOURNAL = "journal.jsonl";
  private static final String LEASE = "lease.json";
  private static final String LOCK = "journal.lock";

  /** One lock per directory in this JVM: a file lock cannot be taken twice by one process. */
  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final Path dir;
  private final Path journal;
  private final Path leaseFile;
  private final ReentrantLock jvmLock;
  private final FileChannel lockChannel;

  // What this instance has read of the files, under the lock.
  private JournalModel model = new JournalModel();
  private Object fileKey;
  private long offset;
  private int lines;

  private FileJournalStore(Path dir) throws IOException {
    Files.createDirectories(dir);
    this.dir = dir.toRealPath();
    this.journal = this.dir.resolve(JOURNAL);
    this.leaseFile = this.dir.resolve(LEASE);
    this.jvmLock = JVM_LOCKS.computeIfAbsent(this.dir, d -> new ReentrantLock());
    this.lockChannel =
        FileChannel.open(
            this.dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  /**
   * Opens (creating it if needed) the journal in directory {@code dir}.
   *
   * @throws UpkeepException if the directory cannot be created or opened, naming it
   */
  public static FileJournalStore open(Path dir) {
    Objects.requireNonNull(dir, "dir");
    try {
      FileJournalStore store = new FileJournalStore(dir);
      try {
        store.locked(() -> null);
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
      return store;
    } catch (IOException | UncheckedIOException e) {
      throw new UpkeepException(
          "cannot open the journal directory "
              + dir
              + ": "
              + e.getMessage()
              + "; give a writable directory on a local disk",
          e);
    }
  }

  /** The directory it keeps the journal in. */
  public Path directory() {
    return dir;
  }

  @Override
  public List<JournalEntry> append(List<JournalEntry> entries, Lease lease, Instant now) {
    Objects.requireNonNull(entries, "entries");
    return locked(
        () -> {
          List<JournalEntry> numbered = model.number(entries, lease, now);
          StringBuilder out = new StringBuilder();
          numbered.forEach(e -> out.append(line(e)).append('\n'));
          write(out.toString());
          model.add(numbered);
          lines += numbered.size();
          return numbered;
        });
  }

  @Override
  public List<JournalEntry> read(long afterSeq) {
    return locked(() -> model.read(afterSeq));
  }

  @Override
  public void compact(JournalEntry snapshot, Lease lease, Instant now) {
    locked(
        () -> {
          List<JournalEntry> kept = model.compacted(snapshot, lease, now);
          StringBuilder out = new StringBuilder();
          kept.forEach(e -> out.append(line(e)).append('\n'));
          replaceFile(journal, out.toString());
          model.replace(kept);
          fileKey = key();
          offset = Files.size(journal);
          lines = kept.size();
          return null;
        });
  }

  @Override
  public Optional<Lease> acquire(String owner, Duration ttl, Instant now) {
    return locked(
        () -> {
          Optional<Lease> taken = model.acquire(owner, ttl, now);
          if (taken.isPresent()) {
            writeLease(taken.get(), false);
          }
          return taken;
        });
  }

  @Override
  public Lease renew(Lease lease, Duration ttl, Instant now) {
    return locked(
        () -> {
          Lease renewed = model.renew(lease, ttl, now);
          writeLease(renewed, false);
          return renewed;
        });
  }

  @Override
  public void release(Lease lease) {
    locked(
        () -> {
          if (model.current(lease)) {
            writeLease(lease, true);
          }
          return null;
        });
  }

  @Override
  public Optional<Lease> lease() {
    return locked(() -> model.lease());
  }

  @Override
  public void close() {
    try {
      lockChannel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "FileJournalStore[" + dir + "]";
  }

  // ---- under the lock ----

  private interface Io<T> {
    T run() throws IOException;
  }

  private <T> T locked(Io<T> body) {
    jvmLock.lock();
    try {
      FileLock fileLock = lockChannel.lock();
      try {
        sync();
        return body.run();
      } finally {
        fileLock.release();
      }
    } catch (IOException e) {
      throw failure(e);
    } finally {
      jvmLock.unlock();
    }
  }

  private UpkeepException failure(IOException e) {
    return new UpkeepException(
        "the journal in "
            + dir
            + " cannot be read or written: "
            + e
            + "; check the disk and the directory's permissions, then resume",
        e);
  }

  /** Reads what other processes wrote since this instance last looked. */
  private void sync() throws IOException {
    if (Files.exists(journal)) {
      Object key = key();
      long size = Files.size(journal);
      if (!Objects.equals(key, fileKey) || size < offset) {
        model = reloadedModel();
        fileKey = key;
        offset = 0;
        lines = 0;
      }
      if (size > offset) {
        readFrom(size);
      }
    }
    if (Files.exists(leaseFile)) {
      // Read every time: a small file, and a stale lease here would defeat the fencing.
      JsonNode l = Json.mapper().readTree(Files.readString(leaseFile));
      model.loadLease(
          new Lease(
              l.get("owner").asText(),
              l.get("token").asLong(),
              Instant.parse(l.get("expiresAt").asText())),
          l.get("released").asBoolean());
    }
  }

  private JournalModel reloadedModel() {
    JournalModel fresh = new JournalModel();
    Lease l = model.lastLease();
    if (l != null) {
      fresh.loadLease(l, model.released());
    }
    return fresh;
  }

  private void readFrom(long size) throws IOException {
    byte[] bytes;
    try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate((int) (size - offset));
      while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) >= 0) {
        // reads until full
      }
      bytes = buf.array();
    }
    int start = 0;
    List<int[]> complete = new ArrayList<>();
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        complete.add(new int[] {start, i});
        start = i + 1;
      }
    }
    for (int k = 0; k < complete.size(); k++) {
      int[] span = complete.get(k);
      String text = new String(bytes, span[0], span[1] - span[0], StandardCharsets.UTF_8);
      Optional<JournalEntry> e = parse(text);
      if (e.isEmpty()) {
        if (k == complete.size() - 1 && start == bytes.length) {
          // The last line is damaged: a torn write. Drop it; the next append cuts it off.
          return;
        }
        throw new UpkeepException(
            "the journal "
                + journal
                + " is damaged at line "
                + (lines + 1)
                + " and has good lines after it, so it is not a torn write: restore it from a"
                + " backup, or move the directory aside to start without it");
      }
      model.load(e.get());
      lines++;
      offset += span[1] - span[0] + 1;
    }
  }

  private Object key() throws IOException {
    return Files.readAttributes(journal, java.nio.file.attribute.BasicFileAttributes.class)
        .fileKey();
  }

  private void write(String text) throws IOException {
    try (FileChannel ch =
        FileChannel.open(journal, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      // Cut off a torn tail, then write whole lines where it began, and make them durable.
      ch.truncate(offset);
      ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
      long at = offset;
      while (buf.hasRemaining()) {
        at += ch.write(buf, at);
      }
      ch.force(false);
      offset = at;
    }
    if (fileKey == null) {
      fileKey = key();
      forceDirectory();
    }
  }

  private void writeLease(Lease l, boolean released) throws IOException {
    ObjectNode n = Json.mapper().createObjectNode();
    n.put("owner", l.owner());
    n.put("token", l.token());
    n.put("expiresAt", l.expiresAt().toString());
    n.put("released", released);
    replaceFile(leaseFile, Json.mapper().writeValueAsString(n) + "\n");
    model.setLease(l, released);
  }

  private void replaceFile(Path target, String text) throws IOException {
    Path tmp = dir.resolve(target.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      ch.force(false);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "the file system of " + dir + " cannot rename atomically; use a local disk", e);
    }
    forceDirectory();
  }

  private void forceDirectory() {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms cannot open a directory; the rename is then as durable as they make it.
    }
  }

  // ---- the line format ----

  /** {@code e} as a line: its fields, the body last (parse() relies on it), then the CRC. */
  private static String line(JournalEntry e) {
    try {
      StringWriter w = new StringWriter();
      try (JsonGenerator g = Json.mapper().getFactory().createGenerator(w)) {
        g.writeStartObject();
        g.writeNumberField("seq", e.seq());
        g.writeStringField("run", e.runId());
        g.writeStringField("at", e.at().toString());
        g.writeStringField("kind", e.kind());
        g.writeFieldName("body");
        g.writeRawValue(e.body());
        g.writeEndObject();
      }
      String record = w.toString();
      return record.substring(0, record.length() - 1) + ",\"crc\":\"" + crc(record) + "\"}";
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  /** The entry on {@code text}, or empty if the line is damaged. */
  private static Optional<JournalEntry> parse(String text) {
    int cut = text.lastIndexOf(",\"crc\":\"");
    if (cut < 0 || !text.endsWith("\"}")) {
      return Optional.empty();
    }
    String record = text.substring(0, cut) + "}";
    String crc = text.substring(cut + 8, text.length() - 2);
    if (!crc.equals(crc(record))) {
      return Optional.empty();
    }
    // The fields one by one, and the body as the text it is: the rest of the record, which line()
    // writes last and the CRC vouches for. Not a tree of it written out again, nor even a pass
    // over it, which made most of opening a large journal.
    try (JsonParser p = Json.mapper().getFactory().createParser(record)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      long seq = -1;
      String run = null;
      String at = null;
      String kind = null;
      String body = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        switch (name) {
          case "seq" -> seq = p.getLongValue();
          case "run" -> run = p.getText();
          case "at" -> at = p.getText();
          case "kind" -> kind = p.getText();
          case "body" ->
              body =
                  record.substring(
                      (int) p.currentTokenLocation().getCharOffset(), record.length() - 1);
          default -> p.skipChildren();
        }
        if (body != null) {
          break;
        }
      }
      if (seq < 0 || run == null || at == null || kind == null || body == null) {
        return Optional.empty();
      }
      return Optional.of(new JournalEntry(seq, run, IsoInstant.parse(at), kind, body));
    } catch (IOException | RuntimeException ex) {
      return Optional.empty();
    }
  }

  private static String crc(String record) {
    CRC32C c = new CRC32C();
    c.update(record.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().toHexDigits((int) c.getValue());
  }
}
