/**
 * Events a run publishes ({@link io.upkeep.event.UpgradeEvent}) and their listener. Events are
 * records that may gain components, and new kinds of event may appear: read them through their
 * accessors, and dispatch with {@code instanceof} or a {@code switch} with a default branch.
 */
package io.upkeep.event;
