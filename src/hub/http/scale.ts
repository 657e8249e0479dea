/**
 * The `scale` subresource of Deployments (autoscaling/v1 Scale), which `kubectl scale`
 * and autoscalers use: GET reads replicas and the selector, PUT and merge/JSON patches
 * change `spec.replicas` and nothing else.
 */
import { EdgewiseError } from '../../api/errors.js';
import { applyJsonPatch } from '../../api/json-patch.js';
import type { JsonObject, JsonValue } from '../../api/json-value.js';
import { deploymentType } from '../../api/kinds/apps.js';
import { applyResourceMergePatch } from '../../api/merge-patch.js';
import type { KubeObject } from '../../api/object.js';
import {
  formatLabelSelector,
  type LabelSelectorObject,
  labelSelectorFromObject,
} from '../../api/selectors.js';
import type { ResourceService } from '../service/resource-service.js';
import type { SubresourceHandler, SubresourceRequest } from './app.js';
import { DEFAULT_BODY_LIMIT, decodeBody, mediaType, readBody } from './body.js';
import { send, setWarnings } from './respond.js';

interface Scale extends KubeObject {
  spec: { replicas: number };
  status: { replicas: number; selector: string };
}

function toScale(d: KubeObject): Scale {
  const spec = d.spec as { replicas?: number; selector?: LabelSelectorObject };
  const status = (d.status ?? {}) as { replicas?: number };
  let selector = '';
  try {
    selector = formatLabelSelector(labelSelectorFromObject(spec.selector));
  } catch {
    // An invalid selector cannot be stored; an empty one reads as "everything".
    selector = '';
  }
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: d.metadata.name ?? '',
      namespace: d.metadata.namespace ?? '',
      ...(d.metadata.uid && { uid: d.metadata.uid }),
      ...(d.metadata.resourceVersion && { resourceVersion: d.metadata.resourceVersion }),
      ...(d.metadata.creationTimestamp && { creationTimestamp: d.metadata.creationTimestamp }),
    },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

function desiredReplicas(scale: unknown): number {
  const replicas = (scale as { spec?: { replicas?: unknown } } | undefined)?.spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new EdgewiseError(
      'EW_INVALID',
      `Scale.autoscaling "spec.replicas" is invalid: must be a whole number ≥ 0, not ${JSON.stringify(replicas)}`,
    );
  }
  return replicas;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new EdgewiseError('EW_BAD_REQUEST', `the patch is not valid JSON: ${(err as Error).message}`);
  }
}

export function scaleSubresource(service: ResourceService): SubresourceHandler {
  return {
    name: 'scale',
    plural: deploymentType.plural,
    group: deploymentType.group,
    kind: 'Scale',
    verbs: ['get', 'patch', 'update'],
    async handle({ req, res, namespace, name, user }: SubresourceRequest): Promise<void> {
      if (req.method === 'GET')
        return send(res, 200, toScale(await service.get(deploymentType, namespace, name)));
      if (req.method !== 'PUT' && req.method !== 'PATCH') {
        throw new EdgewiseError(
          'EW_METHOD_NOT_ALLOWED',
          `${req.method ?? ''} is not supported on deployments/scale`,
        );
      }
      const raw = await readBody(req, DEFAULT_BODY_LIMIT);
      const type = mediaType(req.headers['content-type']);
      const result = await service.modify(
        deploymentType,
        namespace,
        name,
        (live) => {
          const current = toScale(live) as unknown as JsonObject;
          let next: unknown;
          if (req.method === 'PUT') next = decodeBody(raw, req.headers['content-type']);
          else if (type === 'application/json-patch+json')
            next = applyJsonPatch(current, parseJson(raw) as JsonValue);
          else if (
            type === 'application/merge-patch+json' ||
            type === 'application/strategic-merge-patch+json'
          ) {
            next = applyResourceMergePatch(current, parseJson(raw));
          } else
            throw new EdgewiseError(
              'EW_UNSUPPORTED_MEDIA_TYPE',
              `deployments/scale accepts merge and JSON patches, not ${type}`,
            );
          return { ...live, spec: { ...(live.spec as object), replicas: desiredReplicas(next) } };
        },
        { user },
      );
      setWarnings(res, result.warnings);
      send(res, 200, toScale(result.object));
    },
  };
}
