/**
 * Watches heartbeats: a node silent for `notReadyAfter` becomes NotReady, for
 * `offlineAfter` Offline; both get the `node.kubernetes.io/unreachable:NoExecute`
 * taint and their pods' Ready condition turns False. Nothing is evicted unless a
 * pod opted in (see the eviction rule in docs/scheduling.md); the site keeps
 * serving. When heartbeats resume, the taint goes and the agent's fresh reports
 * bring pod status back.
 */
import { nodeType } from '../../api/kinds/node.js';
import { podType } from '../../api/kinds/pod.js';
import type { KubeObject } from '../../api/object.js';
import { timestamp } from '../service/resource-service.js';
import { BY_NODE, type Controller, type ControllerContext, nodeIndex } from './context.js';
import type { Informer } from './informer.js';

export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

export interface NodeLifecycleOptions {
  /** Silence after which a node is NotReady. @default 40 s */
  notReadyAfterMs?: number;
  /** Silence after which a node is Offline. @default 5 min */
  offlineAfterMs?: number;
  /** How often to look. @default 2 s */
  intervalMs?: number;
  /** When this hub last heard from a node (the link server's memory), if it did. */
  lastSeen: (node: string) => Date | undefined;
  /** Called when a node the controller marked NotReady/Offline is heard from again. */
  onRecovered?: (node: string) => void;
  /** Called for pods on unreachable nodes, for opt-in eviction. */
  onUnreachablePods?: (node: KubeObject, pods: KubeObject[], since: Date) => Promise<void>;
}

type Health = 'Ready' | 'NotReady' | 'Offline';

interface ReadyCondition {
  type: string;
  status: string;
  reason?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

function readyCondition(node: KubeObject): ReadyCondition | undefined {
  return ((node.status as { conditions?: ReadyCondition[] } | undefined)?.conditions ?? []).find(
    (c) => c.type === 'Ready',
  );
}

export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle';
  readonly #ctx: ControllerContext;
  readonly #nodes: Informer;
  readonly #pods: Informer;
  readonly #options: Required<Omit<NodeLifecycleOptions, 'onUnreachablePods' | 'onRecovered'>> &
    Pick<NodeLifecycleOptions, 'onUnreachablePods' | 'onRecovered'>;
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #running: Promise<void> | undefined;

  constructor(ctx: ControllerContext, options: NodeLifecycleOptions) {
    this.#ctx = ctx;
    this.#nodes = ctx.informers.get(nodeType.storage);
    this.#pods = ctx.informers.get(podType.storage);
    this.#pods.addIndex(BY_NODE, nodeIndex);
    this.#options = { notReadyAfterMs: 40_000, offlineAfterMs: 300_000, intervalMs: 2_000, ...options };
  }

