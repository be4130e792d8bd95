package io.upkeep.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark: {@code mvn -q compile exec:java -Pbench} (add {@code -Dexec.args=--quick} for the
 * mode under two minutes, {@code -Dexec.args="--only scale,nomad"} for some figures). Prints one
 * table per figure and writes them all to {@code target/bench/results.json} under the directory it
 * runs in.
 */
public final class Bench {

  /** One figure of the benchmark: rows of named values (a table), or one row. */
  @FunctionalInterface
  interface Figure {
    Object measure(boolean quick, PrintStream progress) throws Exception;
  }

  private Bench() {}

  /**
   * Runs the benchmark.
   *
   * @param args {@code --quick}, {@code --only <figure,...>}, {@code --out <file>}
   */
  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Set<String> only = Set.of();
    Path out = Path.of("target", "bench", "results.json");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--only" -> only = Set.copyOf(Arrays.asList(value(args, ++i).split(",")));
        case "--out" -> out = Path.of(value(args, ++i));
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + ": use --quick, --only <figure,...> or --out <file>");
      }
    }
    Map<String, Figure> figures = new LinkedHashMap<>();
    // Each figure's class measures it; they run in this order.
    figures.put("planning", ScaleFigures::planning);
    figures.put("scale", ScaleFigures::measure);
    figures.put("makespan", MakespanFigures::measure);
    figures.put("journal", JournalFigures::measure);
    figures.put("octopus", OctopusFigures::measure);
    figures.put("nomad", NomadFigures::measure);
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("machine", machine());
    results.put("mode", quick ? "quick" : "full");
    for (Map.Entry<String, Figure> f : figures.entrySet()) {
      if (!only.isEmpty() && !only.contains(f.getKey())) {
        continue;
      }
      System.out.println("== " + f.getKey());
      Object figure = f.getValue().measure(quick, System.out);
      results.put(f.getKey(), figure);
      System.out.print(table(figure));
      System.out.println();
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), results);
    System.out.println("results: " + out);
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  /** The machine the figures are of: processors, memory, JVM, OS. */
  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("processors", Runtime.getRuntime().availableProcessors());
    m.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
    m.put(
        "jvm",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put(
        "os",
        ManagementFactory.getOperatingSystemMXBean().getName()
            + " "
            + ManagementFactory.getOperatingSystemMXBean().getVersion());
    return m;
  }

  /** The {@code p} quantile (0 to 1) of {@code values}, nearest rank; NaN if there are none. */
  static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int i = (int) Math.ceil(p * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  /** A figure as a Markdown table: one row per map, columns in the first row's order. */
  static String table(Object figure) {
    List<Map<String, Object>> rows = new ArrayList<>();
    if (figure instanceof List<?> list) {
      list.forEach(r -> rows.add(asRow(r)));
    } else {
      rows.add(asRow(figure));
    }
    if (rows.isEmpty()) {
      return "(no rows)\n";
    }
    List<String> columns = new ArrayList<>(rows.get(0).keySet());
    StringBuilder b = new StringBuilder();
    b.append("| ").append(String.join(" | ", columns)).append(" |\n");
    b.append("|").append(" --- |".repeat(columns.size())).append('\n');
    for (Map<String, Object> r : rows) {
      b.append("|");
      for (String c : columns) {
        b.append(' ').append(format(r.get(c))).append(" |");
      }
      b.append('\n');
    }
    return b.toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asRow(Object o) {
    if (o instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw new IllegalArgumentException("a figure is a map or a list of maps, not " + o);
  }

  private static String format(Object v) {
    if (v instanceof Double d) {
      return String.format(Locale.ROOT, "%.2f", d);
    }
    return String.valueOf(v);
  }
}
