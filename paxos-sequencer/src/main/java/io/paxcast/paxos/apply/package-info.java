/**
 * Tools for the state machines that apply the decided log: the policy for applying deliveries
 * ({@link io.paxcast.paxos.apply.DeliveryApplier}) and deterministic bounded structures whose
 * decisions depend on the log alone, so every node decides the same
 * ({@link io.paxcast.paxos.apply.IdempotencyStore}).
 */
package io.paxcast.paxos.apply;
