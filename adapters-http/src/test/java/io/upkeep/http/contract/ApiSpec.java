package io.upkeep.http.contract;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A vendor's API description (Swagger 2.0 or OpenAPI 3.0), used to check HTTP exchanges against it:
 * a request is matched to its operation (method and path against the spec's path templates), its
 * path and query parameters and its JSON body are validated against the operation's parameters and
 * body schema, and an answer against the operation's schema for its status.
 *
 * <p>Every value is validated by networknt's json-schema-validator, against the schemas where they
 * stand in the vendor's document (JSON pointers into it, so {@code $ref}s resolve as the spec wrote
 * them), in the spec's own dialect: Draft 4 for Swagger 2.0 (its Schema Object is a subset of Draft
 * 4) and the OpenAPI 3.0 dialect ({@code nullable}, {@code discriminator}) for OpenAPI 3.0. Formats
 * are asserted. Parameters arrive as strings, so their schemas are applied with the library's
 * {@code typeLoose} option ({@code "5"} is an integer there); bodies are validated strictly. The
 * parameters of an operation become one object schema whose properties refer to each parameter's
 * schema, with its required ones required and no others allowed, so an undocumented parameter is a
 * finding too. This class only finds the operation and hands the library the schema and the value.
 */
public final class ApiSpec {

  /** What a {@link Finding} is about. */
  public enum Kind {
    /** No operation of the spec matches the method and path. */
    UNDOCUMENTED_OPERATION,
    /** A path parameter does not validate against its schema. */
    PATH,
    /** A query parameter is undocumented, missing or does not validate. */
    QUERY,
    /** The request body is missing, unexpected, not JSON or does not validate. */
    REQUEST_BODY,
    /** The operation documents no answer with this status. */
    UNDOCUMENTED_STATUS,
    /** The answer's body is not JSON or does not validate against the schema for its status. */
    RESPONSE_BODY
  }

  /**
   * One way an exchange disagrees with the spec.
   *
   * @param kind what it is about
   * @param operation the operation, {@code GET /v1/node/{nodeId}}, or the request's method and path
   *     if none matched
   * @param location where in the value: a JSON pointer into the body ({@code
   *     /Servers/0/LastContact}), or {@code /name} for a parameter; empty for the whole
   * @param keyword the schema keyword that failed ({@code type}, {@code additionalProperties}), or
   *     empty
   * @param value the offending value as JSON, or empty
   * @param message what is wrong, in the library's words
   */
  public record Finding(
      Kind kind, String operation, String location, String keyword, String value, String message) {

    @Override
    public String toString() {
      return operation
          + " "
          + kind
          + (location.isEmpty() ? "" : " at " + location)
          + ": "
          + message;
    }
  }

  /**
   * An operation of the spec.
   *
   * @param method the method, upper case
   * @param template the path template with the spec's base path, such as {@code /api/tasks/{id}}
   * @param pointer the JSON pointer of the operation object in the spec
   */
  public record Operation(String method, String template, String pointer) {

    /** {@code GET /api/tasks/{id}}. */
    @Override
    public String toString() {
      return method + " " + template;
    }
  }

  private record Route(
      String template, Pattern pattern, List<String> names, String pointer, int literals) {}

  private record Parameter(String name, String in, boolean required, String schemaPointer) {}

  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private final String name;
  private final String iri;
  private final JsonNode doc;
  private final boolean swagger2;
  private final List<Route> routes = new ArrayList<>();

  /**
   * Query parameters that carry a credential, by the spec's security schemes (Octopus's {@code
   * ApiKey}).
   */
  private final List<String> credentialParameters = new ArrayList<>();

  private final boolean caseInsensitive;
  private final SchemaRegistry bodies;
  private final SchemaRegistry parameters;
  private final Map<String, Schema> parameterSchemas = new ConcurrentHashMap<>();

