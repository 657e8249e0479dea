/**
 * Ships the decision log to the hub over the link: one batch in flight at a time
 * (`decisions {log, seq, entries, dropped}`), trimmed locally only when the hub answers
 * `decisions-ack {seq}` — after the entries are durable there. A link that drops
 * mid-batch resends the batch after the next sync; the hub ignores entries it has.
 */
import type { Logger } from 'pino';
import { EDGE_POLICY } from '../../api/link-protocol.js';
import type { LinkClient } from '../link/client.js';
import type { DecisionLog } from './decision-log.js';

/** Socket bytes beyond which shipping waits (decisions must not crowd out desired state). */
const HIGH_WATER = 1 << 20;

export class DecisionShipper {
  readonly #log: DecisionLog;
  readonly #link: LinkClient;
  readonly #batchSize: number;
  readonly #logger: Logger;
  #inFlight: number | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: { log: DecisionLog; link: LinkClient; batchSize: number; logger: Logger }) {
    this.#log = options.log;
    this.#link = options.link;
    this.#batchSize = options.batchSize;
    this.#logger = options.logger;
    options.link.on(EDGE_POLICY.messages.decisionsAck, (message) => this.#acked(Number(message.seq)));
    options.link.onSynced(() => {
      // A new link: whatever was in flight on the old one is sent again.
      this.#inFlight = undefined;
      this.#log.release();
      this.pump();
    });
  }

  /** Sends the next batch if the link is up and nothing is waiting for its ack. */
  pump(): void {
    if (this.#closed || this.#inFlight !== undefined || !this.#link.connected) return;
    if (this.#link.bufferedAmount > HIGH_WATER) {
      this.#retry ??= setTimeout(() => {
        this.#retry = undefined;
        this.pump();
      }, 100).unref();
      return;
    }
    const batch = this.#log.peek(this.#batchSize);
    if (!batch) return;
    this.#inFlight = batch.seq;
    const sent = this.#link.send({
      type: EDGE_POLICY.messages.decisions,
      log: this.#log.id,
      seq: batch.seq,
      entries: batch.entries,
      dropped: this.#log.dropped,
    });
    if (!sent) {
      this.#inFlight = undefined;
      this.#log.release();
    }
  }

  #acked(seq: number): void {
    if (this.#inFlight === undefined || seq !== this.#inFlight) {
      this.#logger.debug({ seq, inFlight: this.#inFlight }, 'ignoring a stale decisions-ack');
      return;
    }
    this.#log.ack(seq);
    this.#inFlight = undefined;
    this.pump();
  }

  close(): void {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
  }
}
