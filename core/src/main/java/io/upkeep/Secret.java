package io.upkeep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A credential (API key, ACL token, key-store password) that never shows itself: {@link
 * #toString()} prints only where it comes from, so it cannot leak into logs, events, exceptions,
 * plans or journals. Its value is read when {@link #reveal()} is called, so a rotated file or
 * variable is picked up without a restart. Immutable and thread-safe.
 */
public final class Secret {

  private final String source;
  private final Supplier<String> value;

  private Secret(String source, Supplier<String> value) {
    this.source = source;
    this.value = value;
  }

  /**
   * A secret given as a value.
   *
   * @throws IllegalArgumentException if {@code value} is blank
   */
  public static Secret of(String value) {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("a secret must not be blank");
    }
    return new Secret("a value", () -> value);
  }

  /** A secret read from the environment variable {@code name} each time it is revealed. */
  public static Secret fromEnvironment(String name) {
    Objects.requireNonNull(name, "name");
    return new Secret(
        "environment variable " + name,
        () -> {
          String v = System.getenv(name);
          if (v == null || v.isBlank()) {
            throw new UpkeepException(
                "the environment variable "
                    + name
                    + " that should hold the secret is not set: "
                    + "export it, or give the secret another way");
          }
          return v.strip();
        });
  }

  /**
   * A secret read from the file {@code path} (surrounding white space removed) each time it is
   * revealed.
   */
  public static Secret fromFile(Path path) {
    Objects.requireNonNull(path, "path");
    return new Secret(
        "file " + path,
        () -> {
          try {
            String v = Files.readString(path, StandardCharsets.UTF_8).strip();
            if (v.isEmpty()) {
              throw new UpkeepException(
                  "the secret file " + path + " is empty: write the secret into it");
            }
            return v;
          } catch (IOException e) {
            throw new UpkeepException(
                "cannot read the secret file "
                    + path
                    + " ("
                    + e.getClass().getSimpleName()
                    + "): check that it exists and is readable",
                e);
          }
        });
  }

  /**
   * The secret's value. Use it only to send it where it belongs, never to print it.
   *
   * @throws UpkeepException if it comes from an unset variable or an unreadable file
   */
  public String reveal() {
    return value.get();
  }

  /** Where the secret comes from, never its value. */
  @Override
  public String toString() {
    return "Secret(from " + source + ")";
  }
}