  private ApiSpec(Path file, boolean caseInsensitivePaths) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the API spec " + file, e);
    }
    boolean yaml = file.getFileName().toString().endsWith(".yaml");
    this.doc = (yaml ? YAMLMapper.builder().build() : JSON).readTree(text);
    this.iri = file.toUri().toString();
    this.name = file.getFileName().toString();
    this.swagger2 = doc.has("swagger");
    Dialect dialect;
    String base;
    if (swagger2) {
      dialect = Dialects.getDraft4();
      base = doc.path("basePath").asString("");
    } else if (doc.path("openapi").asString("").startsWith("3.0")) {
      dialect = Dialects.getOpenApi30();
      // "{scheme}://{address}:{port}/v1" -> "/v1"
      base =
          doc.path("servers").path(0).path("url").asString("").replaceFirst("^[^:/]*://[^/]*", "");
    } else {
      throw new IllegalArgumentException(file + " is neither Swagger 2.0 nor OpenAPI 3.0");
    }
    Map<String, String> documents = Map.of(iri, text);
    this.bodies =
        SchemaRegistry.withDialect(
            dialect,
            b ->
                b.schemas(documents)
                    .schemaRegistryConfig(
                        SchemaRegistryConfig.builder()
                            .formatAssertionsEnabled(true)
                            .preloadSchema(false)
                            .build()));
    this.parameters =
        SchemaRegistry.withDialect(
            dialect,
            b ->
                b.schemas(documents)
                    .schemaRegistryConfig(
                        SchemaRegistryConfig.builder()
                            .formatAssertionsEnabled(true)
                            .typeLoose(true)
                            .preloadSchema(false)
                            .build()));
    this.caseInsensitive = caseInsensitivePaths;
    for (Map.Entry<String, JsonNode> scheme :
        doc.at(swagger2 ? "/securityDefinitions" : "/components/securitySchemes").properties()) {
      JsonNode sc = scheme.getValue();
      if (sc.path("type").asString("").equals("apiKey")
          && sc.path("in").asString("").equals("query")) {
        credentialParameters.add(sc.path("name").asString(""));
      }
    }
    int flags = caseInsensitivePaths ? Pattern.CASE_INSENSITIVE : 0;
    for (Map.Entry<String, JsonNode> p : doc.path("paths").properties()) {
      String template = base + (p.getKey().equals("/") ? "" : p.getKey());
      StringBuilder regex = new StringBuilder();
      List<String> names = new ArrayList<>();
      Matcher m = Pattern.compile("\\{([^}]+)}").matcher(template);
      int at = 0;
      int literals = 0;
      while (m.find()) {
        regex.append(Pattern.quote(template.substring(at, m.start()))).append("([^/]+)");
        literals += m.start() - at;
        names.add(m.group(1));
        at = m.end();
      }
      regex.append(Pattern.quote(template.substring(at)));
      literals += template.length() - at;
      routes.add(
          new Route(
              template,
              Pattern.compile(regex.toString(), flags),
              names,
              "/paths/" + escape(p.getKey()),
              literals));
    }
    // Where templates overlap (/tasks/tasktypes and /tasks/{id}), the one with the most literal
    // text wins.
    routes.sort(Comparator.comparingInt(Route::literals).reversed());
  }

  /**
   * Reads the spec in {@code file}: Swagger 2.0 JSON or OpenAPI 3.0 YAML or JSON.
   *
   * @param caseInsensitivePaths whether the vendor's server matches paths in any case (Octopus
   *     does)
   */
  public static ApiSpec load(Path file, boolean caseInsensitivePaths) {
    return new ApiSpec(file, caseInsensitivePaths);
  }

  /** The spec's file name. */
  public String name() {
    return name;
  }

  /**
   * The operation for {@code method} and {@code path} (raw, without the query), if the spec has
   * one.
   */
  public Optional<Operation> operation(String method, String path) {
    return match(method, path).map(Matched::operation);
  }

  /**
   * Checks a request: its operation exists, its path and query parameters and its body validate.
   */
  public List<Finding> checkRequest(String method, String path, String query, String body) {
    Optional<Matched> found = match(method, path);
    if (found.isEmpty()) {
      return List.of(undocumented(method, path));
    }
    Matched m = found.get();
    String op = m.operation.toString();
    List<Finding> out = new ArrayList<>();
    out.addAll(validateParameters(m, "path", m.pathValues, Kind.PATH));
    Map<String, String> parameters = parseQuery(query);
    // A credential the security scheme puts in the query is not one of the operation's parameters.
    parameters
        .keySet()
        .removeIf(
            name ->
                credentialParameters.stream()
                    .anyMatch(c -> caseInsensitive ? c.equalsIgnoreCase(name) : c.equals(name)));
    out.addAll(validateParameters(m, "query", parameters, Kind.QUERY));
    Optional<Map.Entry<String, Boolean>> bodySchema = requestBodySchema(m.operation);
    if (bodySchema.isEmpty()) {
      if (!body.isBlank()) {
        out.add(new Finding(Kind.REQUEST_BODY, op, "", "", "", "the operation takes no body"));
      }
    } else if (body.isBlank()) {
      if (bodySchema.get().getValue()) {
        out.add(
            new Finding(
                Kind.REQUEST_BODY, op, "", "required", "", "the operation requires a body"));
      }
    } else {
      out.addAll(
          validate(
              bodies.getSchema(location(bodySchema.get().getKey())), body, Kind.REQUEST_BODY, op));
    }
    return out;
  }

  /**
   * Checks an answer to {@code method} {@code path}: the operation documents its status, and a body
   * the spec gives a schema for validates. An operation that documents the status without a schema
   * (Swagger's {@code 200: {}}) has nothing to check.
   */
  public List<Finding> checkResponse(String method, String path, int status, String body) {
    Optional<Matched> found = match(method, path);
    if (found.isEmpty()) {
      return List.of(undocumented(method, path));
    }
    Operation op = found.get().operation;
    String responses = op.pointer + "/responses/";
    String pointer =
        doc.at(responses + status).isMissingNode() ? responses + "default" : responses + status;
    if (doc.at(pointer).isMissingNode()) {
      return List.of(
          new Finding(
              Kind.UNDOCUMENTED_STATUS,
              op.toString(),
              "",
              "",
              String.valueOf(status),
              "the spec documents no answer " + status + " for it"));
    }
    pointer = deref(pointer);
    String schema = swagger2 ? pointer + "/schema" : pointer + "/content/application~1json/schema";
    if (doc.at(schema).isMissingNode()) {
      return List.of();
    }
    return validate(bodies.getSchema(location(schema)), body, Kind.RESPONSE_BODY, op.toString());
  }

  // ------------------------------------------------------------------ the operation

  private record Matched(Operation operation, Map<String, String> pathValues) {}

  private Optional<Matched> match(String method, String path) {
    for (Route r : routes) {
      Matcher m = r.pattern.matcher(path);
      if (m.matches()) {
        String pointer = r.pointer + "/" + method.toLowerCase(Locale.ROOT);
        if (doc.at(pointer).isMissingNode()) {
          continue; // another template may match with this method (a literal one has no PUT, {id}
          // has)
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < r.names.size(); i++) {
          values.put(r.names.get(i), URLDecoder.decode(m.group(i + 1), StandardCharsets.UTF_8));
        }
        return Optional.of(
            new Matched(
                new Operation(method.toUpperCase(Locale.ROOT), r.template, pointer), values));
      }
    }
    return Optional.empty();
  }

  private static Finding undocumented(String method, String path) {
    return new Finding(
        Kind.UNDOCUMENTED_OPERATION,
        method.toUpperCase(Locale.ROOT) + " " + path,
        "",
        "",
        "",
        "the spec has no such operation");
  }

  /**
   * The operation's parameters, the path item's first and the operation's over them, each
   * dereferenced.
   */
  private List<Parameter> parametersOf(Operation op) {
    Map<String, Parameter> byKey = new LinkedHashMap<>();
    String pathItem = op.pointer.substring(0, op.pointer.lastIndexOf('/'));
    for (String list : List.of(pathItem + "/parameters", op.pointer + "/parameters")) {
      JsonNode params = doc.at(list);
      for (int i = 0; i < params.size(); i++) {
        String pointer = deref(list + "/" + i);
        JsonNode p = doc.at(pointer);
        String in = p.path("in").asString("");
        // Swagger 2.0: a parameter is its own schema (type, format, enum, items); OpenAPI 3.0 nests
        // it.
        String schema =
            swagger2 ? (in.equals("body") ? pointer + "/schema" : pointer) : pointer + "/schema";
        Parameter parameter =
            new Parameter(
                p.path("name").asString(""), in, p.path("required").asBoolean(false), schema);
        byKey.put(in + ":" + parameter.name, parameter);
      }
    }
    return List.copyOf(byKey.values());
  }

  /**
   * The request body's schema pointer and whether the body is required, if the operation takes one.
   */
  private Optional<Map.Entry<String, Boolean>> requestBodySchema(Operation op) {
    if (swagger2) {
      return parametersOf(op).stream()
          .filter(p -> p.in.equals("body"))
          .map(p -> Map.entry(p.schemaPointer, p.required))
          .findFirst();
    }
    if (doc.at(op.pointer + "/requestBody").isMissingNode()) {
      return Optional.empty();
    }
    String body = deref(op.pointer + "/requestBody");
    return Optional.of(
        Map.entry(
            body + "/content/application~1json/schema",
            doc.at(body + "/required").asBoolean(false)));
  }

  // ------------------------------------------------------------------ validation, by the library

  private List<Finding> validateParameters(
      Matched m, String in, Map<String, String> values, Kind kind) {
    Schema schema =
        parameterSchemas.computeIfAbsent(
            m.operation.pointer + " " + in,
            k -> {
              ObjectNode object =
                  JSON.createObjectNode().put("type", "object").put("additionalProperties", false);
              ObjectNode properties = object.putObject("properties");
              var required = object.putArray("required");
              for (Parameter p : parametersOf(m.operation)) {
                if (p.in.equals(in)) {
                  properties.putObject(p.name).put("$ref", iri + "#" + p.schemaPointer);
                  if (p.required) {
                    required.add(p.name);
                  }
                }
              }
              if (required.isEmpty()) {
                object.remove("required"); // Draft 4 wants at least one name in "required"
              }
              return parameters.getSchema(object);
            });
    ObjectNode instance = JSON.createObjectNode();
    values.forEach(instance::put);
    return validate(schema, JSON.writeValueAsString(instance), kind, m.operation.toString());
  }

  private static List<Finding> validate(Schema schema, String json, Kind kind, String operation) {
    List<com.networknt.schema.Error> errors;
    try {
      errors = schema.validate(json, InputFormat.JSON);
    } catch (RuntimeException e) {
      return List.of(new Finding(kind, operation, "", "", "", "not JSON: " + e.getMessage()));
    }
    List<Finding> out = new ArrayList<>();
    for (com.networknt.schema.Error e : errors) {
      String location =
          e.getInstanceLocation().toString()
              + (e.getProperty() == null ? "" : "/" + e.getProperty());
      String value =
          e.getInstanceNode() == null || e.getProperty() != null
              ? ""
              : e.getInstanceNode().toString();
      out.add(
          new Finding(
              kind,
              operation,
              location,
              e.getKeyword() == null ? "" : e.getKeyword(),
              value,
              e.getMessage()));
    }
    return out;
  }

  // ------------------------------------------------------------------ the document

  private SchemaLocation location(String pointer) {
    return SchemaLocation.of(iri + "#" + pointer);
  }

  /**
   * The pointer of what {@code pointer} refers to, following a local {@code $ref} (and the one it
   * names).
   */
  private String deref(String pointer) {
    JsonNode ref = doc.at(pointer).path("$ref");
    return ref.isString() && ref.asString().startsWith("#")
        ? deref(ref.asString().substring(1))
        : pointer;
  }

  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  /**
   * {@code a=1&b=x%2Cy&flag} as {@code {a: "1", b: "x,y", flag: ""}}; a repeated name keeps its
   * last value.
   */
  private static Map<String, String> parseQuery(String query) {
    Map<String, String> out = new LinkedHashMap<>();
    if (query.isEmpty()) {
      return out;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      out.put(
          name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }
}
