/**
 * Reads a ConstraintTemplate: its constraint kind, parameter schema, engines, and
 * Rego (compiled here, once per source text). Problems come back with the field
 * they concern, so the template kind can reject a bad template with a 422 whose
 * message names the Rego file, line and column.
 */
import type { TSchema } from '@sinclair/typebox';
import { asArray, asRecord, field } from '../../api/kinds/common.js';
import type { KubeObject } from '../../api/object.js';
import { checkSchema } from '../../api/schema.js';
import { type CompiledPolicy, compile, RegoError } from '../../policy/rego/index.js';
import { constraintSchema } from './constraint-schema.js';
import { ADMISSION_TARGET, REQUIRES_SYNC_DATA } from './names.js';
import type { SyncKind } from './options.js';

export interface TemplateProblem {
  field: string;
  message: string;
}

/** A template ready to evaluate: what constraints of its kind need. */
export interface CompiledTemplate {
  name: string;
  /** The constraint kind it defines (`spec.crd.spec.names.kind`). */
  kind: string;
  /** Engines its code is written for (`Rego`, `K8sNativeValidation`). */
  engines: string[];
  /** Absent when the template has only CEL code: accepted, but not enforced here. */
  policy: CompiledPolicy | undefined;
  /** `data.<package>.violation`. */
  violationRef: string;
  /** The policy reads `data.inventory`; only then is the inventory handed in. */
  usesInventory: boolean;
  /** Schema of a constraint of this kind (parameters included). */
  constraintSchema: TSchema;
  /** `spec.crd.spec.validation.openAPIV3Schema`, for defaulting parameters. */
  parametersSchema: unknown;
  /** Kinds named by the requires-sync-data annotation. */
  syncKinds: SyncKind[];
  object: KubeObject;
}

export interface TemplateReading {
  template?: CompiledTemplate;
  problems: TemplateProblem[];
}

interface RegoCode {
  field: string;
  rego: string;
  libs: string[];
  version: 'v0' | 'v1';
}

const KIND_PATTERN = /^[A-Z][A-Za-z0-9]*$/;
const CACHE_LIMIT = 128;
const policyCache = new Map<string, CompiledPolicy>();

/** Where the Rego of a target lives: `rego`/`libs`, or a `code` entry with engine Rego. */
function regoOf(target: Record<string, unknown>, at: string, engines: Set<string>): RegoCode | undefined {
  let found: RegoCode | undefined;
  if (typeof target.rego === 'string') {
    engines.add('Rego');
    found = { field: `${at}.rego`, rego: target.rego, libs: stringsOf(target.libs), version: 'v0' };
  }
  asArray(target.code).forEach((entry, i) => {
    const code = asRecord(entry);
    const engine = typeof code.engine === 'string' ? code.engine : '';
    if (engine) engines.add(engine);
    const source = asRecord(code.source);
    if (engine === 'Rego' && !found && typeof source.rego === 'string') {
      found = {
        field: `${at}.code[${i}].source.rego`,
        rego: source.rego,
        libs: stringsOf(source.libs),
        version: source.version === 'v1' ? 'v1' : 'v0',
      };
    }
  });
  return found;
}

function stringsOf(value: unknown): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

function compileCached(name: string, code: RegoCode): CompiledPolicy {
  const key = JSON.stringify([name, code.version, code.rego, code.libs]);
  const hit = policyCache.get(key);
  if (hit) return hit;
  const policy = compile(
    [
      { path: `${name}.rego`, source: code.rego },
      ...code.libs.map((source, i) => ({ path: `${name}/libs[${i}].rego`, source })),
    ],
    { regoVersion: code.version },
  );
  if (policyCache.size >= CACHE_LIMIT) policyCache.delete(policyCache.keys().next().value as string);
  policyCache.set(key, policy);
  return policy;
}

/**
 * Parses the requires-sync-data annotation: a JSON list of requirements, each a
 * list of GVK sets. The library writes it wrapped in quotes and newlines, which
 * Gatekeeper trims before parsing, as here.
 */
