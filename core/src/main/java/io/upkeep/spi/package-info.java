/**
 * Ports: what core asks of the world. Adapters implement {@link io.upkeep.spi.ClusterPort}; users
 * implement {@link io.upkeep.spi.HostPort} (and optionally {@link io.upkeep.spi.TrafficPort} and
 * {@link io.upkeep.spi.HealthProbe}); {@link io.upkeep.spi.TimeSource} owns time. Only core types
 * cross these interfaces.
 */
package io.upkeep.spi;
