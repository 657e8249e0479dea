/** Pieces shared by kind definitions: the envelope schema and common columns. */
import { type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { ObjectMetaSchema } from '../meta.js';
import type { KubeObject } from '../object.js';
import type { PrinterColumn } from '../resource-type.js';

/** An object schema with apiVersion, kind and metadata plus the kind's own fields. */
export function objectSchema(fields: TProperties, description: string): TSchema {
  return Type.Object(
    {
      apiVersion: Type.String(),
      kind: Type.String(),
      metadata: ObjectMetaSchema,
      ...fields,
    },
    { description, additionalProperties: true },
  );
}

export const nameColumn: PrinterColumn = {
  name: 'Name',
  type: 'string',
  priority: 0,
  description: 'Name must be unique within a namespace.',
  cell: (o) => o.metadata.name ?? '',
};

export const ageColumn: PrinterColumn = {
  name: 'Age',
  type: 'date',
  priority: 0,
  description: 'Time since the object was created.',
  cell: (o) => o.metadata.creationTimestamp ?? null,
};

/** Reads a nested field without trusting the object's shape (it came from a user). */
export function field(object: unknown, ...path: (string | number)[]): unknown {
  let cur = object;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Ensures `object[key]` is a plain object and returns it, for defaulting. */
export function ensureRecord(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = object[key];
  if (existing !== null && typeof existing === 'object' && !Array.isArray(existing))
    return existing as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  object[key] = created;
  return created;
}

export function specOf(object: KubeObject): Record<string, unknown> {
  return asRecord(object.spec);
}

export function statusOf(object: KubeObject): Record<string, unknown> {
  return asRecord(object.status);
}
