/**
 * The hub end of agent links: authenticates WebSocket upgrades on /link/v1, runs
 * one store watch shared by every node session, and applies what agents report
 * (pod status, events, finished deletions).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { EdgewiseError } from '../../api/errors.js';
import { podType } from '../../api/kinds/pod.js';
import { type AgentMessage, LINK_PATH, LINK_SUBPROTOCOL, LinkClose } from '../../api/link-protocol.js';
import type { Store, Watch } from '../../store/store.js';
import type { EventRecorder } from '../events.js';
import type { ResourceService } from '../service/resource-service.js';
import type { ShippingRule } from './desired.js';
import { NodeStatusWriter } from './node-status.js';
import { type LinkMessageHandler, NodeSession } from './session.js';

export interface LinkServerOptions {
  service: ResourceService;
  store: Store;
  recorder: EventRecorder;
  logger: Logger;
  /** Maps the upgrade request's bearer credential to a node name, or throws EW_UNAUTHORIZED. */
  authenticateNode: (credential: string) => Promise<string>;
  /** Objects shipped to nodes by their labels; features add rules before agents connect. */
  shipping?: ShippingRule[];
  /** Interval agents are asked to heartbeat at. @default 10 */
  heartbeatSeconds?: number;
  now?: () => Date;
}

export class LinkServer {
  readonly nodes: NodeStatusWriter;
  readonly #options: LinkServerOptions;
  readonly #log: Logger;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Map<string, NodeSession>();
  #watch: Watch | undefined;
  #loop: Promise<void> | undefined;
  #closed = false;

