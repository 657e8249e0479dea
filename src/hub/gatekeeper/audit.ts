/**
 * Audit: re-evaluates every stored object against every constraint (all
 * enforcement actions), periodically and soon after a template or constraint
 * changes, and writes each constraint's `status.totalViolations`,
 * `status.auditTimestamp` and the first `violationsLimit` violations.
 */
import type { Logger } from 'pino';
import { EdgewiseError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceRegistry } from '../../api/registry.js';
import { apiVersionOf, type ResourceType } from '../../api/resource-type.js';
import type { Store } from '../../store/store.js';
import type { Controller } from '../controllers/context.js';
import { WorkQueue } from '../controllers/work-queue.js';
import type { ResourceService } from '../service/resource-service.js';
import { timestamp } from '../service/resource-service.js';
import type { Constraint } from './constraint.js';
import type { Judge } from './judge.js';
import type { LibraryEntry, PolicyLibrary } from './library.js';
import { kindsMatch, type NamespaceInfo } from './match.js';
import type { GatekeeperMetrics } from './metrics.js';
import {
  CONSTRAINTS_GROUP,
  CONSTRAINTS_VERSION,
  type EnforcementAction,
  isGatekeeperGroup,
} from './names.js';
import { auditSubject, gvkOf } from './review.js';

const ALL_ACTIONS: ReadonlySet<EnforcementAction> = new Set(['deny', 'dryrun', 'warn']);
const PAGE = 500;
/** Changes arriving together (a whole directory applied) make one audit. */
const DEBOUNCE_MS = 200;

export interface AuditViolation {
  enforcementAction: EnforcementAction;
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace?: string;
  message: string;
}

export interface ConstraintAudit {
  kind: string;
  name: string;
  totalViolations: number;
  violations: AuditViolation[];
  errors: number;
}

export interface AuditReport {
  timestamp: string;
  constraints: ConstraintAudit[];
  objects: number;
}

export interface AuditOptions {
  library: PolicyLibrary;
  judge: Judge;
  registry: ResourceRegistry;
  store: Store;
  service: ResourceService;
  metrics: GatekeeperMetrics;
  logger: Logger;
  now: () => Date;
  intervalSeconds: number;
  violationsLimit: number;
}

export class AuditController implements Controller {
  readonly name = 'gatekeeper-audit';
  readonly #o: AuditOptions;
  readonly #log: Logger;
  readonly #queue: WorkQueue;
  #timer: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #last: AuditReport | undefined;
  #running = false;