export function parseSyncAnnotation(text: string | undefined): SyncKind[] {
  if (!text) return [];
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^[\n"]+|[\n"]+$/g, ''));
  } catch {
    return [];
  }
  const out: SyncKind[] = [];
  for (const requirement of asArray(value)) {
    for (const entry of asArray(requirement)) {
      const e = asRecord(entry);
      for (const group of stringsOf(e.groups))
        for (const version of stringsOf(e.versions))
          for (const kind of stringsOf(e.kinds)) out.push({ group, version, kind });
    }
  }
  return out;
}

function regoProblem(err: unknown, at: string): TemplateProblem {
  if (RegoError.isRegoError(err)) return { field: at, message: err.message };
  return { field: at, message: `cannot compile: ${err instanceof Error ? err.message : String(err)}` };
}

/** Reads and compiles a template; problems are returned, not thrown. */
export function readTemplate(object: KubeObject): TemplateReading {
  const problems: TemplateProblem[] = [];
  const name = object.metadata.name ?? '';
  const kind = field(object, 'spec', 'crd', 'spec', 'names', 'kind');
  if (typeof kind !== 'string' || kind === '') {
    problems.push({ field: 'spec.crd.spec.names.kind', message: 'Required value' });
  } else if (!KIND_PATTERN.test(kind)) {
    problems.push({
      field: 'spec.crd.spec.names.kind',
      message: `invalid kind "${kind}": must be CamelCase`,
    });
  } else if (name && name !== kind.toLowerCase()) {
    problems.push({
      field: 'metadata.name',
      message: `template name "${name}" must be the lowercase of spec.crd.spec.names.kind (${kind.toLowerCase()})`,
    });
  }
  const targets = asArray(field(object, 'spec', 'targets'));
  if (targets.length !== 1) {
    problems.push({ field: 'spec.targets', message: `must have exactly one target, has ${targets.length}` });
  }
  const target = asRecord(targets[0]);
  if (targets.length > 0 && target.target !== ADMISSION_TARGET) {
    problems.push({
      field: 'spec.targets[0].target',
      message: `unsupported target "${String(target.target)}": only ${ADMISSION_TARGET} is served`,
    });
  }
  const engines = new Set<string>();
  const code = regoOf(target, 'spec.targets[0]', engines);
  if (targets.length > 0 && engines.size === 0) {
    problems.push({ field: 'spec.targets[0]', message: 'has no rego and no code' });
  }
  let policy: CompiledPolicy | undefined;
  let violationRef = '';
  if (code) {
    try {
      policy = compileCached(name || 'template', code);
      const main = policy.modules[0];
      const pkg = main?.pkg ?? [];
      violationRef = `data.${pkg.map((p) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? p : JSON.stringify(p))).join('.')}.violation`;
      const hasViolation = main?.rules.some((r) => {
        const head = r.head.ref[0];
        return head?.type === 'var' && head.name === 'violation';
      });
      if (!hasViolation) {
        problems.push({
          field: code.field,
          message: `${name || 'template'}.rego:${main?.pkgLoc.row ?? 1}:${main?.pkgLoc.col ?? 1}: rego_compile_error: missing required rule: violation`,
        });
      }
    } catch (err) {
      problems.push(regoProblem(err, code.field));
    }
  }
  const parametersSchema = field(object, 'spec', 'crd', 'spec', 'validation', 'openAPIV3Schema');
  if (parametersSchema !== undefined && (parametersSchema === null || typeof parametersSchema !== 'object')) {
    problems.push({ field: 'spec.crd.spec.validation.openAPIV3Schema', message: 'must be an object' });
  }
  const schema = constraintSchema(typeof kind === 'string' ? kind : '', parametersSchema);
  try {
    checkSchema(schema, {}); // compiles the schema now, so a broken one is the template's problem
  } catch (err) {
    problems.push({
      field: 'spec.crd.spec.validation.openAPIV3Schema',
      message: `invalid schema: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
  if (problems.length > 0 || typeof kind !== 'string') return { problems };
  const usesInventory = code ? /\binventory\b/.test([code.rego, ...code.libs].join('\n')) : false;
  return {
    problems,
    template: {
      name,
      kind,
      engines: [...engines],
      policy,
      violationRef,
      usesInventory,
      constraintSchema: schema,
      parametersSchema,
      syncKinds: parseSyncAnnotation(object.metadata.annotations?.[REQUIRES_SYNC_DATA]),
      object,
    },
  };
}
