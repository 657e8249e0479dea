/**
 * DataSync (edgewise.io/v1alpha1): which edge streams, on which nodes, go to which
 * sink, with what backlog limits and which egress policy. Shipped to the nodes its
 * nodeSelector picks; the agent enforces limits and policy, the hub routes to the
 * sink. See docs/data-sync.md.
 */
import { type Static, Type } from '@sinclair/typebox';
import { parseDuration } from '../duration.js';
import type { FieldErrors } from '../field-errors.js';
import type { KubeObject } from '../object.js';
import { tryParseQuantity } from '../quantity.js';
import type { ResourceType } from '../resource-type.js';
import { Quantity, StringMap } from '../schema.js';
import { ageColumn, asRecord, field, nameColumn, objectSchema } from './common.js';
import { dataSyncColumns } from './data-sync-columns.js';
import { type SinkSpec, SinkSpecSchema, sinkType, validateSink } from './data-sync-sinks.js';
import { ConditionSchema } from './pod.js';

export { type SinkSpec, type SinkType, sinkTarget, sinkType } from './data-sync-sinks.js';

export const DATA_SYNC_STORAGE = 'edgewise.io/datasyncs';

/** kube-mgmt's label for policy ConfigMaps (`openpolicyagent.org/policy: rego`). */
export const KUBE_MGMT_POLICY_LABEL = 'openpolicyagent.org/policy';

const LimitsSchema = Type.Object({
  maxBytes: Type.Optional(Quantity({ description: 'Backlog cap per stream and node (records + overhead).' })),
  maxAge: Type.Optional(Type.String({ description: 'Records older than this are evicted (TTL), e.g. 72h.' })),
  onFull: Type.Optional(
    Type.Union([Type.Literal('Reject'), Type.Literal('DropOldest')], {
      description: 'Reject: new writes get 429. DropOldest: the oldest records are evicted and counted.',
    }),
  ),
});

const EgressSchema = Type.Object({
  policy: Type.Optional(
    Type.Object({
      configMap: Type.Optional(
        Type.String({ description: 'ConfigMap in this namespace whose *.rego keys are the policy.' }),
      ),
      decision: Type.String({ description: 'Package path whose allow/deny/redact rules decide, data.x.y.' }),
    }),
  ),
  defaultAction: Type.Optional(Type.Union([Type.Literal('Allow'), Type.Literal('Deny')])),
});

export const DataSyncSpecSchema = Type.Object({
  nodeSelector: Type.Optional(StringMap('Labels a node must carry; empty selects every node.')),
  streams: Type.Array(Type.String(), { description: 'Stream names or glob patterns (* and ?).' }),
  priority: Type.Optional(Type.Integer({ description: 'Higher drains first and is evicted last.' })),
  limits: Type.Optional(LimitsSchema),
  egress: Type.Optional(EgressSchema),
  sink: SinkSpecSchema,
});

export type DataSyncSpec = Static<typeof DataSyncSpecSchema>;
export interface DataSync extends KubeObject {
  spec: DataSyncSpec;
}

/** Backlog limits in force for a stream, after defaults. */
export interface StreamLimits {
  maxBytes: number;
  /** Milliseconds; 0 = no TTL. */
  maxAgeMs: number;
  onFull: 'Reject' | 'DropOldest';
}

/**
 * Limits for streams no DataSync sets: 256 MiB, no TTL, and Reject — an acknowledged
 * record is never discarded unless a DataSync opts into DropOldest or a maxAge.
 */
export const DEFAULT_LIMITS: Readonly<StreamLimits> = Object.freeze({
  maxBytes: 256 * 1024 * 1024,
  maxAgeMs: 0,
  onFull: 'Reject',
});

/** Stream names: DNS labels, so `<node>.<stream>` names a Stream object. */
export const STREAM_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const STREAM_PATTERN = /^[a-z0-9*?][-a-z0-9*?]{0,62}$/;

export function limitsOf(ds: DataSync | undefined): StreamLimits {
  const limits = asRecord(ds?.spec?.limits);
  const bytes = tryParseQuantity(limits.maxBytes);
  const age = typeof limits.maxAge === 'string' ? parseDuration(limits.maxAge) : undefined;
  return {
    maxBytes: bytes ? Number(bytes.value()) : DEFAULT_LIMITS.maxBytes,
    maxAgeMs: age ?? DEFAULT_LIMITS.maxAgeMs,
    onFull: limits.onFull === 'DropOldest' ? 'DropOldest' : DEFAULT_LIMITS.onFull,
  };
}

export function priorityOf(ds: DataSync | undefined): number {
  const p = ds?.spec?.priority;
  return typeof p === 'number' && Number.isInteger(p) ? p : 0;
}

