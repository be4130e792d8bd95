package io.upkeep.octopus.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.upkeep.octopus.OctopusApiException;
import java.util.List;

/**
 * Strict reading of Octopus JSON: a field that is missing or of the wrong type is a clear {@link
 * OctopusApiException} naming the request and the field, never a NullPointerException.
 */
public final class Wire {

  private Wire() {}

  /** The object {@code node}, or a malformed-answer error naming {@code where}. */
  public static JsonNode object(JsonNode node, String where, String request) {
    if (node == null || !node.isObject()) {
      throw malformed(request, where + " is " + describe(node) + ", not a JSON object");
    }
    return node;
  }

  /** The array {@code field} of {@code obj}. */
  public static JsonNode array(JsonNode obj, String field, String where, String request) {
    JsonNode v = obj.get(field);
    if (v == null || !v.isArray()) {
      throw malformed(request, where + "." + field + " is " + describe(v) + ", not a JSON array");
    }
    return v;
  }

  /** The non-blank text {@code field} of {@code obj}. */
  public static String text(JsonNode obj, String field, String where, String request) {
    JsonNode v = obj.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw malformed(
          request, where + "." + field + " is " + describe(v) + ", not a non-empty string");
    }
    return v.asText();
  }

  /** The text {@code field} of {@code obj}, or null when it is missing, null or blank. */
  public static String optionalText(JsonNode obj, String field) {
    JsonNode v = obj.get(field);
    return v == null || !v.isTextual() || v.asText().isBlank() ? null : v.asText();
  }

  /** The whole number {@code field} of {@code obj}, 0 or more. */
  public static int count(JsonNode obj, String field, String where, String request) {
    JsonNode v = obj.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
      throw malformed(
          request,
          where + "." + field + " is " + describe(v) + ", not a whole number of 0 or more");
    }
    return v.asInt();
  }

  /** The boolean {@code field} of {@code obj}. */
  public static boolean bool(JsonNode obj, String field, String where, String request) {
    JsonNode v = obj.get(field);
    if (v == null || !v.isBoolean()) {
      throw malformed(request, where + "." + field + " is " + describe(v) + ", not true or false");
    }
    return v.asBoolean();
  }

  /** An error for an answer that cannot be understood. */
  public static OctopusApiException malformed(String request, String what) {
    int space = request.indexOf(' ');
    return new OctopusApiException(
        "malformed answer to "
            + request
            + ": "
            + what
            + "; is the base URL pointing at an Octopus Server (2020.3 or newer) and not at a proxy or login page?",
        false,
        space < 0 ? "" : request.substring(0, space),
        request.substring(space + 1),
        200,
        "",
        List.of());
  }

  private static String describe(JsonNode v) {
    if (v == null || v.isMissingNode()) {
      return "missing";
    }
    if (v.isNull()) {
      return "null";
    }
    String s = v.toString();
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
