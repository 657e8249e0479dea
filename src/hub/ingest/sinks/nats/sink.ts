/**
 * Publishes records to NATS JetStream with `Nats-Msg-Id` set to the record's dedup
 * key, awaiting every PubAck. JetStream drops a message whose id it has already
 * stored within the stream's duplicate window (2 minutes by default) and acks it with
 * `duplicate: true`, which this sink counts as delivered: the record is durable.
 *
 * The window being time-bounded is fine here: the hub deduplicates durably, for good,
 * before it calls a sink, so the only repeats a sink sees are redeliveries of a batch
 * that was never acknowledged (a timeout, a lost connection, a hub crash), and those
 * come within seconds or minutes, inside the window. A redelivery after a longer hub
 * outage could be stored twice; consumers that must never see a repeat dedup on the
 * `Nats-Msg-Id` (or `edgewise-dedup-key`) header too.
 */
import {
  connect,
  headers,
  type JetStreamClient,
  type JetStreamPublishOptions,
  type NatsConnection,
} from 'nats';
import type { EdgewiseError } from '../../../../api/errors.js';
import type { SinkRecord } from '../../sink.js';
import { ConnectedSink, type OnLost } from '../connected-sink.js';
import { ConnectionLostError, describeCause } from '../errors.js';
import { encodeBody, stringHeaders } from '../message.js';
import { resolveOptions } from '../options.js';
import { compileTemplate, renderAll, type Template } from '../template.js';
import { classifyNats, PublishError } from './classify.js';
import {
  checkNatsAuth,
  NATS_OPTIONS,
  type NatsSinkOptions,
  type ResolvedNatsOptions,
  subjectRule,
} from './options.js';

interface Outgoing {
  readonly subject: string;
  readonly body: Uint8Array;
  readonly msgID: string;
  readonly headers: Record<string, string>;
}

interface NatsLink {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
}

export class NatsJetStreamSink extends ConnectedSink<NatsLink, Outgoing[]> {
  readonly name: string;
  readonly options: ResolvedNatsOptions;
  readonly #subject: Template;
  readonly #where: string;

  constructor(options: NatsSinkOptions) {
    const resolved = resolveOptions<ResolvedNatsOptions>('nats', options, NATS_OPTIONS, checkNatsAuth);
    super(resolved.timeoutMs);
    this.options = resolved;
    this.#subject = compileTemplate(resolved.subject);
    this.name = `nats:${resolved.subject}`;
    this.#where = `NATS at ${[resolved.servers].flat().join(',')}`;
  }

  protected prepare(batch: readonly SinkRecord[]): Outgoing[] {
    const subjects = renderAll(this.#subject, subjectRule, batch, 'subject');
    return batch.map((record, i) => ({
      subject: subjects[i] as string,
      body: encodeBody(record, this.options.payload),
      msgID: record.dedupKey,
      headers: stringHeaders(record),
    }));
  }

  protected async connect(onLost: OnLost): Promise<NatsLink> {
    const { user, password, token } = this.options;
    const nc = await connect({
      servers: this.options.servers,
      name: `edgewise ${this.name}`,
      // Reconnection is the next delivery's job (see connected-sink.ts): the client's
      // own would buffer publishes of a failed batch and send them later.
      reconnect: false,
      timeout: this.options.timeoutMs,
      ...(user !== undefined ? { user, pass: password } : {}),
      ...(token !== undefined ? { token } : {}),
    });
    void nc.closed().then((err) => onLost(new ConnectionLostError(err ? describeCause(err) : undefined)));
    return { nc, js: nc.jetstream({ timeout: this.options.timeoutMs }) };
  }

  protected async send(link: NatsLink, batch: Outgoing[]): Promise<void> {
    // All publishes go out before any ack is awaited: one connection keeps them in
    // order, and the batch costs one round trip instead of one per record.
    await Promise.all(
      batch.map((m) => {
        const h = headers();
        for (const [key, value] of Object.entries(m.headers)) h.set(key, value);
        const options: Partial<JetStreamPublishOptions> = {
          msgID: m.msgID,
          headers: h,
          timeout: this.options.timeoutMs,
          ...(this.options.expectStream ? { expect: { streamName: this.options.expectStream } } : {}),
        };
        // A PubAck with duplicate: true resolves too: the record is already stored.
        return link.js.publish(m.subject, m.body, options).catch((err: unknown) => {
          throw new PublishError(m.subject, err);
        });
      }),
    );
  }

  protected async disconnect(link: NatsLink): Promise<void> {
    await link.nc.close();
  }

  protected classify(err: unknown): EdgewiseError {
    return classifyNats(this.name, this.#where, this.options.subject, err);
  }
}
