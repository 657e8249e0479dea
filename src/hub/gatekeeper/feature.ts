/**
 * `gatekeeperFeature()`: Gatekeeper-compatible admission and audit for the hub.
 * Installs the ConstraintTemplate kinds, re-registers the constraint kinds of
 * stored templates (so they survive a restart), the admission plugin, the
 * webhook route, the audit and template-status controllers, and metrics.
 */
import type { HubFeature } from '../feature.js';
import type { Hub } from '../hub.js';
import { gatekeeperAdmission } from './admission-plugin.js';
import { AuditController, type AuditReport } from './audit.js';
import { Inventory } from './inventory.js';
import { Judge } from './judge.js';
import { PolicyLibrary } from './library.js';
import { LibrarySync } from './library-sync.js';
import { createMetrics } from './metrics.js';
import {
  type GatekeeperOptions,
  type ResolvedGatekeeperOptions,
  resolveOptions,
  type SyncKind,
} from './options.js';
import {
  type AdmissionReviewResponse,
  reviewAdmission,
  unknownConstraintRoute,
  webhookRoute,
} from './routes.js';
import { TemplateStatusController } from './template-status.js';
import { constraintTemplateTypes } from './template-type.js';

/** The running feature, for tests, benchmarks and tools in the same process. */
export interface Gatekeeper {
  readonly options: ResolvedGatekeeperOptions;
  readonly library: PolicyLibrary;
  readonly inventory: Inventory;
  /** Reviews an AdmissionReview exactly as `POST /v1/admit` does. */
  review(admissionReview: unknown): Promise<AdmissionReviewResponse>;
  /** Audits now (also writes the constraints' status) and returns the report. */
  auditNow(): Promise<AuditReport>;
  /** Resolves when queued audits and template status writes are done. */
  idle(): Promise<void>;
}

export interface GatekeeperFeature extends HubFeature {
  /** Set once the hub has installed the feature. */
  readonly gatekeeper: Gatekeeper | undefined;
}

function syncKindsOf(library: PolicyLibrary): SyncKind[] {
  return library.templates().flatMap((t) => t.syncKinds);
}

export function gatekeeperFeature(options: GatekeeperOptions = {}): GatekeeperFeature {
  const resolved = resolveOptions(options);
  let installed: Gatekeeper | undefined;
  return {
    name: 'gatekeeper',
    get gatekeeper() {
      return installed;
    },
    async install(hub: Hub) {
      const log = hub.logger.child({ component: 'hub.gatekeeper' });
      for (const type of constraintTemplateTypes) hub.registry.register(type);
      const library = new PolicyLibrary(hub.registry, log);
      const metrics = createMetrics(hub.metrics, library);
      const inventory = new Inventory(hub.registry, hub.store, log, resolved.sync);
      library.listen({
        changed: ({ template }) => {
          if (template) inventory.want(syncKindsOf(library));
        },
      });
      const sync = new LibrarySync(library, hub.store, log);
      await sync.load();
      inventory.want(syncKindsOf(library));
      const judge = new Judge({ library, inventory, store: hub.store, budget: resolved.budget, metrics });
      hub.admission.add(gatekeeperAdmission({ judge, library, sync, metrics, options: resolved }));
      if (resolved.webhook) hub.routes.push(webhookRoute(judge, resolved));
      hub.routes.push(unknownConstraintRoute(hub.registry));
      const now = resolved.now ?? hub.controllerContext?.now ?? (() => new Date());
      const audit = new AuditController({
        library,
        judge,
        registry: hub.registry,
        store: hub.store,
        service: hub.service,
        metrics,
        logger: log,
        now,
        intervalSeconds: resolved.auditIntervalSeconds,
        violationsLimit: resolved.violationsLimit,
      });
      const templateStatus = new TemplateStatusController(library, hub.service, hub.registry, log);
      hub.extraControllers.push({
        name: 'gatekeeper',
        async start() {
          await sync.start();
          await inventory.start();
          await templateStatus.start();
          await audit.start();
        },
        async stop() {
          await audit.stop();
          await templateStatus.stop();
          await inventory.stop();
          await sync.stop();
        },
      });
      installed = {
        options: resolved,
        library,
        inventory,
        review: (body) => reviewAdmission(judge, resolved, body),
        auditNow: () => audit.runOnce(),
        async idle() {
          await templateStatus.idle();
          await audit.idle();
        },
      };
    },
  };
}