  constructor(options: AuditOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'hub.gatekeeper.audit' });
    this.#queue = new WorkQueue(async () => {
      this.#last = await this.runOnce();
    }, this.#log);
    options.library.listen({
      changed: ({ spec }) => {
        if (spec) this.#soon();
      },
    });
  }

  /** The most recent audit's results. */
  get last(): AuditReport | undefined {
    return this.#last;
  }

  async start(): Promise<void> {
    this.#running = true;
    this.#queue.run();
    this.#queue.add('audit');
    if (this.#o.intervalSeconds > 0) {
      this.#timer = setInterval(() => this.#queue.add('audit'), this.#o.intervalSeconds * 1000);
      this.#timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#queue.close();
    await this.#queue.idle();
  }

  /** Resolves when no audit is queued or running. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  #soon(): void {
    if (!this.#running || this.#debounce) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.#queue.add('audit');
    }, DEBOUNCE_MS);
    this.#debounce.unref();
  }

  /** One audit of every constraint over the stored objects; writes the constraints' status. */
  async runOnce(): Promise<AuditReport> {
    const started = performance.now();
    const entries = this.#o.library.entries();
    const results = new Map<Constraint, ConstraintAudit>();
    for (const { constraint } of entries) {
      results.set(constraint, {
        kind: constraint.kind,
        name: constraint.name,
        totalViolations: 0,
        violations: [],
        errors: 0,
      });
    }
    const namespaces = new Map<string, Promise<NamespaceInfo>>();
    let objects = 0;
    for (const type of this.#auditedTypes(entries)) {
      let page: string | undefined;
      do {
        const listed = await this.#o.store.list(type.storage, {
          limit: PAGE,
          ...(page && { continue: page }),
        });
        for (const stored of listed.items) {
          objects++;
          const object: KubeObject = { ...stored, apiVersion: apiVersionOf(type) };
          const outcomes = await this.#o.judge.evaluate(auditSubject(object), ALL_ACTIONS, namespaces);
          for (const outcome of outcomes) this.#record(results.get(outcome.constraint), object, outcome);
        }
        page = listed.continue;
        await new Promise((r) => setImmediate(r)); // let requests in between pages
      } while (page);
    }
    const when = timestamp(this.#o.now());
    await Promise.all(entries.map((e) => this.#writeStatus(e, results.get(e.constraint), when)));
    this.#o.metrics.auditDuration.observe((performance.now() - started) / 1000);
    this.#o.metrics.auditLastRun.set(this.#o.now().getTime() / 1000);
    this.#o.metrics.violations.reset();
    for (const { constraint } of entries) {
      this.#o.metrics.violations.set(
        {
          constraint_kind: constraint.kind,
          constraint: constraint.name,
          enforcement_action: constraint.enforcementAction,
        },
        results.get(constraint)?.totalViolations ?? 0,
      );
    }
    return { timestamp: when, constraints: [...results.values()], objects };
  }

  /** One served type per stored collection, only those some constraint's kinds could match. */
  #auditedTypes(entries: readonly LibraryEntry[]): ResourceType[] {
    const seen = new Set<string>();
    const out: ResourceType[] = [];
    for (const type of this.#o.registry.all()) {
      if (isGatekeeperGroup(type.group) || seen.has(type.storage)) continue;
      seen.add(type.storage);
      if (entries.some((e) => e.template.policy && kindsMatch(e.constraint.match, type.group, type.kind)))
        out.push(type);
    }
    return out;
  }

  #record(
    audit: ConstraintAudit | undefined,
    object: KubeObject,
    outcome: { constraint: Constraint; violations: { msg: string }[]; error?: { message: string } },
  ): void {
    if (!audit) return;
    if (outcome.error) {
      audit.errors++;
      this.#log.warn(
        { constraint: outcome.constraint.name, err: outcome.error.message },
        'audit evaluation failed',
      );
      return;
    }
    const gvk = gvkOf(object);
    for (const v of outcome.violations) {
      audit.totalViolations++;
      if (audit.violations.length >= this.#o.violationsLimit) continue;
      audit.violations.push({
        enforcementAction: outcome.constraint.enforcementAction,
        group: gvk.group,
        version: gvk.version,
        kind: gvk.kind,
        name: object.metadata.name ?? '',
        ...(object.metadata.namespace && { namespace: object.metadata.namespace }),
        message: v.msg,
      });
    }
  }

  async #writeStatus(entry: LibraryEntry, audit: ConstraintAudit | undefined, when: string): Promise<void> {
    const type = this.#o.registry.byPath(
      CONSTRAINTS_GROUP,
      CONSTRAINTS_VERSION,
      entry.constraint.kind.toLowerCase(),
    );
    if (!type || !audit) return;
    const enforced = entry.template.policy !== undefined;
    const status: Record<string, unknown> = enforced
      ? {
          enforced: true,
          auditTimestamp: when,
          totalViolations: audit.totalViolations,
          violations: audit.violations,
          ...(audit.errors > 0 && { auditErrors: audit.errors }),
        }
      : {
          enforced: false,
          auditTimestamp: when,
          message: `ConstraintTemplate ${entry.template.name} has only CEL (K8sNativeValidation) code; not evaluated`,
        };
    try {
      await this.#o.service.modify(type, '', entry.constraint.name, (current) => ({ ...current, status }), {
        subresource: 'status',
      });
    } catch (err) {
      // Deleted since the audit began, or a write lost: the next audit writes again.
      if (!EdgewiseError.isCode(err, 'EW_NOT_FOUND'))
        this.#log.warn({ err, constraint: entry.constraint.name }, 'cannot write audit status');
    }
  }
}
