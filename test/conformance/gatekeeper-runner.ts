/**
 * Plays Gatekeeper's library suites (`suite.yaml`) the way `gator verify` does,
 * through the hub's real admission path: an in-process hub with the Gatekeeper
 * feature; the template and constraint are created through the resource service;
 * each case's inventory objects are created in the store (and waited for in
 * `data.inventory`); the case's object is then created with `dryRun` through the
 * service (validation, defaulting, admission), or, for a suite's AdmissionReview
 * sample, posted to the hub's webhook route `POST /v1/admit`. The violations the
 * hub reports are counted against the case's assertions.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { EdgewiseError } from '../../src/api/errors.js';
import type { KubeObject } from '../../src/api/object.js';
import type { ResourceType } from '../../src/api/resource-type.js';
import { type Gatekeeper, gatekeeperFeature } from '../../src/hub/gatekeeper/index.js';
import type { Hub } from '../../src/hub/hub.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { registerMissingKinds } from './gatekeeper-kinds.js';
import { conformanceDir } from './rego-runner.js';

export interface Assertion {
  violations?: number | string | boolean;
  message?: string;
}

interface SuiteCase {
  name: string;
  object: string;
  inventory?: string[];
  assertions: Assertion[];
}

interface SuiteTest {
  name: string;
  template: string;
  constraint: string;
  cases: SuiteCase[];
}

export interface CaseResult {
  /** `general/allowedrepos`. */
  suite: string;
  test: string;
  case: string;
  passed: boolean;
  /**
   * How the object reached admission: `service` (dry-run create through the hub's
   * resource service), `webhook` (an AdmissionReview sample, posted to /v1/admit),
   * or `webhook-fallback`: the hub's validation refused the sample before
   * admission (as Kubernetes' would, see `refused`), so it was reviewed through
   * the webhook as gator reviews it, without schema validation.
   */
  via: 'service' | 'webhook' | 'webhook-fallback';
  /** Why the hub's validation refused the sample (via webhook-fallback). */
  refused?: string;
  /** The violation messages the hub reported. */
  violations: string[];
  reason?: string;
}

export function libraryDir(): string {
  return path.join(conformanceDir(), 'gatekeeper-library');
}

/** Every suite, as `group/policy` relative to the library. */
export function listSuites(dir = libraryDir()): string[] {
  const out: string[] = [];
  for (const group of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!group.isDirectory()) continue;
    for (const policy of fs.readdirSync(path.join(dir, group.name), { withFileTypes: true })) {
      if (policy.isDirectory() && fs.existsSync(path.join(dir, group.name, policy.name, 'suite.yaml')))
        out.push(`${group.name}/${policy.name}`);
    }
  }
  return out.sort();
}

function readDocs(file: string): KubeObject[] {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null && typeof d === 'object');
}

function readOne(file: string): KubeObject {
  const [doc] = readDocs(file);
  if (!doc) throw new Error(`${file} holds no object`);
  return doc;
}

/** gator's rule: `violations` is "yes" (≥ 1) unless it says "no", or an exact count. */
export function checkAssertion(assertion: Assertion, messages: string[]): string | undefined {
  const pattern = assertion.message === undefined ? undefined : new RegExp(assertion.message);
  const count = messages.filter((m) => !pattern || pattern.test(m)).length;
  const want = assertion.violations ?? 'yes';
  const about = assertion.message === undefined ? '' : ` matching /${assertion.message}/`;
  if (want === 'yes' || want === true)
    return count >= 1 ? undefined : `expected violations${about}, got none`;
  if (want === 'no' || want === false)
    return count === 0 ? undefined : `expected no violations${about}, got ${count}`;
  const n = Number(want);
  if (!Number.isInteger(n)) return `unreadable assertion violations: ${String(want)}`;
  return count === n ? undefined : `expected ${n} violations${about}, got ${count}`;
}

/** Strips Gatekeeper's `[constraint] ` prefix from a reported line. */
function messageOf(line: string, constraint: string): string {
  const prefix = `[${constraint}] `;
  return line.startsWith(prefix) ? line.slice(prefix.length) : line;
}

