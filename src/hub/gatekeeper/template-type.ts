/**
 * The ConstraintTemplate kind, served as `templates.gatekeeper.sh/v1` (preferred)
 * and `v1beta1` from one storage. Validation compiles the template's Rego: a
 * template that does not compile is rejected (422) naming file:line:col.
 */
import { Type } from '@sinclair/typebox';
import { ageColumn, asArray, asRecord, field, nameColumn, objectSchema } from '../../api/kinds/common.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import { TEMPLATES_GROUP } from './names.js';
import { readTemplate } from './template.js';

const CodeSchema = Type.Object(
  { engine: Type.String(), source: Type.Object({}, { additionalProperties: true }) },
  { additionalProperties: true },
);

const TargetSchema = Type.Object(
  {
    target: Type.String(),
    rego: Type.Optional(Type.String()),
    libs: Type.Optional(Type.Array(Type.String())),
    code: Type.Optional(Type.Array(CodeSchema)),
  },
  { additionalProperties: true },
);

const TemplateSpecSchema = Type.Object({
  crd: Type.Object({
    spec: Type.Object({
      names: Type.Object({
        kind: Type.String({ description: 'Kind of the constraints this template defines.' }),
        shortNames: Type.Optional(Type.Array(Type.String())),
      }),
      validation: Type.Optional(
        Type.Object(
          {
            openAPIV3Schema: Type.Optional(Type.Object({}, { additionalProperties: true })),
            legacySchema: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: true },
        ),
      ),
    }),
  }),
  targets: Type.Array(TargetSchema),
});

/** `Rego`, `Rego+CEL`, or `CEL (not enforced)` for a template whose only code is CEL. */
export function engineSummary(object: KubeObject): string {
  const target = asRecord(asArray(field(object, 'spec', 'targets'))[0]);
  const engines = new Set(asArray(target.code).map((c) => String(asRecord(c).engine ?? '')));
  const rego = typeof target.rego === 'string' || engines.has('Rego');
  const cel = engines.has('K8sNativeValidation');
  if (rego) return cel ? 'Rego+CEL' : 'Rego';
  return cel ? 'CEL (not enforced)' : '<none>';
}

function templateType(version: string): ResourceType {
  return {
    group: TEMPLATES_GROUP,
    version,
    kind: 'ConstraintTemplate',
    listKind: 'ConstraintTemplateList',
    plural: 'constrainttemplates',
    singular: 'constrainttemplate',
    shortNames: [],
    categories: [],
    namespaced: false,
    storage: `${TEMPLATES_GROUP}/constrainttemplates`,
    hasStatus: true,
    nameRule: 'subdomain',
    schema: objectSchema(
      {
        spec: TemplateSpecSchema,
        status: Type.Optional(Type.Object({}, { additionalProperties: true })),
      },
      'A Gatekeeper ConstraintTemplate: Rego (v0) that finds violations, and the constraint kind that applies it.',
    ),
    fieldSelectors: [],
    columns: [
      nameColumn,
      {
        name: 'Constraint-Kind',
        type: 'string',
        priority: 0,
        description: 'The constraint kind this template defines.',
        cell: (o) => String(field(o, 'spec', 'crd', 'spec', 'names', 'kind') ?? ''),
      },
      {
        name: 'Engine',
        type: 'string',
        priority: 0,
        description: 'The code the template carries; only Rego is enforced.',
        cell: engineSummary,
      },
      ageColumn,
    ],
    validate(o, errors) {
      for (const p of readTemplate(o).problems) {
        errors.causes.push({ reason: 'FieldValueInvalid', field: p.field, message: p.message });
      }
    },
  };
}

/** v1 first: discovery prefers the first version registered. */
export const constraintTemplateTypes: readonly ResourceType[] = [templateType('v1'), templateType('v1beta1')];
