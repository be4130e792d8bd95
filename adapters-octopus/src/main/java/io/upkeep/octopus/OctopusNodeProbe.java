package io.upkeep.octopus;

import com.fasterxml.jackson.databind.JsonNode;
import io.upkeep.ClusterOperationException;
import io.upkeep.Node;
import io.upkeep.http.HttpResponse;
import io.upkeep.octopus.internal.OctopusApi;
import io.upkeep.spi.HealthProbe;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies one Octopus Server node directly, as the host-upgrade guide asks ("navigate directly to
 * the new VM"): it calls the node's own address from {@link OctopusConfig#nodeUrl(String)}, never
 * the load balancer, and passes when
 *
 * <ol>
 *   <li>{@code GET /api/octopusservernodes/ping} answers 200 (only for {@value #DIRECT}; a drained
 *       node answers 418 and does not pass, with that reason);
 *   <li>{@code GET /api} answers 200 with the root document, its {@code Version} the node's
 *       observed product version;
 *   <li>every answer's {@code Octopus-Node} header names the node, proving the address reaches it
 *       and not another node behind a load balancer.
 * </ol>
 *
 * Get one from {@link OctopusClusterPort#nodeProbe()} or {@link OctopusClusterPort#nodeApiProbe()}
 * and register it with the executor; policies refer to it by {@link #name()}. It never throws for
 * an unhealthy node: it reports what it saw. Thread-safe.
 */
public final class OctopusNodeProbe implements HealthProbe {

  /** The name of the probe that also requires ping to answer 200. */
  public static final String DIRECT = "octopus-node-direct";

  /** The name of the probe that checks {@code /api} and the header only, for drained nodes. */
  public static final String API_ONLY = "octopus-node-api";

  private final String name;
  private final boolean ping;
  private final OctopusApi api;
  private final OctopusConfig config;

  OctopusNodeProbe(String name, boolean ping, OctopusApi api, OctopusConfig config) {
    this.name = name;
    this.ping = ping;
    this.api = api;
    this.config = config;
  }

  /** {@value #DIRECT} or {@value #API_ONLY}. */
  @Override
  public String name() {
    return name;
  }

  /** Checks {@code node} on its own address; see the class description. */
  @Override
  public ProbeResult check(Node node) {
    Objects.requireNonNull(node, "node");
    String nodeName = node.id().value();
    Optional<URI> own = config.nodeUrl(nodeName);
    if (own.isEmpty()) {
      return ProbeResult.fail(
          "no own address is configured for "
              + nodeName
              + ": add nodeUrl(\""
              + nodeName
              + "\", ...) or nodeUrlTemplate(...) to the OctopusConfig; the check must bypass the load balancer");
    }
    String base = own.get().toString().replaceAll("/+$", "");
    if (ping) {
      String url = base + "/api/octopusservernodes/ping";
      HttpResponse r;
      try {
        r = api.getRaw(url);
      } catch (ClusterOperationException e) {
        return ProbeResult.fail("cannot reach " + nodeName + " at " + url + ": " + e.getMessage());
      }
      if (r.status() == 418) {
        return ProbeResult.fail(
            nodeName
                + " answers 418 on ping at "
                + url
                + ": it is drained (or offline), so a "
                + "load balancer would not send it requests; undrain it to verify it this way");
      }
      if (r.status() != 200) {
        return ProbeResult.fail(
            nodeName + " answers HTTP " + r.status() + " on ping at " + url + ", not 200");
      }
      String wrong = wrongNode(r, nodeName, url);
      if (wrong != null) {
        return ProbeResult.fail(wrong);
      }
    }
    String url = base + "/api";
    HttpResponse root;
    try {
      root = api.getRaw(url);
    } catch (ClusterOperationException e) {
      return ProbeResult.fail("cannot reach " + nodeName + " at " + url + ": " + e.getMessage());
    }
    if (root.status() != 200) {
      return ProbeResult.fail(
          nodeName
              + " answers HTTP "
              + root.status()
              + " on "
              + url
              + ", not 200: its web "
              + "portal or API does not work");
    }
    String wrong = wrongNode(root, nodeName, url);
    if (wrong != null) {
      return ProbeResult.fail(wrong);
    }
    String version;
    try {
      JsonNode doc = root.json();
      version = doc.path("Version").isTextual() ? doc.get("Version").asText() : null;
    } catch (ClusterOperationException e) {
      return ProbeResult.fail(
          nodeName
              + " does not answer "
              + url
              + " with the Octopus root document: "
              + e.getMessage());
    }
    if (version == null) {
      return ProbeResult.fail(
          nodeName + " answers " + url + " without a Version: is it an Octopus Server?");
    }
    String expected = node.platform().product().text();
    if (!version.equals(expected)) {
      return ProbeResult.fail(
          nodeName
              + " answers as Octopus "
              + version
              + " on "
              + url
              + ", but the cluster reports "
              + expected
              + " for it: every node must run the same version");
    }
    return ProbeResult.pass(
        nodeName
            + " answers on its own address "
            + base
            + (ping ? " (ping 200)" : "")
            + " as Octopus "
            + version
            + ", and the Octopus-Node header names it");
  }

  private static String wrongNode(HttpResponse r, String nodeName, String url) {
    Optional<String> said = r.header(OctopusApi.NODE_HEADER);
    if (said.isEmpty()) {
      return url
          + " answered without an Octopus-Node header: is it an Octopus Server node's own address?";
    }
    if (!said.get().equalsIgnoreCase(nodeName)) {
      return url
          + " was answered by node '"
          + said.get()
          + "' (Octopus-Node header), not "
          + nodeName
          + ": the address reaches another node, perhaps through the load balancer; configure "
          + nodeName
          + "'s own address";
    }
    return null;
  }

  @Override
  public String toString() {
    return "OctopusNodeProbe[" + name + "]";
  }
}
