/**
 * Tells the hub how the node's policy and data ConfigMaps loaded: a Warning Event on
 * a ConfigMap whose new version was rejected (through the outbox, so it survives
 * outages), and the full status list as a `policy-status` message after every sync
 * and change — the hub turns it into kube-mgmt's status annotation.
 */
import type { EventReport, PolicySourceStatus } from '../../api/link-protocol.js';
import { EDGE_POLICY } from '../../api/link-protocol.js';
import type { LinkClient } from '../link/client.js';
import type { AgentState } from '../state/agent-state.js';

const MAX_MESSAGE = 1024;

export function rejectionEvent(status: PolicySourceStatus, now: Date): EventReport {
  const what = status.kind === 'policy' ? 'policy' : 'data';
  const kept = status.inForce
    ? `the previous version (${status.inForce}) stays in force`
    : `nothing from this ConfigMap is in force`;
  let message = `${what} version ${status.fingerprint} rejected: ${status.error ?? 'unknown error'}; ${kept}`;
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE - 1)}…`;
  return {
    involvedObject: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: status.namespace,
      name: status.name,
      ...(status.uid && { uid: status.uid }),
    },
    type: 'Warning',
    reason: status.kind === 'policy' ? 'PolicyRejected' : 'DataRejected',
    message,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

export class StatusReporter {
  readonly #state: AgentState;
  readonly #link: LinkClient;
  #statuses: PolicySourceStatus[] = [];

  constructor(options: { state: AgentState; link: LinkClient }) {
    this.#state = options.state;
    this.#link = options.link;
    options.link.onSynced(() => this.#send());
  }

  /** After a reload: queue Events for new rejections and send the statuses if anything changed. */
  report(statuses: PolicySourceStatus[], updated: readonly PolicySourceStatus[]): void {
    this.#statuses = statuses;
    const now = new Date();
    let queued = false;
    for (const status of updated) {
      if (status.status !== 'error') continue;
      this.#state.enqueueEvent(rejectionEvent(status, now));
      queued = true;
    }
    if (queued) this.#link.flush();
    if (updated.length > 0) this.#send();
  }

  #send(): void {
    if (this.#statuses.length === 0) return;
    this.#link.send({ type: EDGE_POLICY.messages.status, statuses: this.#statuses });
  }
}
