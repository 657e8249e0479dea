/**
 * Gatekeeper's `spec.match`: which objects a constraint applies to. Every
 * top-level matcher must agree; an absent matcher matches everything. Namespace
 * matchers look at a Namespace's own name and labels, and let cluster-scoped
 * objects through, as Gatekeeper's pkg/mutation/match does.
 */
import { EdgewiseError } from '../../api/errors.js';
import { asArray, asRecord } from '../../api/kinds/common.js';
import { type KubeObject, parseApiVersion } from '../../api/object.js';
import {
  type LabelSelector,
  type LabelSelectorObject,
  labelSelectorFromObject,
  matchesLabels,
} from '../../api/selectors.js';

export interface CompiledMatch {
  kinds: { groups: string[]; kinds: string[] }[];
  scope: string;
  namespaces: string[];
  excludedNamespaces: string[];
  labelSelector: LabelSelector | undefined;
  namespaceSelector: LabelSelector | undefined;
  name: string;
}

/** The namespace an object lives in, as far as matching needs it. */
export interface NamespaceInfo {
  name: string;
  labels: Record<string, string>;
}

const WILDCARD = /^(\*|\*-)?[a-z0-9]([-:a-z0-9]*[a-z0-9])?(\*|-\*)?$/;

function strings(value: unknown): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

function selector(value: unknown, at: string): LabelSelector | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    return labelSelectorFromObject(value as LabelSelectorObject);
  } catch (err) {
    if (EdgewiseError.isCode(err, 'EW_INVALID'))
      throw new EdgewiseError('EW_INVALID', `${at}: ${err.message}`);
    throw err;
  }
}

/** Problems Gatekeeper's CRD validation would report, with their field paths. */
export function matchProblems(match: unknown): { field: string; message: string }[] {
  const m = asRecord(match);
  const problems: { field: string; message: string }[] = [];
  for (const key of ['namespaces', 'excludedNamespaces'] as const) {
    strings(m[key]).forEach((ns, i) => {
      if (!WILDCARD.test(ns))
        problems.push({
          field: `spec.match.${key}[${i}]`,
          message: `Invalid value: "${ns}": must be a namespace name, optionally with a leading or trailing * glob`,
        });
    });
  }
  for (const key of ['labelSelector', 'namespaceSelector'] as const) {
    try {
      selector(m[key], `spec.match.${key}`);
    } catch (err) {
      if (!EdgewiseError.is(err)) throw err;
      problems.push({ field: `spec.match.${key}`, message: err.message.replace(/^spec\.match\.\w+: /, '') });
    }
  }
  return problems;
}

export function compileMatch(match: unknown): CompiledMatch {
  const m = asRecord(match);
  return {
    kinds: asArray(m.kinds).map((k) => ({
      groups: strings(asRecord(k).apiGroups),
      kinds: strings(asRecord(k).kinds),
    })),
    scope: typeof m.scope === 'string' ? m.scope : '*',
    namespaces: strings(m.namespaces),
    excludedNamespaces: strings(m.excludedNamespaces),
    labelSelector: selector(m.labelSelector, 'spec.match.labelSelector'),
    namespaceSelector: selector(m.namespaceSelector, 'spec.match.namespaceSelector'),
    name: typeof m.name === 'string' ? m.name : '',
  };
}

/** `kube-*` (prefix), `*-system` (suffix), `*x*` (contains), or an exact name. */
export function wildcardMatches(pattern: string, value: string): boolean {
  const starts = pattern.startsWith('*');
  const ends = pattern.endsWith('*') && pattern.length > 1;
  if (starts && ends) return value.includes(pattern.slice(1, -1));
  if (starts) return value.endsWith(pattern.slice(1));
  if (ends) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

export function groupKindOf(object: KubeObject): { group: string; kind: string } {
  return { group: parseApiVersion(String(object.apiVersion ?? '')).group, kind: String(object.kind ?? '') };
}

/** True when constraint kinds could match this group/kind (used to pick what to audit). */
export function kindsMatch(match: CompiledMatch, group: string, kind: string): boolean {
  if (match.kinds.length === 0) return true;
  return match.kinds.some(
    (k) =>
      (k.kinds.length === 0 || k.kinds.includes('*') || k.kinds.includes(kind)) &&
      (k.groups.length === 0 || k.groups.includes('*') || k.groups.includes(group)),
  );
}

function isNamespace(object: KubeObject): boolean {
  const { group, kind } = groupKindOf(object);
  return group === '' && kind === 'Namespace';
}

/** The namespace name namespace matchers compare, or undefined for a cluster-scoped object. */
function namespaceName(object: KubeObject, ns: NamespaceInfo | undefined): string | undefined {
  if (isNamespace(object)) return object.metadata.name ?? '';
  if (ns) return ns.name;
  return object.metadata.namespace || undefined;
}

/** Does the constraint apply to this object (in this namespace)? */
export function matchesObject(
  match: CompiledMatch,
  object: KubeObject,
  ns: NamespaceInfo | undefined,
): boolean {
  const { group, kind } = groupKindOf(object);
  if (!kindsMatch(match, group, kind)) return false;
  const namespaced = Boolean(object.metadata.namespace) || ns !== undefined;
  if (match.scope === 'Cluster' && !(isNamespace(object) || !namespaced)) return false;
  if (match.scope === 'Namespaced' && !(!isNamespace(object) && namespaced)) return false;
  const nsName = namespaceName(object, ns);
  if (match.namespaces.length > 0 && nsName !== undefined) {
    if (!match.namespaces.some((p) => wildcardMatches(p, nsName))) return false;
  }
  if (match.excludedNamespaces.length > 0 && nsName !== undefined) {
    if (match.excludedNamespaces.some((p) => wildcardMatches(p, nsName))) return false;
  }
  if (match.labelSelector && !matchesLabels(match.labelSelector, object.metadata.labels)) return false;
  if (match.namespaceSelector) {
    if (isNamespace(object)) {
      if (!matchesLabels(match.namespaceSelector, object.metadata.labels)) return false;
    } else if (namespaced) {
      if (!matchesLabels(match.namespaceSelector, ns?.labels ?? {})) return false;
    }
  }
  if (match.name && !wildcardMatches(match.name, object.metadata.name ?? '')) return false;
  return true;
}
