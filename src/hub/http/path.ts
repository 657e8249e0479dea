/** Parses Kubernetes REST paths into what they address. */

export type ApiPath =
  | { kind: 'root' }
  | { kind: 'legacy-versions' } // GET /api
  | { kind: 'groups' } // GET /apis
  | { kind: 'group'; group: string } // GET /apis/{group}
  | { kind: 'resources'; group: string; version: string } // GET /api/v1, /apis/{g}/{v}
  | {
      kind: 'resource';
      group: string;
      version: string;
      plural: string;
      /** From /namespaces/{ns}/…; undefined for cluster-wide paths. */
      namespace?: string;
      name?: string;
      subresource?: string;
    };

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Returns undefined for paths outside the resource API. */
export function parseApiPath(pathname: string): ApiPath | undefined {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  if (segments.length === 0) return { kind: 'root' };
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') {
    if (segments.length === 1) return { kind: 'legacy-versions' };
    group = '';
    version = segments[1] as string;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis') {
    if (segments.length === 1) return { kind: 'groups' };
    if (segments.length === 2) return { kind: 'group', group: segments[1] as string };
    group = segments[1] as string;
    version = segments[2] as string;
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  if (rest.length === 0) return { kind: 'resources', group, version };
  if (rest[0] === 'namespaces' && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2] as string)) {
    const [, namespace, plural, name, subresource, ...extra] = rest;
    if (extra.length > 0) return undefined;
    return {
      kind: 'resource',
      group,
      version,
      plural: plural as string,
      namespace: namespace as string,
      ...(name !== undefined && { name }),
      ...(subresource !== undefined && { subresource }),
    };
  }
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length > 0) return undefined;
  return {
    kind: 'resource',
    group,
    version,
    plural: plural as string,
    ...(name !== undefined && { name }),
    ...(subresource !== undefined && { subresource }),
  };
}