  async start(): Promise<void> {
    this.#startedAt = this.#ctx.now().getTime();
    this.#timer = setInterval(() => {
      if (!this.#running) this.#running = this.check().finally(() => (this.#running = undefined));
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  /** One pass over all nodes (exposed for tests). */
  async check(): Promise<void> {
    const now = this.#ctx.now().getTime();
    for (const node of this.#nodes.list()) {
      try {
        await this.#checkNode(node, now);
      } catch (err) {
        this.#ctx.logger.warn({ err: (err as Error).message, node: node.metadata.name }, 'node check failed');
      }
    }
  }

  #lastHeard(node: KubeObject): number {
    const name = node.metadata.name ?? '';
    const inMemory = this.#options.lastSeen(name)?.getTime();
    const persisted = Date.parse(readyCondition(node)?.lastHeartbeatTime ?? '');
    // After a hub restart nothing is in memory yet: count silence from our own start.
    const floor = this.#startedAt;
    return Math.max(inMemory ?? 0, Number.isFinite(persisted) ? persisted : 0, floor);
  }

  async #checkNode(node: KubeObject, now: number): Promise<void> {
    const silence = now - this.#lastHeard(node);
    const health: Health =
      silence >= this.#options.offlineAfterMs
        ? 'Offline'
        : silence >= this.#options.notReadyAfterMs
          ? 'NotReady'
          : 'Ready';
    const ready = readyCondition(node);
    const current: Health =
      ready?.status === 'True'
        ? 'Ready'
        : ready?.reason === 'NodeOffline'
          ? 'Offline'
          : ready
            ? 'NotReady'
            : 'Ready';
    const name = node.metadata.name ?? '';
    const taints = (node.spec as { taints?: { key: string; effect: string }[] } | undefined)?.taints ?? [];
    const tainted = taints.some((t) => t.key === UNREACHABLE_TAINT);
    if (health === 'Ready') {
      if (tainted) await this.#setTaint(name, false);
      if (current !== 'Ready') this.#options.onRecovered?.(name);
      return;
    }
    if (health !== current) {
      const seconds = Math.round(silence / 1000);
      const message =
        health === 'Offline'
          ? `no heartbeat from the agent for ${seconds}s; the node is offline, its workloads keep running at the site`
          : `no heartbeat from the agent for ${seconds}s`;
      await this.#ctx.service.modify(
        nodeType,
        '',
        name,
        (live) => {
          const status = { ...((live.status as Record<string, unknown>) ?? {}) };
          const others = ((status.conditions as ReadyCondition[] | undefined) ?? []).filter(
            (c) => c.type !== 'Ready',
          );
          const previous = readyCondition(live);
          status.conditions = [
            {
              type: 'Ready',
              status: 'Unknown',
              reason: health === 'Offline' ? 'NodeOffline' : 'NodeStatusUnknown',
              message,
              ...(previous?.lastHeartbeatTime && { lastHeartbeatTime: previous.lastHeartbeatTime }),
              lastTransitionTime: timestamp(this.#ctx.now()),
            },
            ...others,
          ];
          return { ...live, status };
        },
        { subresource: 'status' },
      );
      await this.#ctx.recorder.record(
        { apiVersion: 'v1', kind: 'Node', name, ...(node.metadata.uid && { uid: node.metadata.uid }) },
        'Warning',
        health === 'Offline' ? 'NodeOffline' : 'NodeNotReady',
        message,
        'node-lifecycle-controller',
      );
      await this.#markPodsNotReady(name);
    }
    if (!tainted) await this.#setTaint(name, true);
    const pods = this.#pods.byIndex(BY_NODE, name).filter((p) => !p.metadata.deletionTimestamp);
    if (this.#options.onUnreachablePods && pods.length > 0) {
      await this.#options.onUnreachablePods(
        node,
        pods,
        new Date(this.#lastHeard(node) + this.#options.notReadyAfterMs),
      );
    }
  }

  async #setTaint(node: string, present: boolean): Promise<void> {
    await this.#ctx.service.modify(nodeType, '', node, (live) => {
      const spec = { ...((live.spec as Record<string, unknown>) ?? {}) };
      const taints = ((spec.taints as { key: string }[] | undefined) ?? []).filter(
        (t) => t.key !== UNREACHABLE_TAINT,
      );
      if (present)
        taints.push({
          key: UNREACHABLE_TAINT,
          effect: 'NoExecute',
          timeAdded: timestamp(this.#ctx.now()),
        } as { key: string });
      if (taints.length > 0) spec.taints = taints;
      else delete spec.taints;
      return { ...live, spec };
    });
  }

  /** The hub cannot vouch for pods it cannot hear from; their agent will report again on reconnect. */
  async #markPodsNotReady(node: string): Promise<void> {
    for (const pod of this.#pods.byIndex(BY_NODE, node)) {
      const conditions = (pod.status as { conditions?: ReadyCondition[] } | undefined)?.conditions ?? [];
      if (!conditions.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
      await this.#ctx.service
        .modify(
          podType,
          pod.metadata.namespace ?? '',
          pod.metadata.name ?? '',
          (live) => {
            const status = { ...((live.status as Record<string, unknown>) ?? {}) };
            status.conditions = ((status.conditions as ReadyCondition[] | undefined) ?? []).map((c) =>
              c.type === 'Ready' || c.type === 'ContainersReady'
                ? {
                    ...c,
                    status: 'False',
                    reason: 'NodeUnreachable',
                    lastTransitionTime: timestamp(this.#ctx.now()),
                  }
                : c,
            );
            return { ...live, status };
          },
          { subresource: 'status' },
        )
        .catch((err: unknown) => {
          if ((err as { code?: string }).code !== 'EW_NOT_FOUND') throw err;
        });
    }
  }
}
