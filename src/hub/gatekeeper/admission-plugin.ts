/**
 * The Gatekeeper admission plugin: every create and update of a main resource is
 * reviewed against the constraints in force (deny and warn; dryrun is audit's).
 * Writes of templates and constraints themselves are handed to LibrarySync so
 * they take effect as soon as the write returns.
 */
import type { AdmissionPlugin, AdmissionRequest, AdmissionResult } from '../admission.js';
import { decide, type Judge } from './judge.js';
import type { PolicyLibrary } from './library.js';
import type { LibrarySync } from './library-sync.js';
import { wildcardMatches } from './match.js';
import type { AdmissionStatus, GatekeeperMetrics } from './metrics.js';
import { CONSTRAINTS_GROUP, type EnforcementAction, isGatekeeperGroup, TEMPLATES_GROUP } from './names.js';
import type { ResolvedGatekeeperOptions } from './options.js';
import { admissionSubject } from './review.js';
import { readTemplate } from './template.js';

/** What admission (and the webhook) evaluate; dryrun constraints only show in audit. */
export const ADMISSION_ACTIONS: ReadonlySet<EnforcementAction> = new Set(['deny', 'warn']);

export interface AdmissionDeps {
  judge: Judge;
  library: PolicyLibrary;
  sync: LibrarySync;
  metrics: GatekeeperMetrics;
  options: ResolvedGatekeeperOptions;
}

const NONE: AdmissionResult = { warnings: [] };

export function isExempt(options: ResolvedGatekeeperOptions, namespace: string): boolean {
  return namespace !== '' && options.exemptNamespaces.some((p) => wildcardMatches(p, namespace));
}

const CEL_ONLY =
  'has only CEL (K8sNativeValidation) code; Edgewise evaluates Rego only, so its constraints are accepted but not enforced';

/** Warnings for writes of templates and constraints that will not be enforced. */
function ownKindWarnings(request: AdmissionRequest, library: PolicyLibrary): string[] {
  if (request.operation === 'DELETE') return [];
  if (request.type.group === TEMPLATES_GROUP) {
    const { template } = readTemplate(request.object);
    return template && !template.policy ? [`ConstraintTemplate ${template.name} ${CEL_ONLY}`] : [];
  }
  if (request.type.group === CONSTRAINTS_GROUP) {
    const template = library.templateForKind(request.type.kind);
    return template && !template.policy ? [`ConstraintTemplate ${template.name} ${CEL_ONLY}`] : [];
  }
  return [];
}

export function gatekeeperAdmission(deps: AdmissionDeps): AdmissionPlugin {
  const { judge, library, sync, metrics, options } = deps;
  return {
    name: 'gatekeeper',
    async admit(request) {
      if (request.subresource) return NONE;
      if (isGatekeeperGroup(request.type.group)) {
        const warnings = ownKindWarnings(request, library);
        sync.admitted(request);
        return { warnings };
      }
      if (request.operation === 'DELETE' || judge.idle || isExempt(options, request.namespace)) return NONE;
      const started = performance.now();
      let status: AdmissionStatus = 'allow';
      try {
        const outcomes = await judge.evaluate(admissionSubject(request), ADMISSION_ACTIONS);
        const decision = decide(outcomes, options.failurePolicy);
        if (decision.error) {
          status = decision.error.code === 'EW_ADMISSION_DENIED' ? 'deny' : 'error';
          throw decision.error;
        }
        return { warnings: decision.warnings };
      } catch (err) {
        if (status === 'allow') status = 'error';
        throw err;
      } finally {
        metrics.admission.inc({ admission_status: status });
        metrics.admissionDuration.observe({ admission_status: status }, (performance.now() - started) / 1000);
      }
    },
  };
}
