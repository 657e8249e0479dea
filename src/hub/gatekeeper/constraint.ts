/**
 * Constraint kinds (one per template, `constraints.gatekeeper.sh/v1beta1`,
 * cluster-scoped) and the in-memory form of a constraint that admission and
 * audit evaluate.
 */
import { asRecord, field, nameColumn } from '../../api/kinds/common.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import { fromJSON, type Value } from '../../policy/rego/index.js';
import { applySchemaDefaults } from './constraint-schema.js';
import { type CompiledMatch, compileMatch, matchProblems } from './match.js';
import { CONSTRAINTS_GROUP, CONSTRAINTS_VERSION, type EnforcementAction } from './names.js';
import type { CompiledTemplate } from './template.js';

export interface Constraint {
  kind: string;
  name: string;
  enforcementAction: EnforcementAction;
  match: CompiledMatch;
  /** `input.parameters`, converted once for the engine. */
  parameters: Value;
  object: KubeObject;
}

export function constraintStorage(kind: string): string {
  return `${CONSTRAINTS_GROUP}/${kind.toLowerCase()}`;
}

/** Reads a stored (already validated) constraint. Throws EW_INVALID on a bad selector. */
export function toConstraint(object: KubeObject): Constraint {
  const spec = asRecord(object.spec);
  const action = spec.enforcementAction;
  return {
    kind: object.kind,
    name: object.metadata.name ?? '',
    enforcementAction: action === 'dryrun' || action === 'warn' ? action : 'deny',
    match: compileMatch(spec.match),
    parameters: fromJSON(spec.parameters ?? {}),
    object,
  };
}

export function constraintType(template: CompiledTemplate): ResourceType {
  const plural = template.kind.toLowerCase();
  return {
    group: CONSTRAINTS_GROUP,
    version: CONSTRAINTS_VERSION,
    kind: template.kind,
    listKind: `${template.kind}List`,
    plural,
    singular: plural,
    shortNames: [],
    categories: ['constraint', 'constraints'],
    namespaced: false,
    storage: constraintStorage(template.kind),
    hasStatus: true,
    nameRule: 'subdomain',
    schema: template.constraintSchema,
    fieldSelectors: [],
    columns: [
      nameColumn,
      {
        name: 'Enforcement-Action',
        type: 'string',
        priority: 0,
        description: 'deny, warn or dryrun.',
        cell: (o) => String(field(o, 'spec', 'enforcementAction') ?? 'deny'),
      },
      {
        name: 'Total-Violations',
        type: 'integer',
        priority: 0,
        description: 'Objects in violation at the last audit.',
        cell: (o) => {
          const total = field(o, 'status', 'totalViolations');
          return typeof total === 'number' ? total : null;
        },
      },
    ],
    applyDefaults(o) {
      const spec = asRecord(o.spec);
      spec.enforcementAction ??= 'deny';
      if (spec.parameters !== undefined) applySchemaDefaults(template.parametersSchema, spec.parameters);
      o.spec = spec;
      return [];
    },
    validate(o, errors) {
      for (const p of matchProblems(field(o, 'spec', 'match'))) {
        errors.causes.push({ reason: 'FieldValueInvalid', field: p.field, message: p.message });
      }
    },
  };
}
