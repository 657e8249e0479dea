/**
 * The hub's side of node registration and heartbeats: creates the Node object on
 * first contact (as kubelet registers itself), keeps the labels the agent owns in
 * sync, and writes reported status — without writing every heartbeat to the store.
 */
import type { Logger } from 'pino';
import { EdgewiseError } from '../../api/errors.js';
import { nodeType } from '../../api/kinds/node.js';
import type { NodeReport } from '../../api/link-protocol.js';
import type { KubeObject } from '../../api/object.js';
import { type ResourceService, timestamp } from '../service/resource-service.js';

/** Labels the agent reports about its machine; kept current on every connect. */
const MACHINE_LABELS = ['kubernetes.io/arch', 'kubernetes.io/os', 'kubernetes.io/hostname'];

export interface NodeStatusOptions {
  service: ResourceService;
  logger: Logger;
  now: () => Date;
  /** Persist an unchanged heartbeat at most this often. @default 60 s */
  persistEveryMs?: number;
}

interface Seen {
  at: Date;
  persistedAt: number;
  lastReport: string;
}

export class NodeStatusWriter {
  readonly #service: ResourceService;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #persistEveryMs: number;
  readonly #seen = new Map<string, Seen>();

  constructor(options: NodeStatusOptions) {
    this.#service = options.service;
    this.#log = options.logger.child({ component: 'hub.nodes' });
    this.#now = options.now;
    this.#persistEveryMs = options.persistEveryMs ?? 60_000;
  }

  /** Makes the next heartbeat write the node's status (its stored Ready condition is stale). */
  forgetPersisted(node: string): void {
    const seen = this.#seen.get(node);
    if (seen) seen.persistedAt = 0;
  }

  /** When this hub last heard from the node, if it did since it started. */
  lastSeen(node: string): Date | undefined {
    return this.#seen.get(node)?.at;
  }

  async register(node: string, report: NodeReport): Promise<void> {
    const existing = await this.#service.find(nodeType, '', node);
    if (!existing) {
      try {
        await this.#service.create(nodeType, '', {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: node, labels: report.labels },
          spec: {},
          status: this.#statusWithReady(report.status),
        });
        this.#log.info({ labels: report.labels }, `node ${node} registered`);
        this.#mark(node, report, true);
        return;
      } catch (err) {
        if (!EdgewiseError.isCode(err, 'EW_ALREADY_EXISTS')) throw err;
      }
    }
    await this.#service.modify(nodeType, '', node, (live) => {
      const labels = { ...(live.metadata.labels ?? {}) };
      for (const key of MACHINE_LABELS)
        if (report.labels[key] !== undefined) labels[key] = report.labels[key] as string;
      return { ...live, metadata: { ...live.metadata, labels } };
    });
    await this.#writeStatus(node, report);
  }

  /** Records a heartbeat; writes the store only when something changed or the last write is old. */
  heartbeat(node: string, report: NodeReport): void {
    const seen = this.#seen.get(node);
    const changed = !seen || seen.lastReport !== JSON.stringify(report.status);
    const stale = !seen || this.#now().getTime() - seen.persistedAt >= this.#persistEveryMs;
    this.#mark(node, report, false);
    if (changed || stale) {
      this.#writeStatus(node, report).catch((err: unknown) =>
        this.#log.warn({ err: (err as Error).message, node }, 'could not write node status'),
      );
    }
  }

  #mark(node: string, report: NodeReport, persisted: boolean): void {
    const previous = this.#seen.get(node);
    this.#seen.set(node, {
      at: this.#now(),
      persistedAt: persisted ? this.#now().getTime() : (previous?.persistedAt ?? 0),
      lastReport: JSON.stringify(report.status),
    });
  }

  async #writeStatus(node: string, report: NodeReport): Promise<void> {
    await this.#service.modify(
      nodeType,
      '',
      node,
      (live) => ({ ...live, status: this.#statusWithReady(report.status, live) }),
      { subresource: 'status' },
    );
    this.#mark(node, report, true);
  }

  /** The agent's reported status plus a Ready=True condition: the agent is posting heartbeats. */
  #statusWithReady(status: Record<string, unknown>, live?: KubeObject): Record<string, unknown> {
    const now = timestamp(this.#now());
    const previous = (
      (
        live?.status as
          | { conditions?: { type: string; status: string; lastTransitionTime?: string }[] }
          | undefined
      )?.conditions ?? []
    ).find((c) => c.type === 'Ready');
    const since = previous?.status === 'True' ? (previous.lastTransitionTime ?? now) : now;
    const others = ((status.conditions as { type: string }[] | undefined) ?? []).filter(
      (c) => c.type !== 'Ready',
    );
    return {
      ...status,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'AgentReady',
          message: 'the agent is posting heartbeats',
          lastHeartbeatTime: now,
          lastTransitionTime: since,
        },
        ...others,
      ],
    };
  }
}
