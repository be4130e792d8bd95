import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Prints one line of a module's test coverage from JaCoCo's CSV report, so that the build log
 * shows it: {@code java tools/CoverageSummary.java <jacoco.csv> <module>}. Prints nothing when the
 * module has no report (no tests ran, or a pom module). Run by the build at verify.
 */
public final class CoverageSummary {
  private CoverageSummary() {}

  public static void main(String[] args) throws IOException {
    Path csv = Path.of(args[0]);
    if (!Files.exists(csv)) {
      return;
    }
    // GROUP,PACKAGE,CLASS,INSTRUCTION_MISSED,INSTRUCTION_COVERED,BRANCH_MISSED,BRANCH_COVERED,LINE_MISSED,LINE_COVERED,...
    long[] sums = new long[6];
    List<String> rows = Files.readAllLines(csv);
    for (String row : rows.subList(1, rows.size())) {
      String[] cells = row.split(",", -1);
      for (int i = 0; i < sums.length; i++) {
        sums[i] += Long.parseLong(cells[3 + i]);
      }
    }
    System.out.println("[coverage] " + args[1] + ": lines " + ratio(sums[4], sums[5]) + ", branches "
        + ratio(sums[2], sums[3]) + ", instructions " + ratio(sums[0], sums[1]) + " (report: "
        + csv.resolveSibling("index.html") + ")");
  }

  private static String ratio(long missed, long covered) {
    long total = missed + covered;
    return total == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f%% (%d/%d)", 100.0 * covered / total, covered, total);
  }
}
