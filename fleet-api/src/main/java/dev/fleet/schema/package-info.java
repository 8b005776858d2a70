/**
 * The one wire contract of fleet's HTTP API v1 and of the agent API: a record per entity and one JSON codec
 * ({@link dev.fleet.schema.Codec}, JSON-P streaming, no reflection) shared by the server, the agent, fleetctl, the
 * test kit and the benchmarks, as fleet had one {@code schema} package. Field names, omit-empty rules and field order
 * are fleet's API v1 where fleet defines the entity (docs/api-contract.md).
 */
package dev.fleet.schema;
