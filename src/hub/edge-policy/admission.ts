/**
 * Admission for policy and data ConfigMaps: a node selector that does not parse is
 * refused (it would silently target no node); Rego that does not parse and data that
 * is not a JSON object are let through with a Warning, as kube-mgmt lets them
 * through — each node then rejects that version, keeps the previous one and reports.
 */
import { EdgewiseError } from '../../api/errors.js';
import { configMapType } from '../../api/kinds/core.js';
import { EDGE_POLICY, edgePolicyKind } from '../../api/link-protocol.js';
import type { KubeObject } from '../../api/object.js';
import { parseModule, RegoError } from '../../policy/rego/index.js';
import type { AdmissionPlugin, AdmissionRequest, AdmissionResult } from '../admission.js';
import { nodeSelectorText, parseNodeSelector } from './targeting.js';

const FIELD = `metadata.annotations[${EDGE_POLICY.nodeSelectorAnnotation}]`;

function checkSelector(request: AdmissionRequest): void {
  const text = nodeSelectorText(request.object);
  if (text === undefined || (request.oldObject && nodeSelectorText(request.oldObject) === text)) return;
  const parsed = parseNodeSelector(text);
  if (!EdgewiseError.is(parsed)) return;
  throw new EdgewiseError(
    'EW_INVALID',
    `ConfigMap "${request.name}" is invalid: ${FIELD}: ${parsed.message}`,
    {
      kind: 'ConfigMap',
      name: request.name,
      causes: [{ reason: 'FieldValueInvalid', message: parsed.message, field: FIELD }],
    },
  );
}

function contentWarnings(object: KubeObject, namespace: string, name: string): string[] {
  const kind = edgePolicyKind(object.metadata.labels);
  const warnings: string[] = [];
  for (const [key, value] of Object.entries((object.data ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string') continue;
    const id = `${namespace}/${name}/${key}`;
    if (kind === 'policy') {
      try {
        parseModule(id, value);
      } catch (err) {
        if (!RegoError.isRegoError(err)) throw err;
        warnings.push(`${err.message} (nodes keep the version of this ConfigMap they have in force)`);
      }
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch (err) {
        warnings.push(`${id}: invalid JSON: ${(err as Error).message} (nodes keep the version they have)`);
        continue;
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        warnings.push(`${id}: must hold a JSON object (nodes keep the version they have)`);
    }
  }
  return warnings;
}

export const edgePolicyAdmission: AdmissionPlugin = {
  name: 'edge-policy',
  async admit(request): Promise<AdmissionResult> {
    if (request.type.storage !== configMapType.storage || request.operation === 'DELETE')
      return { warnings: [] };
    const kind = edgePolicyKind(request.object.metadata.labels);
    if (!kind) return { warnings: [] };
    checkSelector(request);
    const unchanged =
      request.oldObject &&
      edgePolicyKind(request.oldObject.metadata.labels) === kind &&
      JSON.stringify(request.oldObject.data ?? {}) === JSON.stringify(request.object.data ?? {});
    return { warnings: unchanged ? [] : contentWarnings(request.object, request.namespace, request.name) };
  },
};