/** Glob match with `*` (any run) and `?` (one character). */
export function streamMatches(pattern: string, stream: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === stream;
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\-]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(stream);
}

export function selectsNode(ds: DataSync, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  return Object.entries(ds.spec?.nodeSelector ?? {}).every(([k, v]) => have[k] === v);
}

/**
 * The DataSync that governs a stream among those a node holds: one naming the stream
 * exactly beats a pattern; then the oldest; then namespace/name. Agent and hub use
 * this one rule, so they agree on limits, policy and sink.
 */
export function governing(dataSyncs: readonly DataSync[], stream: string): DataSync | undefined {
  let best: { ds: DataSync; exact: boolean } | undefined;
  for (const ds of dataSyncs) {
    const patterns = Array.isArray(ds.spec?.streams) ? ds.spec.streams : [];
    const exact = patterns.includes(stream);
    if (!exact && !patterns.some((p) => typeof p === 'string' && streamMatches(p, stream))) continue;
    if (!best || before({ ds, exact }, best)) best = { ds, exact };
  }
  return best?.ds;
}

function before(a: { ds: DataSync; exact: boolean }, b: { ds: DataSync; exact: boolean }): boolean {
  if (a.exact !== b.exact) return a.exact;
  const ta = a.ds.metadata.creationTimestamp ?? '';
  const tb = b.ds.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb;
  return refOf(a.ds) < refOf(b.ds);
}

/** `namespace/name`. */
export function refOf(ds: KubeObject): string {
  return `${ds.metadata.namespace ?? ''}/${ds.metadata.name ?? ''}`;
}

function validate(o: KubeObject, errors: FieldErrors): void {
  const spec = asRecord(o.spec);
  const streams = Array.isArray(spec.streams) ? spec.streams : [];
  if (streams.length === 0) errors.required('spec.streams', 'name at least one stream or pattern');
  streams.forEach((s, i) => {
    if (typeof s === 'string' && !STREAM_PATTERN.test(s))
      errors.invalid(
        `spec.streams[${i}]`,
        s,
        'must be a stream name (a DNS label) or a pattern with * and ?',
      );
  });
  const priority = spec.priority;
  if (typeof priority === 'number' && Math.abs(priority) > 1000)
    errors.invalid('spec.priority', priority, 'must be between -1000 and 1000');
  const limits = asRecord(spec.limits);
  const bytes = tryParseQuantity(limits.maxBytes);
  if (limits.maxBytes !== undefined && bytes && bytes.value() < 4096n)
    errors.invalid('spec.limits.maxBytes', limits.maxBytes, 'must be at least 4Ki');
  if (typeof limits.maxAge === 'string' && !(Number(parseDuration(limits.maxAge)) > 0))
    errors.invalid('spec.limits.maxAge', limits.maxAge, 'must be a duration such as 30m, 72h');
  const policy = asRecord(field(spec, 'egress', 'policy'));
  if (typeof policy.decision === 'string' && !/^data(\.[A-Za-z_][\w]*)+$/.test(policy.decision))
    errors.invalid(
      'spec.egress.policy.decision',
      policy.decision,
      'must be a path such as data.clinic.egress',
    );
  validateSink(spec.sink, errors);
}

export const dataSyncType: ResourceType = {
  group: 'edgewise.io',
  version: 'v1alpha1',
  kind: 'DataSync',
  listKind: 'DataSyncList',
  plural: 'datasyncs',
  singular: 'datasync',
  shortNames: ['dsync'],
  categories: [],
  namespaced: true,
  storage: DATA_SYNC_STORAGE,
  hasStatus: true,
  nameRule: 'subdomain',
  schema: objectSchema(
    {
      spec: DataSyncSpecSchema,
      status: Type.Optional(
        Type.Object(
          {
            nodes: Type.Optional(Type.Integer()),
            streams: Type.Optional(Type.Integer()),
            backlog: Type.Optional(Type.Integer()),
            delivered: Type.Optional(Type.Integer()),
            conditions: Type.Optional(Type.Array(ConditionSchema)),
          },
          { additionalProperties: true },
        ),
      ),
    },
    'Routes edge streams on the nodes it selects to a sink, with backlog limits and an egress policy.',
  ),
  fieldSelectors: [],
  columns: [nameColumn, ...dataSyncColumns, ageColumn],
  validate,
};

/** Sink kind of a DataSync (`hub`, `rabbitmq`, …), or undefined when invalid. */
export function sinkOf(ds: DataSync): SinkSpec | undefined {
  return sinkType(ds.spec?.sink) ? ds.spec.sink : undefined;
}
