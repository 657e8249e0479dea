/**
 * The agent end of the link: dials the hub (outbound only, so NAT is no obstacle),
 * says what it holds, makes every change durable before acknowledging it, drains
 * the outbox one acknowledged batch at a time, heartbeats, and redials with
 * back-off whenever the connection drops.
 */
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import {
  type AgentMessage,
  decodeLinkMessage,
  type HubMessage,
  LINK_PATH,
  LINK_PROTOCOL_VERSION,
  LINK_SUBPROTOCOL,
  type NodeReport,
} from '../../api/link-protocol.js';
import { AGENT_VERSION } from '../node-report.js';
import type { AgentState } from '../state/agent-state.js';

export interface LinkClientOptions {
  hubUrl: string;
  credential: string;
  /** PEM of the hub's CA, pinned at join. */
  caPem?: string;
  nodeName: string;
  state: AgentState;
  report: () => NodeReport;
  logger: Logger;
  /** Desired state changed (after it is durable). */
  onChanges: () => void;
  /** A link came up and synced: the agent re-reports status so the hub converges. */
  onSynced: () => void;
  /** Redial delays. @default { minMs: 500, maxMs: 15000 } */
  backoff?: { minMs: number; maxMs: number };
  /** Largest outbox batch. @default 500 */
  batchSize?: number;
}

export interface LinkStats {
  connects: number;
  /** Per completed sync: how many objects the hub sent and how many it did not need to. */
  syncs: { sent: number; unchanged: number }[];
}

export class LinkClient {
  readonly stats: LinkStats = { connects: 0, syncs: [] };
  readonly #o: LinkClientOptions;
  readonly #log: Logger;
  #ws: WebSocket | undefined;
  #closed = false;
  #synced = false;
  #inFlight: number | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #redial: NodeJS.Timeout | undefined;
  #attempt = 0;
  #lastError = '';
  /** When anything (a message or a keepalive ping) last came from the hub. */
  #heardAt = 0;
  readonly #handlers = new Map<string, (message: Record<string, unknown>) => void>();
  readonly #onSync = new Set<() => void>();

  /** Handles a feature's own hub message type (acks for decision logs, data batches). */
  on(type: string, handler: (message: Record<string, unknown>) => void): void {
    this.#handlers.set(type, handler);
  }

  /** Called after every completed sync (the link is up): features flush what they queued. */
  onSynced(listener: () => void): void {
    this.#onSync.add(listener);
  }

