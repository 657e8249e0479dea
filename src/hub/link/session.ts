/**
 * One connected node. After `hello` it sends the difference between what the agent
 * holds and what it should hold, then follows the store: every change to the node's
 * pods, and to objects those pods reference, goes down the link in revision order.
 */
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { nodeType } from '../../api/kinds/node.js';
import { podType } from '../../api/kinds/pod.js';
import {
  type AgentMessage,
  type DesiredChange,
  decodeLinkMessage,
  type HubMessage,
  LINK_PROTOCOL_VERSION,
  LinkClose,
  type NodeReport,
} from '../../api/link-protocol.js';
import type { KubeObject } from '../../api/object.js';
import type { Store, StoreWatchEvent } from '../../store/store.js';
import {
  inventoryKey,
  keyOf,
  readDesiredSet,
  readTargeted,
  referencedKeys,
  SHIPPED_RESOURCES,
  type ShippingRule,
  splitKey,
} from './desired.js';

export interface SessionHooks {
  store: Store;
  /** Objects shipped to nodes by their labels (policy bundles, data sync). */
  shipping: readonly ShippingRule[];
  heartbeatSeconds: number;
  onHello(node: string, report: NodeReport): Promise<void>;
  onHeartbeat(node: string, report: NodeReport): void;
  onOutbox(node: string, message: Extract<AgentMessage, { type: 'outbox' }>): Promise<void>;
  /** Handlers features registered for their own message types. */
  extensions: ReadonlyMap<string, LinkMessageHandler>;
  onClose(session: NodeSession): void;
}

/**
 * Handles a feature's own link message (decision logs, data batches). `reply` sends
 * a message back on the same link; throwing closes the link so the agent resends.
 */
export type LinkMessageHandler = (
  node: string,
  message: Record<string, unknown>,
  reply: (message: { type: string } & Record<string, unknown>) => void,
) => Promise<void>;

/** Events buffered while the initial difference is computed; beyond this the agent resyncs. */
const MAX_BUFFERED_EVENTS = 100_000;

export class NodeSession {
  readonly node: string;
  readonly #ws: WebSocket;
  readonly #hooks: SessionHooks;
  readonly #log: Logger;
  /** key → resourceVersion of what the agent holds (as far as the hub has sent). */
  readonly #held = new Map<string, string>();
  readonly #pods = new Map<string, KubeObject>();
  #needed = new Set<string>();
  /** Keys shipped because a ShippingRule selects them for this node. */
  #targeted = new Set<string>();
  /** The Node object, whose labels the shipping rules read. */
  #nodeObject: KubeObject | undefined;
  #syncedAt = -1;
  #buffer: StoreWatchEvent[] = [];
  #chain: Promise<void> = Promise.resolve();
  /** Objects sent by the last resync, and those the agent already held (for tests and metrics). */
  lastSync = { sent: 0, unchanged: 0 };
  lastAckedRevision = 0;

