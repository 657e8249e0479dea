/**
 * PATCH: merge patch, JSON patch, strategic merge patch (what kubectl sends), and
 * apply (`application/apply-patch+yaml`), which the edgewise CLI uses for
 * `apply`: a three-way merge of the last applied manifest, the new manifest and the
 * live object. The last applied manifest is kept in kubectl's own annotation so
 * `kubectl apply` and `edgewise apply` can take turns on one object.
 */
import { parse as parseYaml } from 'yaml';
import { EdgewiseError } from '../../api/errors.js';
import { applyJsonPatch } from '../../api/json-patch.js';
import type { JsonObject, JsonValue } from '../../api/json-value.js';
import { applyResourceMergePatch } from '../../api/merge-patch.js';
import type { KubeObject } from '../../api/object.js';
import { EMPTY_PATCH_SCHEMA, patchSchemaFor } from '../../api/patch-schema.js';
import type { ResourceType } from '../../api/resource-type.js';
import { applyStrategicMergePatch } from '../../api/strategic-merge-patch.js';
import { threeWayMerge } from '../../api/three-way-merge.js';
import { checkBodyKind } from './object-rules.js';
import type { ResourceService, WriteContext } from './resource-service.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

export type PatchType = (typeof PATCH_TYPES)[number];

export function isPatchType(mediaType: string): mediaType is PatchType {
  return (PATCH_TYPES as readonly string[]).includes(mediaType);
}

export interface PatchRequest {
  type: ResourceType;
  namespace: string;
  name: string;
  patchType: PatchType;
  raw: Buffer;
  force: boolean;
  context: WriteContext & { subresource?: 'status' };
}

export interface PatchResult {
  object: KubeObject;
  warnings: string[];
  /** For apply: what happened, as `edgewise apply` reports it. */
  outcome: 'created' | 'configured' | 'unchanged';
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new EdgewiseError('EW_BAD_REQUEST', `the patch is not valid JSON: ${(err as Error).message}`);
  }
}

function parseApplyBody(raw: Buffer): unknown {
  try {
    return parseYaml(raw.toString('utf8'), { uniqueKeys: true });
  } catch (err) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `the apply body is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

export async function applyPatchRequest(
  service: ResourceService,
  request: PatchRequest,
): Promise<PatchResult> {
  const { type, namespace, name, patchType, context } = request;
  if (patchType === 'application/apply-patch+yaml') return apply(service, request);
  const patch = parseJson(request.raw);
  const mutate = (live: KubeObject): KubeObject => {
    switch (patchType) {
      case 'application/merge-patch+json':
        return applyResourceMergePatch(live as unknown as JsonObject, patch) as unknown as KubeObject;
      case 'application/json-patch+json':
        return applyJsonPatch(live as unknown as JsonValue, patch) as unknown as KubeObject;
      case 'application/strategic-merge-patch+json': {
        // Kinds without list strategies (VirtualMachine, EdgeCluster) merge like a JSON
        // merge patch; kubectl sends them SMP because it finds their OpenAPI schema.
        const schema = patchSchemaFor(type.group, type.kind) ?? EMPTY_PATCH_SCHEMA;
        return applyStrategicMergePatch(
          live as unknown as JsonObject,
          patch,
          schema,
        ) as unknown as KubeObject;
      }
    }
  };
  const result = await service.modify(type, namespace, name, mutate, context);
  return {
    object: result.object,
    warnings: result.warnings,
    outcome: result.changed ? 'configured' : 'unchanged',
  };
}

async function apply(service: ResourceService, request: PatchRequest): Promise<PatchResult> {
  const { type, namespace, name, context } = request;
  const manifest = checkBodyKind(type, parseApplyBody(request.raw));
  if (manifest.metadata.name && manifest.metadata.name !== name) {
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `the name of the object (${manifest.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  manifest.metadata.name = name;
  const recorded = lastAppliedOf(manifest);
  const withRecord: KubeObject = {
    ...manifest,
    metadata: {
      ...manifest.metadata,
      annotations: { ...(manifest.metadata.annotations ?? {}), [LAST_APPLIED_ANNOTATION]: recorded },
    },
  };
  const existing = await service.find(type, namespace, name);
  if (!existing) {
    try {
      const created = await service.create(type, namespace, withRecord, context);
      return { object: created.object, warnings: created.warnings, outcome: 'created' };
    } catch (err) {
      // Lost a race with another creator: fall through to update it.
      if (!EdgewiseError.isCode(err, 'EW_ALREADY_EXISTS')) throw err;
    }
  }
  const schema = patchSchemaFor(type.group, type.kind);
  const result = await service.modify(
    type,
    namespace,
    name,
    (live) => {
      const previousText = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
      let previous: KubeObject | undefined;
      if (previousText) {
        try {
          previous = JSON.parse(previousText) as KubeObject;
        } catch {
          // A hand-edited, unparsable record means nothing is known to remove.
          previous = undefined;
        }
      }
      const merged = threeWayMerge(
        previous as unknown as JsonObject | undefined,
        withRecord as unknown as JsonObject,
        live as unknown as JsonObject,
        schema,
      ) as unknown as KubeObject;
      // The manifest carries no resourceVersion; the write is guarded by the live one.
      merged.metadata.resourceVersion = live.metadata.resourceVersion;
      return merged;
    },
    context,
  );
  return {
    object: result.object,
    warnings: result.warnings,
    outcome: result.changed ? 'configured' : 'unchanged',
  };
}

/** The manifest as kubectl records it: compact JSON without the record itself. */
function lastAppliedOf(manifest: KubeObject): string {
  const copy = structuredClone(manifest);
  const annotations = { ...(copy.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  if (Object.keys(annotations).length > 0) copy.metadata.annotations = annotations;
  else delete copy.metadata.annotations;
  return JSON.stringify(copy);
}