  /** Sends a feature's message if the link is up; returns false when it is not. */
  send(message: { type: string } & Record<string, unknown>): boolean {
    if (!this.#synced || !this.#ws) return false;
    this.#ws.send(JSON.stringify({ v: LINK_PROTOCOL_VERSION, ...message }));
    return true;
  }

  /** Bytes queued on the socket: features use it for flow control. */
  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  constructor(options: LinkClientOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'agent.link' });
  }

  get connected(): boolean {
    return this.#synced;
  }

  start(): void {
    this.#dial();
  }

  #dial(): void {
    if (this.#closed) return;
    const url = `${this.#o.hubUrl.replace(/^http/, 'ws').replace(/\/$/, '')}${LINK_PATH}`;
    const ws = new WebSocket(url, LINK_SUBPROTOCOL, {
      headers: { Authorization: `Bearer ${this.#o.credential}` },
      ...(this.#o.caPem && { ca: this.#o.caPem }),
      handshakeTimeout: 10_000,
      maxPayload: 64 * 1024 * 1024,
    });
    this.#ws = ws;
    ws.on('open', () => {
      this.#attempt = 0;
      this.stats.connects++;
      const state = this.#o.state;
      this.#send({
        v: LINK_PROTOCOL_VERSION,
        type: 'hello',
        node: this.#o.nodeName,
        agentVersion: AGENT_VERSION,
        lastRevision: state.lastRevision,
        inventory: state.inventory(),
        report: this.#o.report(),
      });
    });
    ws.on('message', (data) => {
      this.#heardAt = Date.now();
      this.#handle(String(data));
    });
    ws.on('ping', () => {
      this.#heardAt = Date.now();
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => this.#note(`hub refused the link (${res.statusCode}): ${body.trim()}`));
    });
    ws.on('error', (err) => this.#note(`link error: ${err.message}`));
    ws.on('close', (code, reason) => {
      this.#synced = false;
      this.#inFlight = undefined;
      if (this.#heartbeat) clearInterval(this.#heartbeat);
      if (this.#ws === ws) this.#ws = undefined;
      if (code >= 4000) this.#note(`hub closed the link (${code}): ${reason.toString()}`);
      this.#scheduleRedial();
    });
  }

  /** Logs a connection problem once per distinct message, so a long outage does not flood the log. */
  #note(message: string): void {
    if (message === this.#lastError) return;
    this.#lastError = message;
    this.#log.warn(message);
  }

  #scheduleRedial(): void {
    if (this.#closed || this.#redial) return;
    const { minMs, maxMs } = this.#o.backoff ?? { minMs: 500, maxMs: 15_000 };
    const delay = Math.min(maxMs, minMs * 2 ** this.#attempt) * (0.5 + Math.random() / 2);
    this.#attempt++;
    this.#redial = setTimeout(() => {
      this.#redial = undefined;
      this.#dial();
    }, delay);
    this.#redial.unref();
  }

  #send(message: AgentMessage): void {
    this.#ws?.send(JSON.stringify(message));
  }

  #handle(raw: string): void {
    const message = decodeLinkMessage<HubMessage>(raw);
    if ('error' in message) {
      this.#note(`hub sent something this agent cannot read: ${message.error}`);
      this.#ws?.close(1002, 'protocol error');
      return;
    }
    switch (message.type) {
      case 'sync': {
        // Durable first, acknowledged second: a crash in between means the hub resends.
        this.#o.state.applyChanges(message.revision, message.changes);
        this.#send({ v: LINK_PROTOCOL_VERSION, type: 'ack', revision: message.revision });
        this.stats.syncs.push({ sent: message.changes.length, unchanged: message.unchanged });
        this.#synced = true;
        this.#lastError = '';
        this.#log.info({ sent: message.changes.length, unchanged: message.unchanged }, 'synced with hub');
        if (this.#heartbeat) clearInterval(this.#heartbeat);
        this.#heartbeat = setInterval(() => {
          // The hub pings every three heartbeat intervals; silence for twice that means
          // the connection died without closing (a cut link): drop it and redial.
          if (Date.now() - this.#heardAt > message.heartbeatSeconds * 6000) {
            this.#note('no word from the hub; redialling');
            this.#ws?.terminate();
            return;
          }
          this.#send({ v: LINK_PROTOCOL_VERSION, type: 'heartbeat', report: this.#o.report() });
        }, message.heartbeatSeconds * 1000);
        this.#heartbeat.unref();
        if (message.changes.length > 0) this.#o.onChanges();
        this.#o.onSynced();
        for (const listener of this.#onSync) listener();
        this.flush();
        return;
      }
      case 'changes':
        this.#o.state.applyChanges(message.revision, message.changes);
        this.#send({ v: LINK_PROTOCOL_VERSION, type: 'ack', revision: message.revision });
        this.#o.onChanges();
        return;
      case 'outbox-ack':
        if (this.#inFlight !== undefined && message.seq === this.#inFlight) {
          this.#o.state.ackOutbox(message.seq);
          this.#inFlight = undefined;
          this.flush();
        }
        return;
      case 'report-status':
        this.#o.onSynced();
        this.flush();
        return;
      case 'error':
        this.#note(`hub reported ${message.code}: ${message.message}`);
        return;
      default: {
        const handler = this.#handlers.get((message as { type: string }).type);
        if (handler) handler(message as unknown as Record<string, unknown>);
        else this.#note(`hub sent an unknown message type ${(message as { type: string }).type}`);
      }
    }
  }

  /** Sends the next outbox batch if connected and none is waiting for its ack. */
  flush(): void {
    if (!this.#synced || this.#inFlight !== undefined) return;
    const batch = this.#o.state.peekOutbox(this.#o.batchSize ?? 500);
    if (!batch) return;
    this.#inFlight = batch.seq;
    this.#send({ v: LINK_PROTOCOL_VERSION, type: 'outbox', ...batch });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#redial) clearTimeout(this.#redial);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    const ws = this.#ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'agent shutting down');
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 2000).unref();
      });
    }
  }
}
