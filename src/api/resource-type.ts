/** What the hub knows about one kind served at one group/version. */
import type { TSchema } from '@sinclair/typebox';
import type { FieldErrors } from './field-errors.js';
import type { NameRule } from './meta.js';
import type { KubeObject } from './object.js';

export type CellValue = string | number | boolean | null;

/** A column of `get` output, served as a Kubernetes Table and printed by the CLI. */
export interface PrinterColumn {
  name: string;
  /** `date` cells hold an RFC 3339 timestamp; clients print them as an age. */
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** 0: always shown; 1: only with `-o wide`. */
  priority: 0 | 1;
  description?: string;
  cell(object: KubeObject): CellValue;
}

export interface ValidationContext {
  operation: 'CREATE' | 'UPDATE';
  old?: KubeObject;
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  /** `all` puts the kind in `edgewise get all`. */
  categories: readonly string[];
  namespaced: boolean;
  /** Storage key; several group/versions may share one (EdgeCluster). */
  storage: string;
  /** When true, writes to the main resource keep the stored status and `/status` writes only status. */
  hasStatus: boolean;
  schema: TSchema;
  nameRule: NameRule;
  /** Field selector paths supported beyond metadata.name and metadata.namespace. */
  fieldSelectors: readonly string[];
  columns: readonly PrinterColumn[];
  /** Checks the schema cannot express (selector matches template labels, unique names…). */
  validate?(object: KubeObject, errors: FieldErrors, context: ValidationContext): void;
  /**
   * Fills defaults in place, as the apiserver's defaulting does. Returns warnings for
   * defaults that stand in for something Kubernetes would have required.
   */
  applyDefaults?(object: KubeObject): string[];
}

export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** `deployments.apps`, `configmaps` — how kubectl names a resource in messages. */
export function qualifiedResource(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/** `deployment.apps/edge-service` — how kubectl names an object in apply/delete output. */
export function objectRef(type: Pick<ResourceType, 'group' | 'kind'>, name: string): string {
  const kind = type.kind.toLowerCase();
  return `${type.group ? `${kind}.${type.group}` : kind}/${name}`;
}
