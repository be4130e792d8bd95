/**
 * Upkeep for Octopus Deploy: {@link io.upkeep.octopus.OctopusClusterPort}, a {@link
 * io.upkeep.spi.ClusterPort} over the Octopus Server REST API (nodes, task caps, drain, maintenance
 * mode, tasks), configured with {@link io.upkeep.octopus.OctopusConfig}; the direct per-node check
 * {@link io.upkeep.octopus.OctopusNodeProbe}; and the documented Octopus procedures as ready-made
 * plans, {@link io.upkeep.octopus.OctopusProcedures}. Everything else lives in {@code
 * io.upkeep.octopus.internal}, which is not API.
 */
package io.upkeep.octopus;
