/**
 * Publishes records to a RabbitMQ exchange over a confirm channel: persistent
 * messages, `messageId` = the record's dedup key, metadata in `edgewise-*` headers.
 * A batch resolves once the broker has confirmed every message (for a durable queue
 * RabbitMQ confirms only after the message is on disk), and fails if any message is
 * nacked or, with `mandatory`, returned as unroutable.
 */
import { type ChannelModel, type ConfirmChannel, connect, type Message, type Options } from 'amqplib';
import { EdgewiseError } from '../../../../api/errors.js';
import type { SinkRecord } from '../../sink.js';
import { ConnectedSink, type OnLost } from '../connected-sink.js';
import { ConnectionLostError, describeCause, unavailable } from '../errors.js';
import { CONTENT_TYPE, encodeBody, HEADERS } from '../message.js';
import { redactUrl, resolveOptions } from '../options.js';
import { compileTemplate, renderAll, type Template } from '../template.js';
import { classifyAmqp, NackedError } from './classify.js';
import {
  checkRabbitMqRelations,
  RABBITMQ_OPTIONS,
  type RabbitMqSinkOptions,
  type ResolvedRabbitMqOptions,
  routingKeyRule,
} from './options.js';

interface Outgoing {
  readonly routingKey: string;
  readonly body: Buffer;
  readonly options: Options.Publish & { messageId: string };
}

/** One batch awaiting confirms; collects the first of its messages the broker returned. */
interface PendingBatch {
  readonly ids: ReadonlySet<string>;
  unroutable?: Message;
}

/** What the broker told us about a connection, kept up to date by its events. */
interface AmqpStatus {
  /** Set while the broker blocks publishers (a memory or disk alarm), with its reason. */
  blocked?: string;
  /** Why the broker closed the channel: the 404 that names a missing exchange, … */
  channelError?: Error;
}

interface AmqpConnection {
  readonly model: ChannelModel;
  readonly channel: ConfirmChannel;
  readonly status: AmqpStatus;
  /** Resolves when the connection has closed, for whatever reason. */
  readonly closed: Promise<void>;
  readonly pending: Set<PendingBatch>;
}

export class RabbitMqSink extends ConnectedSink<AmqpConnection, Outgoing[]> {
  readonly name: string;
  readonly options: ResolvedRabbitMqOptions;
  readonly #routingKey: Template;
  readonly #where: string;

  constructor(options: RabbitMqSinkOptions) {
    const resolved = resolveOptions<ResolvedRabbitMqOptions>(
      'rabbitmq',
      options,
      RABBITMQ_OPTIONS,
      checkRabbitMqRelations,
    );
    super(resolved.timeoutMs);
    this.options = resolved;
    this.#routingKey = compileTemplate(resolved.routingKey);
    this.name = `rabbitmq:${resolved.exchange}/${resolved.routingKey}`;
    this.#where = `RabbitMQ at ${redactUrl(resolved.url)}`;
  }

