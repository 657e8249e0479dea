/** Options of the RabbitMQ sink: what it publishes where, and what it may declare. */
import type { FieldErrors } from '../../../../api/field-errors.js';
import type { PayloadFormat } from '../message.js';
import {
  isBoolean,
  isOneOf,
  isUrlWithScheme,
  type OptionCheck,
  type OptionSpecs,
  PAYLOAD_OPTION,
  TIMEOUT_OPTION,
} from '../options.js';
import { type DestinationRule, isTemplate } from '../template.js';

export const EXCHANGE_TYPES = ['direct', 'topic', 'fanout', 'headers'] as const;
export type ExchangeType = (typeof EXCHANGE_TYPES)[number];

export interface RabbitMqSinkOptions {
  /** Broker URL with credentials and vhost: `amqp://user:pass@host:5672/vhost` (or `amqps:`). */
  url: string;
  /** Exchange to publish to; `""` is the default exchange, which routes by queue name. */
  exchange: string;
  /**
   * Routing key template; `{node}`, `{epoch}` and `{stream}` are filled in per record.
   * @default "{stream}.{node}"
   */
  routingKey?: string;
  /**
   * Declare the exchange (durable, of this type) on connect. Off by default: the sink
   * declares nothing it was not told to, so a typo fails loudly instead of creating an
   * exchange nobody consumes from.
   * @default false
   */
  assertExchange?: false | { type: ExchangeType };
  /**
   * Publish with the `mandatory` flag and fail the batch (EW_NOT_FOUND) when a message
   * routes to no queue, instead of the broker silently dropping it.
   * @default true
   */
  mandatory?: boolean;
  /** @default "data" */
  payload?: PayloadFormat;
  /** @default 10000 */
  timeoutMs?: number;
}

export type ResolvedRabbitMqOptions = Readonly<Required<RabbitMqSinkOptions>>;

/** RabbitMQ accepts at most 255 bytes of routing key (a shortstr). */
export const routingKeyRule: DestinationRule = (key) =>
  Buffer.byteLength(key) <= 255 ? undefined : 'is longer than 255 bytes';

const isExchangeName: OptionCheck = (v) => {
  if (typeof v !== 'string') return 'must be a string ("" for the default exchange)';
  if (Buffer.byteLength(v) > 255) return 'must be at most 255 bytes';
  return /^[A-Za-z0-9_.:-]*$/.test(v) ? undefined : 'may contain only letters, digits, "-", "_", "." and ":"';
};

const isAssertExchange: OptionCheck = (v) => {
  if (v === false) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be false or { type }';
  const keys = Object.keys(v);
  if (keys.length !== 1 || keys[0] !== 'type') return 'must be false or { type } with no other fields';
  const problem = isOneOf(EXCHANGE_TYPES)((v as { type: unknown }).type);
  return problem ? `type ${problem}` : undefined;
};

export const RABBITMQ_OPTIONS: OptionSpecs = {
  url: {
    type: 'string (amqp: or amqps: URL)',
    doc: 'Broker URL with credentials and vhost, e.g. amqp://user:pass@rabbitmq:5672/edge.',
    required: true,
    secret: true,
    check: isUrlWithScheme(['amqp:', 'amqps:']),
  },
  exchange: {
    type: 'string',
    doc: 'Exchange to publish to; "" is the default exchange, which routes by queue name.',
    required: true,
    check: isExchangeName,
  },
  routingKey: {
    type: 'string (template)',
    doc: 'Routing key; {node}, {epoch} and {stream} are filled in per record.',
    default: '{stream}.{node}',
    check: isTemplate(routingKeyRule),
  },
  assertExchange: {
    type: 'false | { type: "direct" | "topic" | "fanout" | "headers" }',
    doc: 'Declare the exchange (durable, of this type) on connect; by default nothing is declared.',
    default: false,
    check: isAssertExchange,
  },
  mandatory: {
    type: 'boolean',
    doc: 'Fail the batch (EW_NOT_FOUND) when a message routes to no queue instead of letting the broker drop it.',
    default: true,
    check: isBoolean,
  },
  payload: PAYLOAD_OPTION,
  timeoutMs: TIMEOUT_OPTION,
};

/** The default exchange always exists and cannot be declared. */
export function checkRabbitMqRelations(
  resolved: Readonly<Record<string, unknown>>,
  errors: FieldErrors,
): void {
  if (resolved.exchange === '' && resolved.assertExchange !== false) {
    errors.forbidden('assertExchange', 'the default exchange ("") cannot be declared');
  }
}
