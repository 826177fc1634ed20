/** Prometheus metrics (prom-client), one registry per process, served at /metrics. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    inbound: new Counter({ name: 'switchboard_inbound_events_total', help: 'Inbound events by channel and outcome (stored, duplicate)', labelNames: ['channel', 'outcome'] as const, registers: [registry] }),
    turns: new Counter({ name: 'switchboard_turns_total', help: 'Conversation turns processed, by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    turnSeconds: new Histogram({ name: 'switchboard_turn_duration_seconds', help: 'Time to decide and apply one turn', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    outbound: new Counter({ name: 'switchboard_outbound_messages_total', help: 'Replies handed to a channel, by channel and outcome', labelNames: ['channel', 'outcome'] as const, registers: [registry] }),
    /** Every collection call mongoose makes (one database round trip each), counted through mongoose's debug hook. */
    databaseOperations: new Counter({ name: 'switchboard_database_operations_total', help: 'Database calls by collection and operation', labelNames: ['collection', 'operation'] as const, registers: [registry] }),
    webhooks: new Counter({ name: 'switchboard_webhook_attempts_total', help: 'Outbound webhook attempts by outcome (delivered, retrying, failed)', labelNames: ['outcome'] as const, registers: [registry] }),
    geocoder: new Counter({ name: 'switchboard_geocoder_lookups_total', help: 'Addresses looked up for shared places, by outcome (found, none, cached, retrying, failed)', labelNames: ['outcome'] as const, registers: [registry] }),
    claims: new Counter({ name: 'switchboard_claims_total', help: 'Agent claim attempts by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
