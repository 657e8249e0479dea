/** Core (`v1`) kinds without a PodSpec: Namespace, ConfigMap, Secret, Event. */
import { Type } from '@sinclair/typebox';
import type { ResourceType } from '../resource-type.js';
import { StringMap } from '../schema.js';
import { ageColumn, asRecord, field, nameColumn, objectSchema } from './common.js';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
/** ConfigMaps and Secrets are capped at 1 MiB in Kubernetes. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export const namespaceType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  categories: [],
  namespaced: false,
  storage: 'core/namespaces',
  hasStatus: true,
  nameRule: 'label',
  schema: objectSchema(
    {
      spec: Type.Optional(Type.Object({ finalizers: Type.Optional(Type.Array(Type.String())) })),
      status: Type.Optional(Type.Object({ phase: Type.Optional(Type.String()) })),
    },
    'A scope for names; objects in different namespaces may share a name.',
  ),
  fieldSelectors: ['status.phase'],
  columns: [
    nameColumn,
    {
      name: 'Status',
      type: 'string',
      priority: 0,
      cell: (o) => String(field(o, 'status', 'phase') ?? 'Active'),
    },
    ageColumn,
  ],
  applyDefaults(o) {
    const status = asRecord(o.status);
    status.phase ??= 'Active';
    o.status = status;
    return [];
  },
};

function validateConfigData(
  o: Record<string, unknown>,
  keys: string[],
  errors: import('../field-errors.js').FieldErrors,
): void {
  let bytes = 0;
  const seen = new Set<string>();
  for (const section of keys) {
    for (const [key, value] of Object.entries(asRecord(o[section]))) {
      if (!CONFIG_KEY.test(key) || key.length > 253) {
        errors.invalid(
          `${section}[${JSON.stringify(key)}]`,
          key,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        );
      }
      if (seen.has(key) && section !== 'stringData')
        errors.duplicate(`${section}[${JSON.stringify(key)}]`, key);
      seen.add(key);
      bytes += key.length + (typeof value === 'string' ? value.length : 0);
    }
  }
  if (bytes > MAX_CONFIG_BYTES) errors.tooLong(keys[0] ?? 'data', MAX_CONFIG_BYTES);
}

export const configMapType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  plural: 'configmaps',
  singular: 'configmap',
  shortNames: ['cm'],
  categories: [],
  namespaced: true,
  storage: 'core/configmaps',
  hasStatus: false,
  nameRule: 'subdomain',
  schema: objectSchema(
    {
      data: Type.Optional(StringMap('Configuration data; values are strings.')),
      binaryData: Type.Optional(StringMap('Binary configuration data, base64-encoded.')),
      immutable: Type.Optional(Type.Boolean()),
    },
    'Configuration data for workloads, shipped to the nodes that use it.',
  ),
  fieldSelectors: [],
  columns: [
    nameColumn,
    {
      name: 'Data',
      type: 'integer',
      priority: 0,
      cell: (o) => Object.keys(asRecord(o.data)).length + Object.keys(asRecord(o.binaryData)).length,
    },
    ageColumn,
  ],
  validate(o, errors, ctx) {
    validateConfigData(o, ['data', 'binaryData'], errors);
    for (const [key, value] of Object.entries(asRecord(o.binaryData))) {
      if (typeof value === 'string' && !isBase64(value))
        errors.invalid(`binaryData[${JSON.stringify(key)}]`, '<binary>', 'must be base64-encoded');
    }
    immutableCheck(o, errors, ctx.old, ['data', 'binaryData']);
  },
};

function immutableCheck(
  o: Record<string, unknown>,
  errors: import('../field-errors.js').FieldErrors,
  old: Record<string, unknown> | undefined,
  sections: string[],
): void {
  if (old?.immutable !== true) return;
  if (o.immutable !== true) errors.forbidden('immutable', 'field is immutable when `immutable` is set');
  for (const s of sections) {
    if (JSON.stringify(o[s] ?? {}) !== JSON.stringify(old[s] ?? {}))
      errors.forbidden(s, 'field is immutable when `immutable` is set');
  }
}

function isBase64(value: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0;
}

export const secretType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  listKind: 'SecretList',
  plural: 'secrets',
  singular: 'secret',
  shortNames: [],
  categories: [],
  namespaced: true,
  storage: 'core/secrets',
  hasStatus: false,
  nameRule: 'subdomain',
  schema: objectSchema(
    {
      type: Type.Optional(Type.String()),
      data: Type.Optional(StringMap('Secret values, base64-encoded.')),
      stringData: Type.Optional(StringMap('Write-only convenience: merged into data on write.')),
      immutable: Type.Optional(Type.Boolean()),
    },
    'Sensitive values (credentials, keys) shipped only to nodes whose pods reference them.',
  ),
  fieldSelectors: ['type'],
  columns: [
    nameColumn,
    { name: 'Type', type: 'string', priority: 0, cell: (o) => String(o.type ?? 'Opaque') },
    { name: 'Data', type: 'integer', priority: 0, cell: (o) => Object.keys(asRecord(o.data)).length },
    ageColumn,
  ],
  validate(o, errors, ctx) {
    validateConfigData(o, ['data', 'stringData'], errors);
    for (const [key, value] of Object.entries(asRecord(o.data))) {
      if (typeof value === 'string' && !isBase64(value))
        errors.invalid(`data[${JSON.stringify(key)}]`, '<secret>', 'must be base64-encoded');
    }
    immutableCheck(o, errors, ctx.old, ['data']);
  },
  applyDefaults(o) {
    o.type ??= 'Opaque';
    // As the apiserver does: stringData is write-only and lands in data, base64-encoded.
    const stringData = asRecord(o.stringData);
    if (Object.keys(stringData).length > 0) {
      const data = asRecord(o.data);
      for (const [k, v] of Object.entries(stringData))
        data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      o.data = data;
    }
    delete o.stringData;
    return [];
  },
};

const ObjectReferenceSchema = Type.Object({
  apiVersion: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  resourceVersion: Type.Optional(Type.String()),
  fieldPath: Type.Optional(Type.String()),
});

export const eventType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  categories: [],
  namespaced: true,
  storage: 'core/events',
  hasStatus: false,
  nameRule: 'subdomain',
  schema: objectSchema(
    {
      involvedObject: ObjectReferenceSchema,
      reason: Type.Optional(Type.String()),
      message: Type.Optional(Type.String()),
      type: Type.Optional(Type.Union([Type.Literal('Normal'), Type.Literal('Warning')])),
      count: Type.Optional(Type.Integer()),
      firstTimestamp: Type.Optional(Type.String()),
      lastTimestamp: Type.Optional(Type.String()),
      source: Type.Optional(
        Type.Object({ component: Type.Optional(Type.String()), host: Type.Optional(Type.String()) }),
      ),
      reportingComponent: Type.Optional(Type.String()),
    },
    'Something that happened to an object, for humans: scheduling failures, pulls, restarts.',
  ),
  fieldSelectors: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  columns: [
    {
      name: 'Last Seen',
      type: 'date',
      priority: 0,
      cell: (o) => (o.lastTimestamp as string | undefined) ?? o.metadata.creationTimestamp ?? null,
    },
    { name: 'Type', type: 'string', priority: 0, cell: (o) => String(o.type ?? '') },
    { name: 'Reason', type: 'string', priority: 0, cell: (o) => String(o.reason ?? '') },
    {
      name: 'Object',
      type: 'string',
      priority: 0,
      cell: (o) =>
        `${String(field(o, 'involvedObject', 'kind') ?? '').toLowerCase()}/${String(field(o, 'involvedObject', 'name') ?? '')}`,
    },
    { name: 'Count', type: 'integer', priority: 1, cell: (o) => Number(o.count ?? 1) },
    { name: 'Message', type: 'string', priority: 0, cell: (o) => String(o.message ?? '') },
  ],
  applyDefaults(o) {
    o.type ??= 'Normal';
    o.count ??= 1;
    return [];
  },
};
