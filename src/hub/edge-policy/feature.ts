/**
 * The hub's edge policy feature: ships policy and data ConfigMaps (kube-mgmt's
 * labels) to the nodes their node selector targets, checks them at admission,
 * stores the decision logs agents send and serves them for audit, and writes what
 * nodes report about loading them into kube-mgmt's status annotation.
 */
import { Counter } from 'prom-client';
import { type DecisionLogEntry, EDGE_POLICY, type PolicySourceStatus } from '../../api/link-protocol.js';
import type { HubFeature } from '../feature.js';
import type { Hub } from '../hub.js';
import { edgePolicyAdmission } from './admission.js';
import { DecisionStore, type DecisionStoreOptions } from './decision-store.js';
import { decisionsRoute } from './decisions-route.js';
import { StatusWriter } from './status-writer.js';
import { edgePolicyShippingRule } from './targeting.js';

export interface EdgePolicyHubOptions {
  /** Decision log entries kept at the hub; the oldest go first. @default 1000000 */
  maxDecisions?: number;
  /** Days a decision log entry is kept at the hub. @default 90 */
  retentionDays?: number;
}

/** How often retention runs besides when the count limit is passed. */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

function validEntry(e: unknown): e is DecisionLogEntry {
  if (e === null || typeof e !== 'object') return false;
  const x = e as Record<string, unknown>;
  return (
    Number.isSafeInteger(x.seq) &&
    (x.seq as number) > 0 &&
    typeof x.decision_id === 'string' &&
    typeof x.timestamp === 'string' &&
    typeof x.path === 'string' &&
    typeof x.revision === 'number' &&
    typeof x.eval_ns === 'number'
  );
}

export class EdgePolicyHubFeature implements HubFeature {
  readonly name = 'edge-policy';
  readonly #options: EdgePolicyHubOptions;
  #store: DecisionStore | undefined;

  constructor(options: EdgePolicyHubOptions = {}) {
    this.#options = options;
  }

  /** The decision log store (opened at install). */
  get decisions(): DecisionStore {
    if (!this.#store) throw new Error('the edge policy feature is not installed');
    return this.#store;
  }

  install(hub: Hub): void {
    const log = hub.logger.child({ component: 'hub.edge-policy' });
    const storeOptions: DecisionStoreOptions = { dataDir: hub.dataDir };
    if (this.#options.maxDecisions !== undefined) storeOptions.maxEntries = this.#options.maxDecisions;
    if (this.#options.retentionDays !== undefined) storeOptions.maxAgeDays = this.#options.retentionDays;
    const store = new DecisionStore(storeOptions);
    this.#store = store;
    hub.admission.add(edgePolicyAdmission);
    hub.routes.push(decisionsRoute(() => this.decisions));
    const received = new Counter({
      name: 'edgewise_hub_edge_decisions_total',
      help: 'Edge policy decisions received from agents, by outcome',
      labelNames: ['outcome'],
      registers: [hub.metrics],
    });
    const dropped = new Counter({
      name: 'edgewise_hub_edge_decisions_dropped_total',
      help: 'Edge policy decisions agents discarded before shipping them (local log full)',
      registers: [hub.metrics],
    });
    let pruneTimer: NodeJS.Timeout | undefined;
    hub.extraControllers.push({
      name: 'edge-policy-decisions',
      async start() {
        pruneTimer = setInterval(() => store.prune(), PRUNE_INTERVAL_MS);
        pruneTimer.unref();
      },
      async stop() {
        if (pruneTimer) clearInterval(pruneTimer);
        store.close();
      },
    });
    const link = hub.link;
    if (!link) return;
    link.shipping.push(edgePolicyShippingRule);
    link.handle(EDGE_POLICY.messages.decisions, async (node, message, reply) => {
      const seq = Number(message.seq);
      const raw = Array.isArray(message.entries) ? (message.entries as unknown[]) : [];
      const entries = raw.filter(validEntry);
      if (entries.length < raw.length)
        log.warn({ node, malformed: raw.length - entries.length }, 'skipping malformed decision log entries');
      const logId = typeof message.log === 'string' ? message.log : '';
      const before = store.droppedBy(node, logId);
      const agentDropped = Number.isSafeInteger(message.dropped) ? (message.dropped as number) : before;
      // Durable before the ack: a crash here means the agent sends the batch again.
      const { outcomes } = store.append(node, logId, entries, agentDropped);
      for (const [outcome, n] of Object.entries(outcomes)) received.inc({ outcome }, n);
      if (agentDropped > before) dropped.inc(agentDropped - before);
      reply({ type: EDGE_POLICY.messages.decisionsAck, seq });
    });
    const writer = new StatusWriter({ service: hub.service, logger: log });
    link.handle(EDGE_POLICY.messages.status, async (node, message) => {
      const statuses = Array.isArray(message.statuses) ? (message.statuses as PolicySourceStatus[]) : [];
      await writer.apply(node, statuses);
    });
  }
}

/** The feature for `createHub({ features })`. */
export function edgePolicyFeature(options?: EdgePolicyHubOptions): EdgePolicyHubFeature {
  return new EdgePolicyHubFeature(options);
}
