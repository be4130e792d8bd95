package io.upkeep.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * READMEs whose examples cannot rot: a test holds the example between {@code //
 * README-EXAMPLE-START} and {@code // README-EXAMPLE-END} in a method body, runs it, and checks
 * that the README shows exactly those lines (less the method body's indentation of four spaces).
 */
public final class ReadmeExamples {

  private static final String START = "// README-EXAMPLE-START";
  private static final String END = "// README-EXAMPLE-END";

  private ReadmeExamples() {}

  /**
   * Asserts that {@code readme} shows the example of {@code source} verbatim.
   *
   * @param source the test's source file, relative to the module
   * @param readme the README, relative to the module
   * @param lines the number of lines the example must have, at least and at most, so that a
   *     misplaced marker cannot make an empty example pass
   */
  public static void assertShown(Path source, Path readme, int min, int max) throws IOException {
    List<String> example = example(Files.readAllLines(source));
    assertThat(example).as("the example in " + source).hasSizeBetween(min, max);
    assertThat(Files.readString(readme))
        .as(readme + " shows the example exactly as " + source + " compiles and runs it")
        .contains(String.join("\n", example));
  }

  static List<String> example(List<String> source) {
    int start = -1;
    int end = -1;
    for (int i = 0; i < source.size(); i++) {
      String line = source.get(i).strip();
      if (line.equals(START)) {
        start = i + 1;
      } else if (line.equals(END)) {
        end = i;
      }
    }
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("no " + START + " ... " + END + " block in the source");
    }
    return source.subList(start, end).stream()
        .map(l -> l.length() >= 4 ? l.substring(4) : l.strip())
        .toList();
  }
}
