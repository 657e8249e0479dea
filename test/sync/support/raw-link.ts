/**
 * A hand-driven agent link: joins as a node, says hello, then sends whatever data-sync
 * messages a test composes and hands back the hub's answers — for checking the
 * ingest's rules message by message (duplicates, order, gaps, restarts).
 */
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { joinHub } from '../../../src/agent/join.js';
import { LINK_PATH, LINK_PROTOCOL_VERSION, LINK_SUBPROTOCOL } from '../../../src/api/link-protocol.js';

export interface NodeIdentity {
  node: string;
  credential: string;
  caPem: string;
}

export async function joinAs(hubUrl: string, token: string, node: string): Promise<NodeIdentity> {
  const joined = await joinHub({ hubUrl, token, nodeName: node, machineId: randomUUID() });
  return { node, credential: joined.credential, caPem: joined.caPem };
}

type Message = { type: string } & Record<string, unknown>;

export class RawLink {
  readonly #ws: WebSocket;
  readonly #inbox: Message[] = [];
  readonly #waiters: { type: string; resolve: (m: Message) => void }[] = [];

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Message;
      const i = this.#waiters.findIndex(
        (w) => w.type === message.type || (w.type === 'answer' && message.type.startsWith('stream-')),
      );
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(message);
      else this.#inbox.push(message);
    });
  }

  static async open(hubUrl: string, id: NodeIdentity, labels: Record<string, string> = {}): Promise<RawLink> {
    const ws = new WebSocket(`${hubUrl.replace(/^https/, 'wss')}${LINK_PATH}`, LINK_SUBPROTOCOL, {
      headers: { Authorization: `Bearer ${id.credential}` },
      ca: id.caPem,
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const link = new RawLink(ws);
    link.send({
      type: 'hello',
      node: id.node,
      agentVersion: 'raw-link',
      lastRevision: 0,
      inventory: [],
      report: { labels, status: {} },
    });
    await link.next('sync');
    return link;
  }

  send(message: Message): void {
    this.#ws.send(JSON.stringify({ v: LINK_PROTOCOL_VERSION, ...message }));
  }

  /** The next message of `type` (`answer`: the next stream-ack or stream-nack). */
  next(type: string, timeoutMs = 10_000): Promise<Message> {
    const i = this.#inbox.findIndex(
      (m) => m.type === type || (type === 'answer' && m.type.startsWith('stream-')),
    );
    if (i >= 0) return Promise.resolve(this.#inbox.splice(i, 1)[0] as Message);
    return new Promise((resolve, reject) => {
      const waiter = { type, resolve };
      this.#waiters.push(waiter);
      setTimeout(() => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) {
          this.#waiters.splice(at, 1);
          reject(new Error(`no ${type} from the hub within ${timeoutMs} ms`));
        }
      }, timeoutMs).unref();
    });
  }

  /** Sends a batch and returns the hub's answer to it. */
  async batch(fields: Record<string, unknown>): Promise<Message> {
    this.send({ type: 'stream-batch', ...fields });
    return this.next('answer');
  }

  close(): void {
    this.#ws.terminate();
  }
}

/** Records seq from..to, each `{n: seq}`. */
export function records(from: number, to: number, time = new Date().toISOString()) {
  return Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, time, data: { n: from + i } }));
}
