/**
 * What data sync ships to nodes. DataSyncs go to the nodes their nodeSelector picks.
 * Their egress policy ConfigMaps must reach the same nodes, but a shipping rule sees
 * only the ConfigMap and the node — so the hub writes onto each policy ConfigMap an
 * annotation listing the node selectors of the DataSyncs that use it, and the rule
 * reads that. Rewriting the annotation when DataSyncs change is also what makes the
 * link re-evaluate the ConfigMap for every connected node.
 */
import type { Logger } from 'pino';
import { EdgewiseError } from '../../api/errors.js';
import { configMapType } from '../../api/kinds/core.js';
import {
  DATA_SYNC_STORAGE,
  type DataSync,
  KUBE_MGMT_POLICY_LABEL,
  selectsNode,
} from '../../api/kinds/data-sync.js';
import type { KubeObject } from '../../api/object.js';
import type { Informer } from '../controllers/informer.js';
import type { ShippingRule } from '../link/desired.js';
import type { ResourceService } from '../service/resource-service.js';

/** On policy ConfigMaps: JSON array of the nodeSelectors of the DataSyncs using them. */
export const POLICY_FOR_ANNOTATION = 'edgewise.io/egress-policy-for';

export const dataSyncShipping: ShippingRule = {
  resource: DATA_SYNC_STORAGE,
  selects: (ds, node) => selectsNode(ds as DataSync, node.metadata.labels),
};

export const policyShipping: ShippingRule = {
  resource: configMapType.storage,
  selects: (cm, node) => {
    const text = cm.metadata.annotations?.[POLICY_FOR_ANNOTATION];
    if (!text) return false;
    try {
      const selectors = JSON.parse(text) as Record<string, string>[];
      const labels = node.metadata.labels ?? {};
      return selectors.some((sel) => Object.entries(sel).every(([k, v]) => labels[k] === v));
    } catch {
      return false;
    }
  },
};

/** The annotation each ConfigMap should carry, by `namespace/name` (absent: none). */
export function desiredAnnotations(
  dataSyncs: readonly DataSync[],
  configMaps: readonly KubeObject[],
): Map<string, string> {
  const selectors = new Map<string, Set<string>>();
  const add = (key: string, selector: Record<string, string>) => {
    const sorted = Object.fromEntries(Object.entries(selector).sort(([a], [b]) => a.localeCompare(b)));
    const set = selectors.get(key) ?? new Set<string>();
    selectors.set(key, set);
    set.add(JSON.stringify(sorted));
  };
  for (const ds of dataSyncs) {
    const policy = ds.spec?.egress?.policy;
    if (!policy) continue;
    const ns = ds.metadata.namespace ?? '';
    const selector = ds.spec.nodeSelector ?? {};
    if (policy.configMap) add(`${ns}/${policy.configMap}`, selector);
    else
      for (const cm of configMaps)
        if (cm.metadata.namespace === ns && cm.metadata.labels?.[KUBE_MGMT_POLICY_LABEL] === 'rego')
          add(`${ns}/${cm.metadata.name}`, selector);
  }
  const out = new Map<string, string>();
  for (const [key, set] of selectors) out.set(key, `[${[...set].sort().join(',')}]`);
  return out;
}

/** Keeps the annotation on every ConfigMap in line with the DataSyncs (debounced). */
export interface AnnotatorOptions {
  dataSyncs: Informer;
  configMaps: Informer;
  service: ResourceService;
  logger: Logger;
}

export class PolicyAnnotator {
  readonly #o: AnnotatorOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: AnnotatorOptions) {
    this.#o = options;
    const kick = () => this.schedule();
    options.dataSyncs.on({ add: kick, update: kick, delete: kick });
    options.configMaps.on({ add: kick, update: (n, o) => (changedPolicyInputs(n, o) ? kick() : undefined) });
  }

  schedule(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#running
        .then(() => this.#reconcile())
        .catch((err: unknown) => {
          this.#o.logger.warn(
            { err: (err as Error).message },
            'could not annotate egress policy ConfigMaps; retrying',
          );
          this.schedule();
        });
    }, 100);
    this.#timer.unref();
  }

  async #reconcile(): Promise<void> {
    const configMaps = this.#o.configMaps.list();
    const desired = desiredAnnotations(this.#o.dataSyncs.list() as DataSync[], configMaps);
    for (const cm of configMaps) {
      const key = `${cm.metadata.namespace}/${cm.metadata.name}`;
      const want = desired.get(key);
      if (cm.metadata.annotations?.[POLICY_FOR_ANNOTATION] === want) continue;
      try {
        await this.#o.service.modify(
          configMapType,
          cm.metadata.namespace ?? '',
          cm.metadata.name ?? '',
          (live) => {
            const annotations = { ...(live.metadata.annotations ?? {}) };
            if (want === undefined) delete annotations[POLICY_FOR_ANNOTATION];
            else annotations[POLICY_FOR_ANNOTATION] = want;
            return { ...live, metadata: { ...live.metadata, annotations } };
          },
        );
      } catch (err) {
        if (!EdgewiseError.isCode(err, 'EW_NOT_FOUND')) throw err;
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}

/** Only labels and our annotation matter to the annotator (data changes ship by themselves). */
function changedPolicyInputs(next: KubeObject, previous: KubeObject): boolean {
  return (
    JSON.stringify(next.metadata.labels ?? {}) !== JSON.stringify(previous.metadata.labels ?? {}) ||
    next.metadata.annotations?.[POLICY_FOR_ANNOTATION] !==
      previous.metadata.annotations?.[POLICY_FOR_ANNOTATION]
  );
}
