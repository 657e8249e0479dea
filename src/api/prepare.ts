/**
 * What happens to an object between decoding and admission, as in the apiserver:
 * type checks against the schema, then defaulting, then semantic validation.
 */
import { invalid } from './errors.js';
import { FieldErrors } from './field-errors.js';
import { validateObjectMeta } from './meta.js';
import type { KubeObject } from './object.js';
import type { ResourceType, ValidationContext } from './resource-type.js';
import { checkSchema } from './schema.js';

export interface PrepareResult {
  /** Defaults that stood in for something the manifest should say, for `Warning` headers. */
  warnings: string[];
}

/**
 * Validates and defaults `object` in place for `type`. Throws EW_INVALID listing every
 * problem with its field path; on error the object may be partly defaulted, so
 * callers work on a copy.
 */
export function prepareObject(
  type: ResourceType,
  object: KubeObject,
  context: ValidationContext,
): PrepareResult {
  const name = object.metadata?.name ?? '';
  const schemaCauses = checkSchema(type.schema, object);
  if (schemaCauses.length > 0) throw invalid(type.kind, name, schemaCauses, type.group);
  const warnings = type.applyDefaults?.(object) ?? [];
  const errors = new FieldErrors();
  validateObjectMeta(object.metadata, type.nameRule, errors);
  type.validate?.(object, errors, context);
  if (!errors.empty) throw invalid(type.kind, name, errors.causes, type.group);
  return { warnings };
}
