/**
 * The schema of a constraint kind: `spec.match`, `spec.enforcementAction` and
 * `spec.parameters`, the last being the template's `openAPIV3Schema`. Validation
 * (ajv, through the hub's prepareObject) therefore names parameter fields as
 * `spec.parameters.repos[0]`, and kubectl's OpenAPI view shows them.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { objectSchema } from '../../api/kinds/common.js';
import { LabelSelectorSchema } from '../../api/schema.js';
import { ENFORCEMENT_ACTIONS } from './names.js';

export const MatchSchema = Type.Object(
  {
    kinds: Type.Optional(
      Type.Array(
        Type.Object({
          apiGroups: Type.Optional(Type.Array(Type.String())),
          kinds: Type.Optional(Type.Array(Type.String())),
        }),
      ),
    ),
    scope: Type.Optional(
      Type.Union([Type.Literal('*'), Type.Literal('Cluster'), Type.Literal('Namespaced')], {
        description: 'Cluster-scoped and/or namespaced objects; `*` (default) is both.',
      }),
    ),
    namespaces: Type.Optional(Type.Array(Type.String(), { description: 'Globs: kube-*, *-system.' })),
    excludedNamespaces: Type.Optional(Type.Array(Type.String())),
    labelSelector: Type.Optional(LabelSelectorSchema),
    namespaceSelector: Type.Optional(LabelSelectorSchema),
    name: Type.Optional(Type.String({ description: 'Object name; a prefix or suffix glob.' })),
    source: Type.Optional(Type.String()),
  },
  { description: 'Which objects the constraint applies to (Gatekeeper match semantics).' },
);

/** A schema for `spec.parameters` that accepts anything (templates without a schema). */
const OPEN_PARAMETERS = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

const SCHEMA_CACHE_LIMIT = 256;
/**
 * Schemas by content: ajv keeps every schema object it compiles, so the same
 * template read again (each write validates it) must yield the same object.
 */
const schemaCache = new Map<string, TSchema>();

export function constraintSchema(kind: string, parameters: unknown): TSchema {
  const key = JSON.stringify([kind, parameters ?? null]);
  const hit = schemaCache.get(key);
  if (hit) return hit;
  const schema = buildConstraintSchema(kind, parameters);
  if (schemaCache.size >= SCHEMA_CACHE_LIMIT) schemaCache.delete(schemaCache.keys().next().value as string);
  schemaCache.set(key, schema);
  return schema;
}

function buildConstraintSchema(kind: string, parameters: unknown): TSchema {
  const params = structuredClone(
    parameters !== null && typeof parameters === 'object' ? parameters : OPEN_PARAMETERS,
  ) as Record<string, unknown>;
  return objectSchema(
    {
      spec: Type.Optional(
        Type.Object({
          match: Type.Optional(MatchSchema),
          enforcementAction: Type.Optional(
            Type.Union(
              ENFORCEMENT_ACTIONS.map((a) => Type.Literal(a)),
              { description: 'deny (default) rejects; warn admits with a Warning; dryrun only audits.' },
            ),
          ),
          parameters: Type.Optional(Type.Unsafe<unknown>(params)),
        }),
      ),
      status: Type.Optional(Type.Object({}, { additionalProperties: true })),
    },
    `A ${kind} constraint: applies its ConstraintTemplate's policy to the objects it matches.`,
  );
}

/**
 * Fills `default` values from a structural schema into `value`, as the apiserver
 * defaults custom resources: only where the enclosing object exists.
 */
export function applySchemaDefaults(schema: unknown, value: unknown): void {
  if (schema === null || typeof schema !== 'object') return;
  const s = schema as { properties?: Record<string, unknown>; items?: unknown };
  if (Array.isArray(value)) {
    for (const item of value) applySchemaDefaults(s.items, item);
    return;
  }
  if (value === null || typeof value !== 'object' || !s.properties) return;
  const record = value as Record<string, unknown>;
  for (const [key, sub] of Object.entries(s.properties)) {
    if (record[key] === undefined && sub !== null && typeof sub === 'object' && 'default' in sub) {
      record[key] = structuredClone((sub as { default: unknown }).default);
    }
    applySchemaDefaults(sub, record[key]);
  }
}
