/**
 * Schema building blocks. Each kind declares its schema once with TypeBox; from that
 * one source come the TypeScript type (`Static<>`), validation (ajv, compiled once)
 * and the OpenAPI document served to kubectl.
 *
 * Schemas are open (unknown fields are kept): manifests in the field carry many
 * Kubernetes fields Edgewise does not act on, and they must read back unchanged.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { StatusCause } from './errors.js';
import { tryParseQuantity } from './quantity.js';

/** Marks a field as a Kubernetes quantity (`100m`, `512Mi`, `1`). */
const QUANTITY_KEYWORD = 'x-edgewise-quantity';

/** A resource quantity: a string or a number, parsed as Kubernetes does. */
export function Quantity(options: { description?: string } = {}) {
  return Type.Unsafe<string | number>({
    ...options,
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'number' }, { type: 'string' }],
    [QUANTITY_KEYWORD]: true,
  });
}

/** `int-or-string` fields such as `maxSurge: 25%` or a port name. */
export function IntOrString(options: { description?: string } = {}) {
  return Type.Unsafe<string | number>({
    ...options,
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
  });
}

export const StringMap = (description?: string) =>
  Type.Record(Type.String(), Type.String(), description ? { description } : {});

export const QuantityMap = () => Type.Record(Type.String(), Quantity());

export const LabelSelectorSchema = Type.Object({
  matchLabels: Type.Optional(StringMap()),
  matchExpressions: Type.Optional(
    Type.Array(
      Type.Object({
        key: Type.String(),
        operator: Type.Union([
          Type.Literal('In'),
          Type.Literal('NotIn'),
          Type.Literal('Exists'),
          Type.Literal('DoesNotExist'),
        ]),
        values: Type.Optional(Type.Array(Type.String())),
      }),
    ),
  ),
});

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
ajv.addKeyword({
  keyword: QUANTITY_KEYWORD,
  schemaType: 'boolean',
  errors: true,
  validate: function quantity(_enabled: boolean, data: unknown) {
    if ((typeof data === 'string' || typeof data === 'number') && tryParseQuantity(data) !== undefined)
      return true;
    const self = quantity as { errors?: Partial<ErrorObject>[] };
    self.errors = [
      { keyword: QUANTITY_KEYWORD, message: `invalid quantity ${JSON.stringify(data)}`, params: {} },
    ];
    return false;
  },
});

const compiled = new WeakMap<TSchema, ValidateFunction>();

/** Validates `value` against `schema`; returns causes with Kubernetes field paths. */
export function checkSchema(schema: TSchema, value: unknown): StatusCause[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return toCauses(validate.errors ?? [], value);
}

/** `/spec/containers/0/image` → `spec.containers[0].image`. */
export function pointerToFieldPath(pointer: string): string {
  if (pointer === '') return '';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur = root;
  if (pointer === '') return cur;
  for (const raw of pointer.slice(1).split('/')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function toCauses(errors: ErrorObject[], root: unknown): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  // anyOf reports every branch; a quantity or int-or-string failure is clearer on its own.
  const quantityPaths = new Set(
    errors.filter((e) => e.keyword === QUANTITY_KEYWORD).map((e) => e.instancePath),
  );
  for (const e of errors) {
    if (e.keyword === 'anyOf' || (quantityPaths.has(e.instancePath) && e.keyword !== QUANTITY_KEYWORD))
      continue;
    let cause: StatusCause;
    const value = valueAt(root, e.instancePath);
    switch (e.keyword) {
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        cause = {
          reason: 'FieldValueRequired',
          field: pointerToFieldPath(`${e.instancePath}/${missing.replace(/~/g, '~0').replace(/\//g, '~1')}`),
          message: 'Required value',
        };
        break;
      }
      case 'type':
        cause = {
          reason: 'FieldValueTypeInvalid',
          field: pointerToFieldPath(e.instancePath),
          message: `Invalid value: ${describe(value)}: must be of type ${(e.params as { type: string }).type}`,
        };
        break;
      case 'enum':
      case 'const': {
        const allowed =
          e.keyword === 'enum'
            ? (e.params as { allowedValues: unknown[] }).allowedValues
            : [(e.params as { allowedValue: unknown }).allowedValue];
        cause = {
          reason: 'FieldValueNotSupported',
          field: pointerToFieldPath(e.instancePath),
          message: `Unsupported value: ${describe(value)}: supported values: ${allowed.map((v) => describe(v)).join(', ')}`,
        };
        break;
      }
      case QUANTITY_KEYWORD:
        cause = {
          reason: 'FieldValueInvalid',
          field: pointerToFieldPath(e.instancePath),
          message: e.message ?? 'invalid',
        };
        break;
      default:
        cause = {
          reason: 'FieldValueInvalid',
          field: pointerToFieldPath(e.instancePath),
          message: `Invalid value: ${describe(value)}: ${e.message ?? 'invalid'}`,
        };
    }
    const key = `${cause.field}|${cause.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    causes.push(cause);
  }
  return mergeUnionCauses(causes);
}

/**
 * A union of literals (enum-like) reports one `const` failure per branch; fold them
 * into one "supported values" cause per field.
 */
function mergeUnionCauses(causes: StatusCause[]): StatusCause[] {
  const out: StatusCause[] = [];
  const byField = new Map<string, StatusCause>();
  for (const c of causes) {
    const prior = c.field !== undefined ? byField.get(c.field) : undefined;
    if (c.reason === 'FieldValueNotSupported' && prior?.reason === 'FieldValueNotSupported') {
      const more = c.message.split('supported values: ')[1];
      if (more) prior.message += `, ${more}`;
      continue;
    }
    if (c.reason === 'FieldValueNotSupported' && c.field !== undefined) byField.set(c.field, c);
    out.push(c);
  }
  return out;
}
