package io.upkeep.testkit.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Query-string parsing and masking: the first value of each parameter, bare flags as empty strings.
 */
final class Query {

  private Query() {}

  static Map<String, String> parse(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
      out.putIfAbsent(k, v);
    }
    return out;
  }

  /**
   * {@code raw} with the value of every parameter named in {@code secrets} (lower case; names match
   * in any case, encoded or not) replaced by {@code mask}; the rest as it was.
   */
  static String mask(String raw, Set<String> secrets, String mask) {
    if (raw.isEmpty() || secrets.isEmpty()) {
      return raw;
    }
    StringJoiner out = new StringJoiner("&");
    for (String pair : raw.split("&", -1)) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      boolean secret = secrets.contains(decodeLeniently(name).toLowerCase(Locale.ROOT));
      out.add(secret ? name + "=" + mask : pair);
    }
    return out.toString();
  }

  /**
   * @throws IllegalArgumentException if {@code s} has a malformed escape
   */
  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /** For masking, which must never fail: a malformed escape is read as written. */
  private static String decodeLeniently(String s) {
    try {
      return decode(s);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
