/**
 * Turns what nodes report about their policy and data ConfigMaps into kube-mgmt's
 * status annotation, `openpolicyagent.org/kube-mgmt-status`, on each ConfigMap:
 * `{"status":"ok"}` while every node that reported on the current version loaded
 * it, `{"status":"error","error":"node <n>: <why>"}` once one rejected it. The
 * value also names the version (`fingerprint`, over labels and data) it is about:
 * a report on an older version is ignored, and an error sticks until the content
 * changes — so a version costs at most two writes however many nodes report.
 */
import type { Logger } from 'pino';
import { configMapType } from '../../api/kinds/core.js';
import { nodeType } from '../../api/kinds/node.js';
import { EDGE_POLICY, edgePolicyFingerprint, type PolicySourceStatus } from '../../api/link-protocol.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceService } from '../service/resource-service.js';
import { targetsNode } from './targeting.js';

export interface KubeMgmtStatus {
  status: 'ok' | 'error';
  error?: string;
  fingerprint?: string;
}

const MAX_ERROR = 2048;

export function readStatus(object: KubeObject): KubeMgmtStatus | undefined {
  const text = object.metadata.annotations?.[EDGE_POLICY.statusAnnotation];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as KubeMgmtStatus;
  } catch {
    return undefined;
  }
}

/** The annotation after `node` reported `report` on `object`'s current version, or undefined to leave it. */
export function nextStatus(
  object: KubeObject,
  node: string,
  report: PolicySourceStatus,
): KubeMgmtStatus | undefined {
  const fingerprint = edgePolicyFingerprint(object);
  if (report.fingerprint !== fingerprint || report.uid !== (object.metadata.uid ?? '')) return undefined;
  const current = readStatus(object);
  if (current?.fingerprint === fingerprint && (current.status === 'error' || report.status === 'ok'))
    return undefined;
  if (report.status === 'ok') return { status: 'ok', fingerprint };
  const error = `node ${node}: ${report.error ?? 'rejected'}`;
  return {
    status: 'error',
    error: error.length > MAX_ERROR ? `${error.slice(0, MAX_ERROR - 1)}…` : error,
    fingerprint,
  };
}

class Unchanged extends Error {}

export class StatusWriter {
  readonly #service: ResourceService;
  readonly #log: Logger;

  constructor(options: { service: ResourceService; logger: Logger }) {
    this.#service = options.service;
    this.#log = options.logger;
  }

  /** Applies one node's reports; failures are logged, never thrown (the link stays up). */
  async apply(node: string, reports: readonly PolicySourceStatus[]): Promise<void> {
    const nodeObject = await this.#service.find(nodeType, '', node);
    if (!nodeObject) return;
    for (const report of reports) {
      try {
        await this.#applyOne(node, nodeObject, report);
      } catch (err) {
        if (err instanceof Unchanged) continue;
        this.#log.warn(
          { err, node, configMap: `${report.namespace}/${report.name}` },
          'could not record policy status',
        );
      }
    }
  }

  async #applyOne(node: string, nodeObject: KubeObject, report: PolicySourceStatus): Promise<void> {
    const object = await this.#service.find(configMapType, report.namespace, report.name);
    // Only a node the ConfigMap targets may speak about it.
    if (!object || !targetsNode(object, nodeObject) || !nextStatus(object, node, report)) return;
    await this.#service.modify(configMapType, report.namespace, report.name, (live) => {
      const next = nextStatus(live, node, report);
      if (!next) throw new Unchanged();
      return {
        ...live,
        metadata: {
          ...live.metadata,
          annotations: { ...live.metadata.annotations, [EDGE_POLICY.statusAnnotation]: JSON.stringify(next) },
        },
      };
    });
  }
}
