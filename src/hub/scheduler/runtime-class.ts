/**
 * What a pod's RuntimeClass adds to its scheduling, merged the way Kubernetes'
 * RuntimeClass admission plugin merges it: `scheduling.nodeSelector` joins the pod's
 * nodeSelector (a key with two different values is a conflict), `scheduling.tolerations`
 * join the pod's tolerations, and `overhead.podFixed` is added to the pod's requests.
 */
import type { PodSpec, Toleration } from '../../api/kinds/pod-spec.js';
import { mergeTolerations } from './tolerations.js';
import type { RuntimeClass } from './types.js';

/**
 * The handler a pod without `runtimeClassName` needs: the node's default handler,
 * which nodes advertise as a `status.runtimeHandlers` entry named `''` (the
 * Kubernetes convention for the default).
 */
export const DEFAULT_HANDLER = '';

export interface RuntimeRequirements {
  handler: string;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  overhead: Record<string, unknown> | undefined;
}

export type RuntimeResolution =
  | { requirements: RuntimeRequirements; problem?: undefined }
  | {
      requirements?: undefined;
      problem: { code: 'RuntimeClassNotFound' | 'RuntimeClassConflict'; message: string };
    };

/** Resolves the pod's RuntimeClass through `lookup` and merges it into the pod's constraints. */
export function resolveRuntime(
  spec: PodSpec,
  lookup: (name: string) => RuntimeClass | undefined,
): RuntimeResolution {
  const nodeSelector = { ...(spec.nodeSelector ?? {}) };
  const tolerations = spec.tolerations ?? [];
  const className = spec.runtimeClassName;
  if (!className) {
    return { requirements: { handler: DEFAULT_HANDLER, nodeSelector, tolerations, overhead: undefined } };
  }
  const rc = lookup(className);
  if (!rc) {
    return {
      problem: {
        code: 'RuntimeClassNotFound',
        message: `RuntimeClass ${JSON.stringify(className)} not found`,
      },
    };
  }
  for (const [key, value] of Object.entries(rc.scheduling?.nodeSelector ?? {})) {
    const own = nodeSelector[key];
    if (own !== undefined && own !== value) {
      return {
        problem: {
          code: 'RuntimeClassConflict',
          message:
            `RuntimeClass ${JSON.stringify(className)} requires label ${key}=${value}, ` +
            `but the pod's nodeSelector asks for ${key}=${own}`,
        },
      };
    }
    nodeSelector[key] = value;
  }
  return {
    requirements: {
      handler: typeof rc.handler === 'string' ? rc.handler : '',
      nodeSelector,
      tolerations: mergeTolerations(tolerations, rc.scheduling?.tolerations ?? []),
      overhead: rc.overhead?.podFixed,
    },
  };
}