  constructor(node: string, ws: WebSocket, hooks: SessionHooks, logger: Logger) {
    this.node = node;
    this.#ws = ws;
    this.#hooks = hooks;
    this.#log = logger.child({ component: 'hub.link', node });
    ws.on('message', (data) => this.#enqueue(() => this.#handle(String(data))));
    // Keepalive: a link whose TCP connection died silently (a cut cable, a NAT timeout)
    // would otherwise look open forever. Pings go out every heartbeat interval; three
    // missed pongs end the session.
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    const keepalive = setInterval(() => {
      if (!alive) {
        this.#log.warn('no pong from the agent for three heartbeat intervals; dropping the link');
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, hooks.heartbeatSeconds * 3000);
    keepalive.unref();
    ws.on('close', () => {
      clearInterval(keepalive);
      hooks.onClose(this);
    });
    ws.on('error', (err) => this.#log.warn({ err: err.message }, 'link error'));
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
  }

  /** Asks the agent to send every pod's status again (after the hub marked them unknown). */
  requestReport(): void {
    this.#send({ v: LINK_PROTOCOL_VERSION, type: 'report-status' });
  }

  /**
   * Sends a feature's own message to the agent (hub-initiated requests such as
   * `logs-open`); the agent answers with messages the feature registered through
   * `LinkServer.handle`. Returns false when the link is not synced or is closing.
   */
  send(message: { type: string } & Record<string, unknown>): boolean {
    if (this.#syncedAt < 0 || this.#ws.readyState !== this.#ws.OPEN) return false;
    this.#ws.send(JSON.stringify({ ...message, v: LINK_PROTOCOL_VERSION }));
    return true;
  }

  /** Called once when this link closes (features end what they stream over it); returns an unsubscribe. */
  onClose(listener: () => void): () => void {
    if (this.#ws.readyState === this.#ws.CLOSED) {
      listener();
      return () => {};
    }
    this.#ws.once('close', listener);
    return () => this.#ws.off('close', listener);
  }

  /** A store event from the link server's shared watch. */
  deliver(event: StoreWatchEvent): void {
    const isOwnNode = event.resource === nodeType.storage && event.object.metadata.name === this.node;
    if (
      !SHIPPED_RESOURCES.has(event.resource) &&
      !isOwnNode &&
      !this.#hooks.shipping.some((r) => r.resource === event.resource)
    )
      return;
    if (this.#syncedAt < 0) {
      if (this.#buffer.length >= MAX_BUFFERED_EVENTS) {
        this.close(LinkClose.PROTOCOL_ERROR, 'too far behind; reconnect to resync');
        return;
      }
      this.#buffer.push(event);
      return;
    }
    this.#enqueue(() => this.#apply(event));
  }

  #enqueue(task: () => Promise<void>): void {
    this.#chain = this.#chain.then(task).catch((err: unknown) => {
      this.#log.error({ err }, 'link session failed; closing so the agent resyncs');
      this.close(LinkClose.PROTOCOL_ERROR, 'hub error; reconnect to resync');
    });
  }

  #send(message: HubMessage): void {
    this.#ws.send(JSON.stringify(message));
  }

  async #handle(raw: string): Promise<void> {
    const message = decodeLinkMessage<AgentMessage>(raw);
    if ('error' in message) {
      this.#send({ v: LINK_PROTOCOL_VERSION, type: 'error', code: 'EW_BAD_REQUEST', message: message.error });
      this.close(
        message.version !== undefined ? LinkClose.UNSUPPORTED_VERSION : LinkClose.PROTOCOL_ERROR,
        message.error.slice(0, 120),
      );
      return;
    }
    switch (message.type) {
      case 'hello':
        return this.#hello(message);
      case 'ack':
        this.lastAckedRevision = Math.max(this.lastAckedRevision, message.revision);
        return;
      case 'heartbeat':
        this.#hooks.onHeartbeat(this.node, message.report);
        return;
      case 'outbox':
        await this.#hooks.onOutbox(this.node, message);
        this.#send({ v: LINK_PROTOCOL_VERSION, type: 'outbox-ack', seq: message.seq });
        return;
      default: {
        const type = (message as { type: string }).type;
        const extension = this.#hooks.extensions.get(type);
        if (extension) {
          await extension(this.node, message as unknown as Record<string, unknown>, (reply) =>
            this.#ws.send(JSON.stringify({ ...reply, v: LINK_PROTOCOL_VERSION })),
          );
          return;
        }
        this.#send({
          v: LINK_PROTOCOL_VERSION,
          type: 'error',
          code: 'EW_BAD_REQUEST',
          message: `unknown message type ${type}`,
        });
      }
    }
  }

  async #hello(message: Extract<AgentMessage, { type: 'hello' }>): Promise<void> {
    if (message.node !== this.node) {
      this.#send({
        v: LINK_PROTOCOL_VERSION,
        type: 'error',
        code: 'EW_FORBIDDEN',
        message: `this credential belongs to node ${this.node}, not ${message.node}`,
      });
      this.close(LinkClose.UNAUTHORIZED, 'node name does not match credential');
      return;
    }
    await this.#hooks.onHello(this.node, message.report);
    this.#nodeObject = await this.#hooks.store.get({
      resource: nodeType.storage,
      namespace: '',
      name: this.node,
    });
    const desired = await readDesiredSet(
      this.#hooks.store,
      this.node,
      this.#hooks.shipping,
      this.#nodeObject,
    );
    const held = new Map(message.inventory.map((e) => [inventoryKey(e), e.resourceVersion]));
    const changes: DesiredChange[] = [];
    let unchanged = 0;
    for (const [key, { resource, object }] of desired.objects) {
      if (held.get(key) === object.metadata.resourceVersion) unchanged++;
      else changes.push({ op: 'upsert', resource, object });
      this.#held.set(key, object.metadata.resourceVersion ?? '');
      if (resource === podType.storage) this.#pods.set(key, object);
    }
    this.#targeted = desired.targeted;
    for (const key of held.keys()) {
      if (!desired.objects.has(key))
        changes.push({ op: 'delete', resource: splitKey(key).resource, object: stub(key) });
    }
    this.#needed = referencedKeys(this.#pods.values());
    this.lastSync = { sent: changes.length, unchanged };
    this.#send({
      v: LINK_PROTOCOL_VERSION,
      type: 'sync',
      revision: desired.revision,
      changes,
      unchanged,
      heartbeatSeconds: this.#hooks.heartbeatSeconds,
    });
    this.#syncedAt = desired.revision;
    this.#log.info(
      { sent: changes.length, unchanged, revision: desired.revision, agentRevision: message.lastRevision },
      'node synced',
    );
    const buffered = this.#buffer;
    this.#buffer = [];
    for (const event of buffered) await this.#apply(event);
  }

  async #apply(event: StoreWatchEvent): Promise<void> {
    if (event.revision <= this.#syncedAt) return;
    const changes: DesiredChange[] = [];
    const key = keyOf(event.resource, event.object);
    if (event.resource === nodeType.storage) {
      if (event.object.metadata.name !== this.node || event.type === 'DELETED') return;
      const before = JSON.stringify(this.#nodeObject?.metadata.labels ?? {});
      this.#nodeObject = event.object;
      if (before !== JSON.stringify(event.object.metadata.labels ?? {})) await this.#retarget(changes);
    } else if (event.resource === podType.storage) {
      const onNode = event.type !== 'DELETED' && nodeOf(event.object) === this.node;
      const wasOnNode = this.#pods.has(key);
      if (!onNode && !wasOnNode) return;
      if (onNode) {
        this.#pods.set(key, event.object);
        this.#upsert(changes, event.resource, key, event.object);
      } else {
        this.#pods.delete(key);
        this.#remove(changes, event.resource, key, event.object);
      }
      await this.#reconcileReferences(changes);
    } else {
      const rules = this.#hooks.shipping.filter((r) => r.resource === event.resource);
      const node = this.#nodeObject;
      if (rules.length > 0 && node) {
        const selected = event.type !== 'DELETED' && rules.some((r) => r.selects(event.object, node));
        if (selected) this.#targeted.add(key);
        else this.#targeted.delete(key);
      }
      const wanted = this.#needed.has(key) || this.#targeted.has(key);
      if (event.type === 'DELETED' || !wanted) this.#remove(changes, event.resource, key, event.object);
      else this.#upsert(changes, event.resource, key, event.object);
    }
    if (changes.length > 0)
      this.#send({ v: LINK_PROTOCOL_VERSION, type: 'changes', revision: event.revision, changes });
  }

  /** The node's labels changed: ship what now targets it, withdraw what no longer does. */
  async #retarget(changes: DesiredChange[]): Promise<void> {
    if (!this.#nodeObject) return;
    const targeted = await readTargeted(this.#hooks.store, this.#hooks.shipping, this.#nodeObject);
    this.#targeted = new Set(targeted.keys());
    for (const key of [...this.#held.keys()]) {
      const { resource } = splitKey(key);
      if (resource !== podType.storage && !this.#needed.has(key) && !this.#targeted.has(key))
        this.#remove(changes, resource, key, stub(key));
    }
    for (const [key, { resource, object }] of targeted) this.#upsert(changes, resource, key, object);
  }

  /** After the node's pods changed: ship newly referenced objects, withdraw unreferenced ones. */
  async #reconcileReferences(changes: DesiredChange[]): Promise<void> {
    const needed = referencedKeys(this.#pods.values());
    for (const key of [...this.#held.keys()]) {
      const { resource } = splitKey(key);
      if (resource !== podType.storage && !needed.has(key) && !this.#targeted.has(key))
        this.#remove(changes, resource, key, stub(key));
    }
    for (const key of needed) {
      if (this.#held.has(key)) continue;
      const { resource, namespace, name } = splitKey(key);
      const object = await this.#hooks.store.get({ resource, namespace, name });
      if (object) this.#upsert(changes, resource, key, object);
    }
    this.#needed = needed;
  }

  #upsert(changes: DesiredChange[], resource: string, key: string, object: KubeObject): void {
    if (this.#held.get(key) === object.metadata.resourceVersion) return;
    this.#held.set(key, object.metadata.resourceVersion ?? '');
    changes.push({ op: 'upsert', resource, object });
  }

  #remove(changes: DesiredChange[], resource: string, key: string, object: KubeObject): void {
    if (!this.#held.delete(key)) return;
    changes.push({ op: 'delete', resource, object });
  }
}

function nodeOf(pod: KubeObject): string | undefined {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName;
}

/** A minimal object naming what to delete. */
function stub(key: string): KubeObject {
  const { namespace, name } = splitKey(key);
  return { apiVersion: 'v1', kind: 'Unknown', metadata: { name, ...(namespace && { namespace }) } };
}