  constructor(options: LinkServerOptions) {
    this.#options = options;
    this.shipping.push(...(options.shipping ?? []));
    this.#log = options.logger.child({ component: 'hub.link' });
    this.nodes = new NodeStatusWriter({
      service: options.service,
      logger: options.logger,
      now: options.now ?? (() => new Date()),
    });
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: 64 * 1024 * 1024,
      handleProtocols: (protocols) => (protocols.has(LINK_SUBPROTOCOL) ? LINK_SUBPROTOCOL : false),
    });
  }

  get heartbeatSeconds(): number {
    return this.#options.heartbeatSeconds ?? 10;
  }

  session(node: string): NodeSession | undefined {
    return this.#sessions.get(node);
  }

  connected(node: string): boolean {
    return this.#sessions.has(node);
  }

  /**
   * A node the hub had marked unreachable is heard from again: write its Ready status
   * at the next heartbeat and ask its agent to re-report every pod, since the hub
   * marked them not ready while it could not hear them.
   */
  recover(node: string): void {
    this.nodes.forgetPersisted(node);
    this.#sessions.get(node)?.requestReport();
  }

  /** Starts the shared watch; call before accepting links. */
  async start(): Promise<void> {
    const from = await this.#options.store.revision();
    this.#follow(from);
  }

  #follow(fromRevision: number): void {
    const watch = this.#options.store.watch({ fromRevision });
    this.#watch = watch;
    this.#loop = (async () => {
      let last = fromRevision;
      try {
        for await (const event of watch) {
          last = event.revision;
          for (const session of this.#sessions.values()) session.deliver(event);
        }
      } catch (err) {
        if (this.#closed) return;
        // Lost our place in the history: every session resyncs by reconnecting.
        this.#log.warn({ err: (err as Error).message }, 'link watch ended; asking agents to resync');
        for (const session of this.#sessions.values()) session.close(LinkClose.PROTOCOL_ERROR, 'hub resync');
        this.#follow(await this.#options.store.revision().catch(() => last));
      }
    })();
  }

  /** For the HTTP server's 'upgrade' event; returns false for paths that are not the link. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    if (url.pathname !== LINK_PATH) return false;
    const header = req.headers.authorization ?? '';
    const credential = header.startsWith('Bearer ') ? header.slice(7) : '';
    this.#options
      .authenticateNode(credential)
      .then((node) => {
        this.#wss.handleUpgrade(req, socket, head, (ws) => {
          const previous = this.#sessions.get(node);
          // One link per node: a reconnect replaces a half-dead old socket.
          previous?.close(LinkClose.REPLACED, 'replaced by a new connection');
          const session = new NodeSession(node, ws, this.#hooks(), this.#options.logger);
          this.#sessions.set(node, session);
        });
      })
      .catch((err: unknown) => {
        const status = EdgewiseError.is(err) ? err.status : 500;
        const message = EdgewiseError.is(err) ? err.message : 'internal error';
        socket.end(
          `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Error'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${message}\n`,
        );
      });
    return true;
  }

  /** Rules for objects shipped to nodes by their labels; add before agents connect. */
  readonly shipping: ShippingRule[] = [];
  readonly #extensions = new Map<string, LinkMessageHandler>();

  /** Registers a handler for a feature's own agent message type. */
  handle(type: string, handler: LinkMessageHandler): void {
    if (['hello', 'ack', 'heartbeat', 'outbox'].includes(type) || this.#extensions.has(type)) {
      throw new Error(`link message type "${type}" is already handled`);
    }
    this.#extensions.set(type, handler);
  }

  #hooks() {
    return {
      store: this.#options.store,
      shipping: this.shipping,
      extensions: this.#extensions,
      heartbeatSeconds: this.heartbeatSeconds,
      onHello: (node: string, report: Parameters<NodeStatusWriter['register']>[1]) =>
        this.nodes.register(node, report),
      onHeartbeat: (node: string, report: Parameters<NodeStatusWriter['heartbeat']>[1]) =>
        this.nodes.heartbeat(node, report),
      onOutbox: (node: string, message: Extract<AgentMessage, { type: 'outbox' }>) =>
        this.#applyOutbox(node, message),
      onClose: (session: NodeSession) => {
        if (this.#sessions.get(session.node) === session) this.#sessions.delete(session.node);
      },
    };
  }

  /** Stores what the agent reported; throws (so nothing is acknowledged) if the store is down. */
  async #applyOutbox(node: string, message: Extract<AgentMessage, { type: 'outbox' }>): Promise<void> {
    const { service, recorder } = this.#options;
    for (const report of message.pods) {
      await ignoreMissing(
        service.modify(
          podType,
          report.namespace,
          report.name,
          (live) => {
            if (live.metadata.uid !== report.uid || (live.spec as { nodeName?: string }).nodeName !== node)
              throw gone();
            return { ...live, status: report.status };
          },
          { subresource: 'status' },
        ),
      );
    }
    for (const event of message.events) {
      await recorder.record(
        event.involvedObject,
        event.type,
        event.reason,
        event.message,
        `edgewise-agent, ${node}`,
      );
    }
    for (const pod of message.terminated) {
      await ignoreMissing(
        service.delete(podType, pod.namespace, pod.name, {
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.uid },
        }),
      );
    }
  }

  /** Ends every agent link (they redial); the HTTP server cannot finish closing while upgraded sockets live. */
  disconnectAll(): void {
    for (const session of this.#sessions.values()) session.close(LinkClose.SHUTDOWN, 'hub shutting down');
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const session of this.#sessions.values()) session.close(LinkClose.SHUTDOWN, 'hub shutting down');
    this.#watch?.close();
    await this.#loop;
    this.#wss.close();
  }
}

function gone(): EdgewiseError {
  return new EdgewiseError('EW_NOT_FOUND', 'pod was replaced');
}

/** A report about a pod that is gone (or was replaced by one of the same name) is moot. */
async function ignoreMissing(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (err) {
    if (EdgewiseError.isCode(err, 'EW_NOT_FOUND')) return;
    if (EdgewiseError.isCode(err, 'EW_CONFLICT') && /UID in precondition/.test((err as Error).message))
      return;
    throw err;
  }
}