  protected prepare(batch: readonly SinkRecord[]): Outgoing[] {
    const keys = renderAll(this.#routingKey, routingKeyRule, batch, 'routing key');
    return batch.map((record, i) => {
      if (Buffer.byteLength(record.dedupKey) > 255) {
        // message-id is an AMQP shortstr; a longer key could not be the id consumers dedup on.
        throw new EdgewiseError(
          'EW_INVALID',
          `sink ${this.name}: record ${record.dedupKey}: a dedup key over 255 bytes cannot be an AMQP message-id`,
        );
      }
      const millis = Date.parse(record.time);
      return {
        routingKey: keys[i] as string,
        body: encodeBody(record, this.options.payload),
        options: {
          persistent: true,
          mandatory: this.options.mandatory,
          messageId: record.dedupKey,
          contentType: CONTENT_TYPE,
          appId: 'edgewise',
          // AMQP timestamps are whole seconds; the exact time is in the edgewise-time header.
          ...(Number.isFinite(millis) ? { timestamp: Math.floor(millis / 1000) } : {}),
          headers: {
            [HEADERS.node]: record.node,
            [HEADERS.epoch]: record.epoch,
            [HEADERS.stream]: record.stream,
            [HEADERS.seq]: record.seq,
            [HEADERS.time]: record.time,
          },
        },
      };
    });
  }

  protected async connect(onLost: OnLost): Promise<AmqpConnection> {
    const model = await connect(this.options.url, {
      timeout: this.options.timeoutMs,
      clientProperties: { connection_name: `edgewise ${this.name}` },
    });
    const pending = new Set<PendingBatch>();
    const status: AmqpStatus = {};
    // amqplib emits 'error' and then 'close'; without an 'error' listener it would throw.
    model.on('error', () => {});
    const closed = new Promise<void>((resolve) => {
      model.on('close', (err?: Error) => {
        resolve();
        onLost(new ConnectionLostError(err ? describeCause(err) : undefined));
      });
    });
    model.on('blocked', (reason: string) => {
      status.blocked = reason;
    });
    model.on('unblocked', () => {
      status.blocked = undefined;
    });
    try {
      const channel = await model.createConfirmChannel();
      channel.on('error', (err: Error) => {
        status.channelError = err;
      });
      // The broker closes the channel on a channel-level error (404 exchange, 406, …);
      // the connection stays up but this sink cannot publish on it any more.
      channel.on('close', () => onLost(status.channelError ?? new ConnectionLostError('channel closed')));
      channel.on('return', (message: Message) => {
        const id = message.properties.messageId as string | undefined;
        for (const batch of pending) if (id !== undefined && batch.ids.has(id)) batch.unroutable ??= message;
      });
      const assert = this.options.assertExchange;
      if (assert !== false) {
        await channel.assertExchange(this.options.exchange, assert.type, { durable: true });
      }
      return { model, channel, status, closed, pending };
    } catch (err) {
      await Promise.race([model.close(), closed]).catch(() => {});
      throw status.channelError ?? err;
    }
  }

  protected async send(conn: AmqpConnection, batch: Outgoing[]): Promise<void> {
    if (conn.status.blocked !== undefined) {
      throw unavailable(this.name, `${this.#where} blocks publishers: ${conn.status.blocked}`);
    }
    const pending: PendingBatch = { ids: new Set(batch.map((m) => m.options.messageId)) };
    conn.pending.add(pending);
    try {
      // Publishing everything and then awaiting the confirms pipelines the batch over
      // one channel, which keeps the order. amqplib buffers past its high-water mark
      // rather than refusing, and the hub bounds a batch, so the buffer is bounded too.
      await Promise.all(
        batch.map(
          (m) =>
            new Promise<void>((resolve, reject) => {
              conn.channel.publish(this.options.exchange, m.routingKey, m.body, m.options, (err: unknown) => {
                if (!err) resolve();
                else if (describeCause(err) === 'message nacked')
                  reject(new NackedError(m.options.messageId));
                else reject(conn.status.channelError ?? err);
              });
            }),
        ),
      );
      // RabbitMQ sends basic.return before the basic.ack of the same message, so every
      // return for this batch has arrived by the time all its confirms have.
      if (pending.unroutable) throw this.#unroutable(pending.unroutable);
    } finally {
      conn.pending.delete(pending);
    }
  }

  protected async disconnect(conn: AmqpConnection): Promise<void> {
    // close() waits for the broker's close-ok, which never comes when the socket died
    // under it; the connection's own 'close' event ends the wait in that case.
    await Promise.race([conn.model.close(), conn.closed]);
  }

  protected classify(err: unknown): EdgewiseError {
    return classifyAmqp(this.name, this.#where, err);
  }

  #unroutable(message: Message): EdgewiseError {
    const { exchange, routingKey, replyText } = message.fields as { exchange: string; routingKey: string } & {
      replyText?: string;
    };
    return new EdgewiseError(
      'EW_NOT_FOUND',
      `sink ${this.name}: message ${String(message.properties.messageId)} was returned ${replyText ?? 'unroutable'}: ` +
        `no queue is bound to exchange "${exchange}" for routing key "${routingKey}"; ` +
        'bind one (or set mandatory: false to let the broker drop such messages)',
    );
  }
}
