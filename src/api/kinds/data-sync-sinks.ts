/**
 * The sink a DataSync delivers to: the hub's own store, or one external system.
 * The hub sink is built in; external sinks are implemented in src/hub/ingest/sinks/
 * against the Sink interface (src/hub/ingest/sink.ts).
 */
import { type Static, Type } from '@sinclair/typebox';
import { parseDuration } from '../duration.js';
import type { FieldErrors } from '../field-errors.js';
import { asRecord } from './common.js';

/**
 * An external sink's options, passed as they are to its implementation (which
 * validates them and documents each: see docs/data-sinks.md), except `secretRef`:
 * a Secret in the DataSync's namespace whose keys (url, password, connectionString…)
 * are merged into the options, so credentials stay out of the manifest.
 */
function external(description: string) {
  return Type.Object(
    {
      secretRef: Type.Optional(
        Type.Object({ name: Type.String({ description: 'Secret whose keys are merged into the options.' }) }),
      ),
    },
    { description, additionalProperties: true },
  );
}

export const SinkSpecSchema = Type.Object(
  {
    hub: Type.Optional(
      Type.Object({
        retention: Type.Optional(
          Type.String({ description: 'How long the hub keeps records (default 168h).' }),
        ),
      }),
    ),
    rabbitmq: Type.Optional(
      external('RabbitMQ exchange with publisher confirms (url, exchange, routingKey, …).'),
    ),
    nats: Type.Optional(
      external('NATS JetStream subject (servers, subject, …); Nats-Msg-Id is the dedup key.'),
    ),
    mqtt: Type.Optional(external('MQTT topic with QoS 1 (url, topic, …).')),
    postgres: Type.Optional(external('PostgreSQL table, idempotent insert (connectionString, table, …).')),
  },
  { description: 'Exactly one of hub, rabbitmq, nats, mqtt, postgres.' },
);

export type SinkSpec = Static<typeof SinkSpecSchema>;
export type SinkType = keyof SinkSpec & string;
export const SINK_TYPES: readonly SinkType[] = ['hub', 'rabbitmq', 'nats', 'mqtt', 'postgres'];

/** The options an external sink gets: the spec without secretRef. */
export function sinkOptions(
  spec: unknown,
): { type: SinkType; options: Record<string, unknown>; secret?: string } | undefined {
  const type = sinkType(spec);
  if (!type) return undefined;
  const { secretRef, ...options } = asRecord(asRecord(spec)[type]);
  const secret = asRecord(secretRef).name;
  return { type, options, ...(typeof secret === 'string' && { secret }) };
}

/** The one sink a spec names, or undefined when it names none or several. */
export function sinkType(spec: unknown): SinkType | undefined {
  const present = SINK_TYPES.filter((t) => asRecord(spec)[t] !== undefined);
  return present.length === 1 ? present[0] : undefined;
}

/** For tables and messages: `hub`, `rabbitmq:orders/po.*`, `nats:edge.shipments`, … */
export function sinkTarget(spec: unknown): string {
  const type = sinkType(spec);
  const s = asRecord(type ? asRecord(spec)[type] : undefined);
  switch (type) {
    case 'hub':
      return 'hub';
    case 'rabbitmq':
      return `rabbitmq:${String(s.exchange ?? '')}${s.routingKey ? `/${String(s.routingKey)}` : ''}`;
    case 'nats':
      return `nats:${String(s.subject ?? '')}`;
    case 'mqtt':
      return `mqtt:${String(s.topic ?? '')}`;
    case 'postgres':
      return `postgres:${String(s.table ?? '')}`;
    default:
      return '<invalid>';
  }
}

/** Hub retention in milliseconds. @default 7 days */
export function hubRetentionMs(spec: unknown): number {
  const text = asRecord(asRecord(spec).hub).retention;
  return (typeof text === 'string' && parseDuration(text)) || 7 * 24 * 3_600_000;
}

export function validateSink(spec: unknown, errors: FieldErrors): void {
  const present = SINK_TYPES.filter((t) => asRecord(spec)[t] !== undefined);
  if (present.length !== 1) {
    errors.invalid('spec.sink', present, `name exactly one of ${SINK_TYPES.join(', ')}`);
    return;
  }
  const type = present[0] as SinkType;
  const s = asRecord(asRecord(spec)[type]);
  const retention = s.retention;
  if (type === 'hub' && typeof retention === 'string' && !(Number(parseDuration(retention)) > 0))
    errors.invalid('spec.sink.hub.retention', retention, 'must be a duration such as 24h');
}
