/**
 * Which objects a list or watch selects, and the part of that which SQL can answer
 * from indexed columns. JavaScript always has the last word (`matches`), so pushdown
 * only has to be safe (never drop a match), not complete.
 */
import type { KubeObject } from '../../api/object.js';
import { type FieldSelector, type LabelSelector, matchesFields, matchesLabels } from '../../api/selectors.js';
import { badRequest } from './errors.js';

export interface FilterOptions {
  /** Omitted or `''`: every namespace. */
  namespace?: string;
  labelSelector?: LabelSelector;
  fieldSelector?: FieldSelector;
}

/** Equalities SQL can apply; each field a column of the objects table. */
export interface Pushdown {
  namespace?: string;
  name?: string;
  nodeName?: string;
  phase?: string;
  /** Two equalities on one field disagree: nothing can match. */
  impossible: boolean;
}

export interface ObjectFilter {
  matches(object: KubeObject): boolean;
  /** False when no selector is set: every object in scope matches. */
  readonly selective: boolean;
  readonly pushdown: Pushdown;
  /** True when `pushdown` decides matching alone, so SQL rows need no further filtering. */
  readonly exact: boolean;
}

const PUSHED: Record<string, keyof Omit<Pushdown, 'impossible'>> = {
  'metadata.namespace': 'namespace',
  'metadata.name': 'name',
  'spec.nodeName': 'nodeName',
  'status.phase': 'phase',
};

export function compileFilter(options: FilterOptions): ObjectFilter {
  const { namespace, labelSelector, fieldSelector } = options;
  if (namespace !== undefined && typeof namespace !== 'string')
    throw badRequest('namespace must be a string');
  checkSelectors(labelSelector, fieldSelector);
  const pushdown: Pushdown = { impossible: false };
  const set = (field: keyof Omit<Pushdown, 'impossible'>, value: string) => {
    if (pushdown[field] !== undefined && pushdown[field] !== value) pushdown.impossible = true;
    pushdown[field] = value;
  };
  if (namespace) set('namespace', namespace);
  let exact = !labelSelector || (labelSelector.requirements.length === 0 && !labelSelector.matchNothing);
  for (const req of fieldSelector?.requirements ?? []) {
    const field = PUSHED[req.path];
    if (field && req.operator === '=') set(field, req.value);
    else exact = false;
  }
  const selective = !!(
    labelSelector?.requirements.length ||
    labelSelector?.matchNothing ||
    fieldSelector?.requirements.length
  );
  return {
    selective,
    pushdown,
    exact: exact && !pushdown.impossible,
    matches(object: KubeObject): boolean {
      if (pushdown.impossible) return false;
      const meta = object.metadata;
      if (namespace && (meta.namespace ?? '') !== namespace) return false;
      if (labelSelector && !matchesLabels(labelSelector, meta.labels)) return false;
      if (fieldSelector && !matchesFields(fieldSelector, object)) return false;
      return true;
    },
  };
}

function checkSelectors(
  labelSelector: LabelSelector | undefined,
  fieldSelector: FieldSelector | undefined,
): void {
  if (labelSelector !== undefined && !Array.isArray(labelSelector?.requirements)) {
    throw badRequest('labelSelector must be a parsed LabelSelector (see parseLabelSelector)');
  }
  if (fieldSelector !== undefined && !Array.isArray(fieldSelector?.requirements)) {
    throw badRequest('fieldSelector must be a parsed FieldSelector (see parseFieldSelector)');
  }
}
