/**
 * The external sinks data sync can route streams to. Each is a class whose constructor
 * validates its options (EW_INVALID naming every problem; unknown options rejected)
 * and connects lazily on the first delivery. `SINK_TYPES` is the table a factory uses:
 * per type, a `describe` of each option and a `create` that takes options as they come
 * from a manifest (unknown, validated).
 *
 *   const sink = SINK_TYPES.rabbitmq.create({ url: 'amqp://hub@rabbitmq', exchange: 'edge' });
 *   await sink.deliver(batch);   // resolves once RabbitMQ confirmed every record
 *
 * See docs/data-sinks.md for delivery and dedup guarantees per sink.
 */
import type { Sink } from '../sink.js';
import { MQTT_OPTIONS } from './mqtt/options.js';
import { MqttSink } from './mqtt/sink.js';
import { NATS_OPTIONS } from './nats/options.js';
import { NatsJetStreamSink } from './nats/sink.js';
import { describeOptions, type OptionDescription } from './options.js';
import { POSTGRES_OPTIONS } from './postgres/options.js';
import { PostgresSink } from './postgres/sink.js';
import { RABBITMQ_OPTIONS } from './rabbitmq/options.js';
import { RabbitMqSink } from './rabbitmq/sink.js';

export type { PayloadFormat } from './message.js';
export { HEADERS } from './message.js';
export type { MqttSinkOptions } from './mqtt/options.js';
export type { NatsSinkOptions } from './nats/options.js';
export type { OptionDescription } from './options.js';
export type { PostgresSinkOptions } from './postgres/options.js';
export type { ExchangeType, RabbitMqSinkOptions } from './rabbitmq/options.js';
export { MqttSink, NatsJetStreamSink, PostgresSink, RabbitMqSink };

export interface SinkType {
  /** One line for `describe` output and docs. */
  readonly summary: string;
  /** Every option: name, type, whether required, default, what it does. */
  readonly describe: readonly OptionDescription[];
  /** Validates `options` (throws EW_INVALID) and returns a sink that connects on first use. */
  create(options: unknown): Sink;
}

export const SINK_TYPES = Object.freeze({
  rabbitmq: {
    summary: 'RabbitMQ exchange: persistent messages, publisher confirms, messageId = dedup key.',
    describe: describeOptions(RABBITMQ_OPTIONS),
    create: (options: unknown) => new RabbitMqSink(options as ConstructorParameters<typeof RabbitMqSink>[0]),
  },
  nats: {
    summary: 'NATS JetStream subject: PubAck per record, Nats-Msg-Id = dedup key.',
    describe: describeOptions(NATS_OPTIONS),
    create: (options: unknown) =>
      new NatsJetStreamSink(options as ConstructorParameters<typeof NatsJetStreamSink>[0]),
  },
  mqtt: {
    summary: 'MQTT 5 topic: QoS 1, PUBACK per record, dedup key in user properties.',
    describe: describeOptions(MQTT_OPTIONS),
    create: (options: unknown) => new MqttSink(options as ConstructorParameters<typeof MqttSink>[0]),
  },
  postgres: {
    summary: 'PostgreSQL table: one transaction per batch, INSERT … ON CONFLICT (dedup_key) DO NOTHING.',
    describe: describeOptions(POSTGRES_OPTIONS),
    create: (options: unknown) => new PostgresSink(options as ConstructorParameters<typeof PostgresSink>[0]),
  },
} satisfies Record<string, SinkType>);

export type SinkTypeName = keyof typeof SINK_TYPES;
