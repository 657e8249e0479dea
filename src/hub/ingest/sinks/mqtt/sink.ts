/**
 * Publishes records to an MQTT 5 broker at QoS 1 and resolves once every PUBACK is
 * in. The dedup key and the metadata ride as MQTT 5 user properties (and, with
 * `payload: "record"`, in the body for MQTT 3.1.1 subscribers, which do not see them).
 *
 * What a PUBACK promises is weaker than a queue's confirm: the broker has taken the
 * message and passed it to the subscriptions that exist now (queued for persistent
 * sessions). So by default a PUBACK saying no subscription matched (0x10) fails the
 * batch rather than counting a message that reached nobody as delivered.
 */
import { randomBytes } from 'node:crypto';
import { type IClientPublishOptions, type MqttClient, connect as mqttConnect } from 'mqtt';
import type { EdgewiseError } from '../../../../api/errors.js';
import type { SinkRecord } from '../../sink.js';
import { ConnectedSink, type OnLost } from '../connected-sink.js';
import { ConnectionLostError, describeCause } from '../errors.js';
import { CONTENT_TYPE, encodeBody, stringHeaders } from '../message.js';
import { redactUrl, resolveOptions } from '../options.js';
import { compileTemplate, renderAll, type Template } from '../template.js';
import { classifyMqtt, NoSubscriberError } from './classify.js';
import { MQTT_OPTIONS, type MqttSinkOptions, type ResolvedMqttOptions, topicRule } from './options.js';
import { Window } from './window.js';

/** PUBACK reason code 0x10: accepted, but no subscription matched. */
const NO_MATCHING_SUBSCRIBERS = 0x10;
/** What MQTT 5 assumes when the CONNACK has no Receive Maximum. */
const DEFAULT_RECEIVE_MAXIMUM = 65_535;

interface Outgoing {
  readonly topic: string;
  readonly body: Buffer;
  readonly options: IClientPublishOptions;
}

interface MqttLink {
  readonly client: MqttClient;
  /** In-flight publishes, capped by the broker's Receive Maximum. */
  readonly window: Window;
  /** Message ids whose PUBACK said "no matching subscribers", until their callback runs. */
  readonly unmatched: Set<number>;
}

export class MqttSink extends ConnectedSink<MqttLink, Outgoing[]> {
  readonly name: string;
  readonly options: ResolvedMqttOptions;
  readonly #topic: Template;
  readonly #where: string;
  readonly #clientId: string;

  constructor(options: MqttSinkOptions) {
    const resolved = resolveOptions<ResolvedMqttOptions>('mqtt', options, MQTT_OPTIONS);
    super(resolved.timeoutMs);
    this.options = resolved;
    this.#topic = compileTemplate(resolved.topic);
    this.name = `mqtt:${resolved.topic}`;
    this.#where = `MQTT broker at ${redactUrl(resolved.url)}`;
    this.#clientId = resolved.clientId ?? `edgewise-sink-${randomBytes(6).toString('hex')}`;
  }

  protected prepare(batch: readonly SinkRecord[]): Outgoing[] {
    const topics = renderAll(this.#topic, topicRule, batch, 'topic');
    return batch.map((record, i) => ({
      topic: topics[i] as string,
      body: encodeBody(record, this.options.payload),
      options: {
        qos: 1,
        properties: {
          userProperties: stringHeaders(record),
          contentType: CONTENT_TYPE,
          payloadFormatIndicator: true,
        },
      },
    }));
  }

  protected connect(onLost: OnLost): Promise<MqttLink> {
    const { username, password } = this.options;
    const client = mqttConnect(this.options.url, {
      protocolVersion: 5,
      clientId: this.#clientId,
      // Nothing to resume: the sink subscribes to nothing and a failed batch is
      // redelivered whole by the hub.
      clean: true,
      // Reconnection is the next delivery's job (see connected-sink.ts); the client's
      // own would resend a failed batch's queued messages behind the hub's back.
      reconnectPeriod: 0,
      connectTimeout: this.options.timeoutMs,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
    });
    const unmatched = new Set<number>();
    client.on('packetreceive', (packet) => {
      // mqtt.js reports 0x10 as success and hides the reason code from the publish
      // callback, which runs after this event for the same message id.
      if (packet.cmd === 'puback' && packet.reasonCode === NO_MATCHING_SUBSCRIBERS && packet.messageId) {
        unmatched.add(packet.messageId);
      }
    });
    let lastError: Error | undefined;
    return new Promise<MqttLink>((resolve, reject) => {
      let link: MqttLink | undefined;
      client.on('error', (err) => {
        lastError = err;
        if (!link) reject(err);
      });
      client.on('close', () => {
        const cause = new ConnectionLostError(lastError ? describeCause(lastError) : 'connection closed');
        link?.window.abort(cause);
        if (link) onLost(cause);
        else reject(lastError ?? cause);
      });
      client.once('connect', (connack) => {
        const receiveMaximum = connack.properties?.receiveMaximum ?? DEFAULT_RECEIVE_MAXIMUM;
        link = { client, window: new Window(receiveMaximum), unmatched };
        resolve(link);
      });
    }).catch((err: unknown) => {
      client.end(true);
      throw err;
    });
  }

  protected async send(link: MqttLink, batch: Outgoing[]): Promise<void> {
    const acks: Promise<void>[] = [];
    for (const m of batch) {
      await link.window.acquire();
      const ack = new Promise<void>((resolve, reject) => {
        link.client.publish(m.topic, m.body, m.options, (err, packet) => {
          link.window.release();
          const id = packet && 'messageId' in packet ? packet.messageId : undefined;
          const unmatched = id !== undefined && link.unmatched.delete(id);
          if (err) reject(err);
          else if (unmatched && this.options.requireSubscriber) reject(new NoSubscriberError(m.topic));
          else resolve();
        });
      });
      // Awaited below with the rest; an early failure must not count as unhandled meanwhile.
      ack.catch(() => {});
      acks.push(ack);
    }
    await Promise.all(acks);
  }

  protected async disconnect(link: MqttLink): Promise<void> {
    const { client } = link;
    if (!client.connected) {
      client.end(true);
      return;
    }
    // A graceful end sends DISCONNECT after the in-flight PUBACKs; a broker that stops
    // answering must not hold close() forever, so it is forced after the timeout.
    const timer = setTimeout(() => client.end(true), this.options.timeoutMs);
    try {
      await client.endAsync();
    } finally {
      clearTimeout(timer);
    }
  }

  protected classify(err: unknown): EdgewiseError {
    return classifyMqtt(this.name, this.#where, err);
  }
}
