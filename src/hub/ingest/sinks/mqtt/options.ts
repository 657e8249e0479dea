/** Options of the MQTT sink. */
import type { PayloadFormat } from '../message.js';
import {
  isBoolean,
  isNonEmptyString,
  isUrlWithScheme,
  type OptionCheck,
  type OptionSpecs,
  PAYLOAD_OPTION,
  TIMEOUT_OPTION,
} from '../options.js';
import { type DestinationRule, isTemplate } from '../template.js';

export interface MqttSinkOptions {
  /** Broker URL: `mqtt://host:1883`, `mqtts://…`, `ws://…` or `wss://…`; may carry `user:pass@`. */
  url: string;
  /**
   * Topic template; `{node}`, `{epoch}` and `{stream}` are filled in per record.
   * @default "edgewise/{stream}/{node}"
   */
  topic?: string;
  /** @default "edgewise-sink-" and 12 random hex digits, new for each sink */
  clientId?: string;
  username?: string;
  password?: string;
  /**
   * Fail the batch (EW_NOT_FOUND) when the broker reports that no subscription matched
   * a message (MQTT 5 PUBACK 0x10), since such a message reaches nobody.
   * @default true
   */
  requireSubscriber?: boolean;
  /** @default "data" */
  payload?: PayloadFormat;
  /** @default 10000 */
  timeoutMs?: number;
}

export type ResolvedMqttOptions = Readonly<
  Required<Omit<MqttSinkOptions, 'clientId' | 'username' | 'password'>> &
    Pick<MqttSinkOptions, 'clientId' | 'username' | 'password'>
>;

/** A topic to publish to: no wildcards, no NUL, not a `$` system topic, at most 65535 bytes. */
export const topicRule: DestinationRule = (topic) => {
  if (/[+#]/.test(topic) || topic.includes('\u0000')) return 'may not contain "+", "#" or NUL';
  if (topic.startsWith('$')) return 'may not start with "$" (reserved for the broker)';
  if (Buffer.byteLength(topic) > 65_535) return 'is longer than 65535 bytes';
  return undefined;
};

/** MQTT 5 allows up to 23 characters everywhere and more where the broker agrees; stay portable. */
const isClientId: OptionCheck = (v) =>
  typeof v === 'string' && /^[0-9A-Za-z_-]{1,64}$/.test(v)
    ? undefined
    : 'must be 1 to 64 letters, digits, "-" or "_"';

export const MQTT_OPTIONS: OptionSpecs = {
  url: {
    type: 'string (mqtt:, mqtts:, ws: or wss: URL)',
    doc: 'Broker URL, e.g. mqtt://mosquitto:1883; may carry user:pass@.',
    required: true,
    secret: true,
    check: isUrlWithScheme(['mqtt:', 'mqtts:', 'ws:', 'wss:']),
  },
  topic: {
    type: 'string (template)',
    doc: 'Topic; {node}, {epoch} and {stream} are filled in per record.',
    default: 'edgewise/{stream}/{node}',
    check: isTemplate(topicRule),
  },
  clientId: {
    type: 'string',
    doc: "MQTT client identifier; by default a random one per sink, so two hubs never take over each other's session.",
    check: isClientId,
  },
  username: { type: 'string', doc: 'User name, if not in the URL.', check: isNonEmptyString },
  password: { type: 'string', doc: 'Password, if not in the URL.', secret: true, check: isNonEmptyString },
  requireSubscriber: {
    type: 'boolean',
    doc: 'Fail the batch (EW_NOT_FOUND) when no subscription matches a message (PUBACK 0x10) instead of letting it reach nobody.',
    default: true,
    check: isBoolean,
  },
  payload: PAYLOAD_OPTION,
  timeoutMs: TIMEOUT_OPTION,
};
