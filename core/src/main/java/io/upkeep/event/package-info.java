/** Events a run publishes ({@link io.upkeep.event.UpgradeEvent}) and their listener. */
package io.upkeep.event;
