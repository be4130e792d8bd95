package io.upkeep.http.contract;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The vendors' API specs, read from {@code ../shared/reference/} beside the project's root: they
 * are third-party documents under their own licences, so the repository does not copy them. The
 * root is the outermost directory holding a {@code pom.xml} above the working directory (a
 * module's, under Surefire); the system property {@value #PROPERTY} names the reference directory
 * instead. A missing spec fails the test that needs it, saying where it was looked for: a contract
 * test that skips itself would pass without checking anything.
 */
public final class ReferenceSpecs {

  /**
   * The system property that names the reference directory, overriding {@code
   * <root>/../shared/reference}.
   */
  public static final String PROPERTY = "upkeep.reference.dir";

  /** Octopus Server 2021.2's Swagger 2.0 document; see {@code octopus/README.md} there. */
  public static final String OCTOPUS = "octopus/octopus-server-api-2021.2.1387.swagger.json";

  /**
   * HashiCorp's OpenAPI 3.0 description of Nomad (generated from Nomad 1.3); see {@code
   * nomad/README.md} there.
   */
  public static final String NOMAD = "nomad/openapi.yaml";

  private static final Map<String, ApiSpec> LOADED = new ConcurrentHashMap<>();

  private ReferenceSpecs() {}

  /** The Octopus spec; Octopus matches routes in any case, so paths match case-insensitively. */
  public static ApiSpec octopus() {
    return LOADED.computeIfAbsent(OCTOPUS, f -> ApiSpec.load(file(f), true));
  }

  /** The Nomad spec; Nomad's routes are case-sensitive. */
  public static ApiSpec nomad() {
    return LOADED.computeIfAbsent(NOMAD, f -> ApiSpec.load(file(f), false));
  }

  /** {@code relative} in the reference directory, which must exist. */
  static Path file(String relative) {
    String override = System.getProperty(PROPERTY);
    Path dir =
        override != null ? Path.of(override) : root().resolve("../shared/reference").normalize();
    Path file = dir.resolve(relative);
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException(
          "The vendor spec "
              + relative
              + " is not at "
              + file.toAbsolutePath()
              + ". The contract tests read the specs from ../shared/reference/ beside the project's root (a clean"
              + " clone with shared/ next to it, as CI has), or from the directory named by -D"
              + PROPERTY
              + "=...");
    }
    return file;
  }

  private static Path root() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    Path root = null;
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("pom.xml"))) {
        root = d;
      } else if (root != null) {
        break; // above the reactor
      }
    }
    if (root == null) {
      throw new IllegalStateException(
          "no pom.xml in "
              + dir
              + " or above it: cannot find the project's root to"
              + " look for ../shared/reference/; name the reference directory with -D"
              + PROPERTY
              + "=...");
    }
    return root;
  }
}
