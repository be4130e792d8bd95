package io.upkeep.http.contract;

import io.upkeep.http.contract.ApiSpec.Finding;
import io.upkeep.http.contract.ApiSpec.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * A contract test's verdict on a set of exchanges: each is checked against the vendor's spec, and
 * every finding must be one of the deviations the test lists, each with its source (where the spec
 * and the real server differ, or the spec predates an endpoint). Anything else fails, so a new
 * undocumented use of the API fails the test; so does a listed deviation that no exchange showed,
 * so the list cannot rot. Not thread-safe: feed it from the test's thread.
 */
public final class ContractCheck {

  /**
   * A known way the real API differs from its spec, and so the adapter's or the fake's exchanges
   * too.
   *
   * @param why what differs and the source that says so
   * @param matches the findings it explains
   */
  public record Deviation(String why, Predicate<Finding> matches) {

    /**
     * @throws NullPointerException if an argument is null
     */
    public Deviation {
      Objects.requireNonNull(why, "why");
      Objects.requireNonNull(matches, "matches");
    }

    /**
     * The findings of {@code kind} on {@code operation} (exactly as {@link Finding#operation()}
     * reads) whose location matches {@code location}, a regular expression ({@code ""} for the
     * whole value).
     */
    public static Deviation of(Kind kind, String operation, String location, String why) {
      Pattern where = Pattern.compile(location);
      return new Deviation(
          why,
          f ->
              f.kind() == kind
                  && f.operation().equals(operation)
                  && where.matcher(f.location()).matches());
    }

    /**
     * Findings of a {@code null} where the spec names a type without allowing null, in any answer.
     */
    public static Deviation nullsInAnswers(String why) {
      return new Deviation(
          why,
          f ->
              f.kind() == Kind.RESPONSE_BODY
                  && f.keyword().equals("type")
                  && f.value().equals("null"));
    }
  }

  private static final Pattern CREDENTIAL =
      Pattern.compile("(?i)((?:^|&)[^=&]*(?:apikey|token)[^=&]*)=[^&]*");

  private final String vendor;
  private final ApiSpec spec;
  private final List<Deviation> known;
  private final Set<Deviation> seen = new LinkedHashSet<>();
  private final Map<String, String> unexplained = new LinkedHashMap<>();
  private int requests;
  private int responses;

  private ContractCheck(String vendor, ApiSpec spec, List<Deviation> known) {
    this.vendor = vendor;
    this.spec = spec;
    this.known = List.copyOf(known);
  }

  /** A check of exchanges against {@code spec}, allowing the {@code known} deviations only. */
  public static ContractCheck of(String vendor, ApiSpec spec, List<Deviation> known) {
    return new ContractCheck(vendor, spec, known);
  }

  /** Checks one exchange: the request and its answer. */
  public void check(
      String method,
      String path,
      String query,
      String requestBody,
      int status,
      String responseBody) {
    // A credential in the query (Octopus's ?apikey=) never reaches a failure message.
    String shown = CREDENTIAL.matcher(query).replaceAll("$1=<masked>");
    String line = method + " " + path + (query.isEmpty() ? "" : "?" + shown);
    requests++;
    spec.checkRequest(method, path, query, requestBody).forEach(f -> judge(f, line));
    responses++;
    spec.checkResponse(method, path, status, responseBody)
        .forEach(f -> judge(f, line + " -> " + status));
  }

  /** Checks what a {@link RecordingProxy} recorded, each path first rewritten by {@code path}. */
  public void check(List<RecordingProxy.Exchange> exchanges, UnaryOperator<String> path) {
    for (RecordingProxy.Exchange e : exchanges) {
      check(
          e.method(),
          path.apply(e.path()),
          e.query(),
          e.requestBody(),
          e.status(),
          e.responseBody());
    }
  }

  private void judge(Finding f, String example) {
    Deviation d = known.stream().filter(k -> k.matches().test(f)).findFirst().orElse(null);
    if (d != null) {
      seen.add(d);
      return;
    }
    // One line per distinct disagreement (array indices folded), with the first exchange that
    // showed it.
    String key =
        f.kind()
            + " "
            + f.operation()
            + " "
            + f.location().replaceAll("/\\d+(?=/|$)", "/*")
            + " "
            + f.keyword();
    unexplained.putIfAbsent(key, f + "\n      e.g. " + example);
  }

  /**
   * {@code octopus contract: 412 requests, 412 responses checked against <spec>, 4 known deviations
   * seen}.
   */
  public String summary() {
    return vendor
        + " contract: "
        + requests
        + " requests, "
        + responses
        + " responses checked against "
        + spec.name()
        + ", "
        + seen.size()
        + " known deviations seen";
  }

  /**
   * Prints the summary and fails, listing them, on findings no deviation explains and on deviations
   * no exchange showed.
   *
   * @throws AssertionError if there are any
   */
  public void assertConforms() {
    System.out.println(summary());
    List<String> problems = new ArrayList<>(unexplained.values());
    known.stream()
        .filter(k -> !seen.contains(k))
        .forEach(
            k -> problems.add("listed as a known deviation but not seen (remove it?): " + k.why()));
    if (requests == 0) {
      problems.add("no exchange was checked");
    }
    if (!problems.isEmpty()) {
      throw new AssertionError(
          vendor
              + ": "
              + problems.size()
              + " disagreements with "
              + spec.name()
              + ":\n  - "
              + String.join("\n  - ", problems));
    }
  }
}
