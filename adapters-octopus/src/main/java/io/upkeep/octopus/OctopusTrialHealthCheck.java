package io.upkeep.octopus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.upkeep.ClusterOperationException;
import io.upkeep.NodeId;
import io.upkeep.octopus.internal.OctopusApi;
import io.upkeep.spi.NodeHook;
import io.upkeep.spi.OperationStatus;
import java.util.Objects;
import java.util.function.Function;

/**
 * Seed 000's active trial, "do a couple of test deployments and health checks", as a plan step
 * ({@link io.upkeep.HookPoint#DURING_TRIAL}): once the new node has its trial task cap and every
 * other node is at 0, it queues an Octopus health check ({@code POST /api/{spaceId}/tasks}, {@code
 * Name: Health}, the environment you name) and requires it to run on the new node and succeed. A
 * task that ran on another node fails the step (the trial was not exclusive), and so does one that
 * failed, timed out or was canceled, with Octopus's error message.
 *
 * <p>Idempotent by request id: the task's {@code Description} carries the step's request id, so a
 * run resumed after a crash finds the task it queued (among the space's latest {@value #SEARCHED}
 * tasks) instead of queueing another. Get one from {@link
 * OctopusClusterPort#trialHealthCheck(String, String)}; {@link
 * OctopusProcedures#highAvailabilityHostUpgrade(OctopusClusterPort, OctopusTrialHealthCheck)}
 * places it. Thread-safe.
 */
public final class OctopusTrialHealthCheck implements NodeHook {

  /** The hook's name in policies and plans. */
  public static final String NAME = "octopus-trial-health-check";

  /** How many of the space's latest tasks a resumed step searches for the one it queued. */
  public static final int SEARCHED = 500;

  /** The health check's own timeouts, as the documented script sets them. */
  static final String TIMEOUT = "00:05:00";

  private final OctopusApi api;
  private final Function<NodeId, String> idOf;
  private final String spaceId;
  private final String environmentId;

  OctopusTrialHealthCheck(
      OctopusApi api, Function<NodeId, String> idOf, String spaceId, String environmentId) {
    this.api = api;
    this.idOf = idOf;
    this.spaceId = requireId(spaceId, "spaceId", "Spaces-1");
    this.environmentId = requireId(environmentId, "environmentId", "Environments-1");
  }

  private static String requireId(String value, String what, String example) {
    Objects.requireNonNull(value, what);
    if (value.isBlank()) {
      throw new IllegalArgumentException(
          what + " must name an Octopus id, such as " + example + ", not be blank");
    }
    return value;
  }

  /** {@value #NAME}. */
  @Override
  public String name() {
    return NAME;
  }

  /** Queues the health check for this step once, then reports how it stands. */
  @Override
  public OperationStatus run(String requestId, NodeId node) {
    String marker = "[upkeep " + requestId + "]";
    JsonNode task;
    try {
      task = api.findTask(spaceId, marker, SEARCHED).orElse(null);
      if (task == null) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("SpaceId", spaceId);
        body.put("Name", "Health");
        body.put("Description", "Upkeep's trial of " + node + " " + marker);
        ObjectNode args = body.putObject("Arguments");
        args.put("Timeout", TIMEOUT);
        args.put("MachineTimeout", TIMEOUT);
        args.put("EnvironmentId", environmentId);
        args.putArray("MachineIds");
        task = api.queueTask(spaceId, body);
        return new OperationStatus(
            OperationStatus.State.RUNNING, "queued health check " + task.path("Id").asText());
      }
      task = api.task(task.path("Id").asText());
    } catch (ClusterOperationException e) {
      return e.retryable()
          ? new OperationStatus(
              OperationStatus.State.RUNNING,
              "cannot reach Octopus now, will ask again: " + e.getMessage())
          : OperationStatus.failed("cannot queue the trial's health check: " + e.getMessage());
    }
    String id = task.path("Id").asText();
    String state = task.path("State").asText();
    String ranOn = task.path("ServerNode").isTextual() ? task.path("ServerNode").asText() : null;
    switch (state) {
      case "Queued", "Executing", "Cancelling" -> {
        return new OperationStatus(
            OperationStatus.State.RUNNING,
            "health check " + id + " is " + state.toLowerCase(java.util.Locale.ROOT));
      }
      case "Success" -> {
        String mine = idOf.apply(node);
        if (!mine.equals(ranOn)) {
          return OperationStatus.failed(
              "health check "
                  + id
                  + " ran on "
                  + ranOn
                  + ", not on "
                  + node
                  + " ("
                  + mine
                  + "): the trial must leave every other node at task cap 0");
        }
        return new OperationStatus(
            OperationStatus.State.SUCCEEDED,
            "health check " + id + " ran on " + node + " and passed");
      }
      default -> {
        String error = task.path("ErrorMessage").asText("");
        return OperationStatus.failed(
            "health check "
                + id
                + " on "
                + (ranOn == null ? "no node" : ranOn)
                + " ended "
                + state
                + (error.isBlank() ? "" : ": " + error));
      }
    }
  }

  @Override
  public String toString() {
    return "OctopusTrialHealthCheck[" + NAME + ", " + spaceId + ", " + environmentId + "]";
  }
}