async function until(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export class GatekeeperRunner {
  readonly #t: TestHub;
  readonly #gk: Gatekeeper;
  readonly #dir: string;

  private constructor(t: TestHub, gk: Gatekeeper, dir: string) {
    this.#t = t;
    this.#gk = gk;
    this.#dir = dir;
  }

  /** A hub serving every kind the suites use; close() when done. */
  static async start(dir = libraryDir(), suites = listSuites(dir)): Promise<GatekeeperRunner> {
    const feature = gatekeeperFeature({ auditIntervalSeconds: 0 });
    const t = await startTestHub({ features: [feature], listen: true });
    const gk = feature.gatekeeper;
    if (!gk) throw new Error('gatekeeper feature not installed');
    const runner = new GatekeeperRunner(t, gk, dir);
    registerMissingKinds(t.hub.registry, runner.#kindsUsed(suites));
    return runner;
  }

  get hub(): Hub {
    return this.#t.hub;
  }

  async close(): Promise<void> {
    await this.#t.close();
  }

  *#kindsUsed(suites: string[]): Generator<{ apiVersion: string; kind: string }> {
    for (const suite of suites) {
      const base = path.join(this.#dir, suite);
      for (const test of this.#tests(suite)) {
        for (const c of test.cases) {
          for (const file of [c.object, ...(c.inventory ?? [])]) {
            for (const doc of readDocs(path.join(base, file))) {
              const object =
                doc.kind === 'AdmissionReview' ? (doc.request as { object?: KubeObject })?.object : doc;
              if (object?.apiVersion && object.kind)
                yield { apiVersion: object.apiVersion, kind: object.kind };
            }
          }
        }
      }
    }
  }

  #tests(suite: string): SuiteTest[] {
    const doc = readOne(path.join(this.#dir, suite, 'suite.yaml')) as unknown as { tests?: SuiteTest[] };
    return doc.tests ?? [];
  }

  #type(object: KubeObject): ResourceType {
    return this.#t.hub.registry.requireKind(object.apiVersion, object.kind);
  }

  async runSuite(suite: string): Promise<CaseResult[]> {
    const results: CaseResult[] = [];
    for (const test of this.#tests(suite)) results.push(...(await this.#runTest(suite, test)));
    return results;
  }

  async #runTest(suite: string, test: SuiteTest): Promise<CaseResult[]> {
    const base = path.join(this.#dir, suite);
    const template = readOne(path.join(base, test.template));
    const constraint = readOne(path.join(base, test.constraint));
    const service = this.#t.hub.service;
    const fail = (reason: string): CaseResult[] =>
      test.cases.map((c) => ({
        suite,
        test: test.name,
        case: c.name,
        passed: false,
        via: 'service' as const,
        violations: [],
        reason,
      }));
    try {
      await service.create(this.#type(template), '', template);
      await service.create(this.#type(constraint), '', constraint);
    } catch (err) {
      await this.#cleanup(template, constraint);
      return fail(`template or constraint rejected: ${err instanceof Error ? err.message : String(err)}`);
    }
    const results: CaseResult[] = [];
    try {
      for (const c of test.cases) results.push(await this.#runCase(suite, test.name, base, c, constraint));
    } finally {
      await this.#cleanup(template, constraint);
    }
    return results;
  }

  async #cleanup(template: KubeObject, constraint: KubeObject): Promise<void> {
    const service = this.#t.hub.service;
    const name = template.metadata.name ?? '';
    for (const o of [constraint, template]) {
      for (let attempt = 0; ; attempt++) {
        try {
          await service.delete(this.#type(o), '', o.metadata.name ?? '');
          break;
        } catch (err) {
          // A status write (template status, audit) between the service's read and its delete.
          if (EdgewiseError.isCode(err, 'EW_CONFLICT') && attempt < 5) continue;
          if (!EdgewiseError.is(err)) throw err;
          break;
        }
      }
    }
    await until(`template ${name} to be gone`, () => this.#gk.library.template(name) === undefined);
  }

  async #runCase(
    suite: string,
    test: string,
    base: string,
    c: SuiteCase,
    constraint: KubeObject,
  ): Promise<CaseResult> {
    const inventory = (c.inventory ?? []).flatMap((f) => readDocs(path.join(base, f)));
    const object = readOne(path.join(base, c.object));
    const result: CaseResult = {
      suite,
      test,
      case: c.name,
      passed: false,
      via: object.kind === 'AdmissionReview' ? 'webhook' : 'service',
      violations: [],
    };
    const created: KubeObject[] = [];
    try {
      for (const item of inventory) {
        const stored = (await this.#t.hub.service.create(this.#type(item), '', item)).object;
        created.push(stored);
      }
      await until('inventory to sync', () => created.every((o) => this.#inInventory(o)));
      const name = constraint.metadata.name ?? '';
      let lines: string[];
      if (result.via === 'webhook') lines = await this.#viaWebhook(object, name);
      else {
        const outcome = await this.#viaService(object, name);
        if ('refused' in outcome) {
          result.via = 'webhook-fallback';
          result.refused = outcome.refused;
          lines = await this.#viaWebhook(asAdmissionReview(object, this.#type(object).namespaced), name);
        } else lines = outcome.lines;
      }
      result.violations = lines.map((line) => messageOf(line, name));
      const problems = c.assertions
        .map((a) => checkAssertion(a, result.violations))
        .filter((p): p is string => p !== undefined);
      result.passed = problems.length === 0;
      if (!result.passed) result.reason = problems.join('; ');
    } catch (err) {
      result.reason = err instanceof Error ? err.message : String(err);
    } finally {
      for (const o of created) {
        await this.#t.hub.service.delete(this.#type(o), o.metadata.namespace ?? '', o.metadata.name ?? '');
      }
      await until('inventory to forget the case', () => created.every((o) => !this.#inInventory(o)));
    }
    return result;
  }

  #inInventory(o: KubeObject): boolean {
    return (
      this.#gk.inventory.get(o.apiVersion, o.kind, o.metadata.namespace ?? '', o.metadata.name ?? '') !==
      undefined
    );
  }

  /** Creates the object with dryRun through the service; returns the `[constraint] msg` lines it drew. */
  async #viaService(
    object: KubeObject,
    constraint: string,
  ): Promise<{ lines: string[] } | { refused: string }> {
    try {
      const { warnings } = await this.#t.hub.service.create(this.#type(object), '', object, { dryRun: true });
      return { lines: warnings.filter((w) => w.startsWith(`[${constraint}] `)) };
    } catch (err) {
      if (EdgewiseError.isCode(err, 'EW_ADMISSION_DENIED'))
        return { lines: (err.details?.causes ?? []).map((cause) => cause.message) };
      // Refused before admission ran: the sample is not a valid object for the hub.
      if (EdgewiseError.isCode(err, 'EW_INVALID')) return { refused: err.message };
      throw err;
    }
  }

  /** Posts an AdmissionReview sample to the hub's webhook route. */
  async #viaWebhook(review: KubeObject, constraint: string): Promise<string[]> {
    const res = await fetch(`${this.#t.url}/v1/admit`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(review),
    });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    const answer = (await res.json()) as {
      response: {
        allowed: boolean;
        status?: { details?: { causes?: { message: string }[] } };
        warnings?: string[];
      };
    };
    const denied = answer.response.allowed
      ? []
      : (answer.response.status?.details?.causes ?? []).map((c) => c.message);
    return [...denied, ...(answer.response.warnings ?? []).filter((w) => w.startsWith(`[${constraint}] `))];
  }
}

/** The AdmissionReview an apiserver would send Gatekeeper for creating `object`. */
function asAdmissionReview(object: KubeObject, namespaced: boolean): KubeObject {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    metadata: {},
    request: {
      uid: 'conformance',
      kind: { group, version, kind: object.kind },
      operation: 'CREATE',
      name: object.metadata.name ?? '',
      namespace: namespaced ? (object.metadata.namespace ?? 'default') : '',
      userInfo: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] },
      object,
      oldObject: null,
      dryRun: true,
    },
  };
}

/** Runs every suite (or those whose name contains `filter`) on one hub. */
export async function runLibrary(filter?: string): Promise<CaseResult[]> {
  const suites = listSuites().filter((s) => !filter || s.includes(filter));
  const runner = await GatekeeperRunner.start(libraryDir(), suites);
  try {
    const results: CaseResult[] = [];
    for (const suite of suites) results.push(...(await runner.runSuite(suite)));
    return results;
  } finally {
    await runner.close();
  }
}
