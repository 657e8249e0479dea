/** Templates, constraints and hubs for the Gatekeeper tests. */
import type { KubeObject } from '../../../src/api/object.js';
import type { ResourceType } from '../../../src/api/resource-type.js';
import {
  type Gatekeeper,
  type GatekeeperOptions,
  gatekeeperFeature,
} from '../../../src/hub/gatekeeper/index.js';
import type { HubOptions } from '../../../src/hub/hub.js';
import { startTestHub, type TestHub } from '../../support/hub.js';

export interface GatekeeperHub extends TestHub {
  gk: Gatekeeper;
  type(apiVersion: string, kind: string): ResourceType;
}

/** A listening test hub (controllers off) with the Gatekeeper feature, started. */
export async function startGatekeeperHub(
  options: GatekeeperOptions = {},
  hubOptions: Partial<HubOptions> = {},
): Promise<GatekeeperHub> {
  const feature = gatekeeperFeature({ auditIntervalSeconds: 0, ...options });
  const t = await startTestHub({ listen: true, ...hubOptions, features: [feature] });
  const gk = feature.gatekeeper;
  if (!gk) throw new Error('gatekeeper feature not installed');
  return { ...t, gk, type: (apiVersion, kind) => t.hub.registry.requireKind(apiVersion, kind) };
}

/** Gatekeeper's K8sRequiredLabels, as the library writes it (trimmed). */
export const REQUIRED_LABELS_REGO = `package k8srequiredlabels

violation[{"msg": msg, "details": {"missing_labels": missing}}] {
  provided := {label | input.review.object.metadata.labels[label]}
  required := {label | label := input.parameters.labels[_]}
  missing := required - provided
  count(missing) > 0
  msg := sprintf("you must provide labels: %v", [missing])
}
`;

export function template(kind: string, rego: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'templates.gatekeeper.sh/v1',
    kind: 'ConstraintTemplate',
    metadata: { name: kind.toLowerCase(), ...((extra.metadata as object) ?? {}) },
    spec: {
      crd: {
        spec: {
          names: { kind },
          ...(extra.schema !== undefined && { validation: { openAPIV3Schema: extra.schema } }),
        },
      },
      targets: [
        {
          target: 'admission.k8s.gatekeeper.sh',
          rego,
          ...(extra.libs !== undefined && { libs: extra.libs }),
        },
      ],
    },
  };
}

export const LABELS_SCHEMA = {
  type: 'object',
  properties: { labels: { type: 'array', items: { type: 'string' } } },
};

export function requiredLabelsTemplate(): KubeObject {
  return template('K8sRequiredLabels', REQUIRED_LABELS_REGO, { schema: LABELS_SCHEMA });
}

export function constraint(
  kind: string,
  name: string,
  spec: { match?: unknown; parameters?: unknown; enforcementAction?: string },
): KubeObject {
  return { apiVersion: 'constraints.gatekeeper.sh/v1beta1', kind, metadata: { name }, spec };
}

export const CONFIGMAPS = { kinds: [{ apiGroups: [''], kinds: ['ConfigMap'] }] };

export function configMap(
  name: string,
  labels: Record<string, string> = {},
  namespace = 'default',
): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { a: '1' } };
}

/** Polls until `check` returns a value; bounded so a broken feature fails instead of hanging. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Deletes, retrying when a status write (template status, audit) slips in between
 * the service's read and its delete: ResourceService.delete uses the resourceVersion
 * it read as a precondition.
 */
export async function remove(t: TestHub, type: ResourceType, namespace: string, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await t.hub.service.delete(type, namespace, name);
      return;
    } catch (err) {
      if (attempt >= 5 || (err as { code?: string }).code !== 'EW_CONFLICT') throw err;
    }
  }
}
