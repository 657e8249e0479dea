/**
 * Gatekeeper-compatible admission and audit for the hub. See docs/policy-admission.md.
 *
 * @example
 * const hub = await createHub({ dataDir, features: [gatekeeperFeature({ failurePolicy: 'Fail' })] });
 */
export type { AuditReport, AuditViolation, ConstraintAudit } from './audit.js';
export { type Gatekeeper, type GatekeeperFeature, gatekeeperFeature } from './feature.js';
export {
  CONSTRAINTS_GROUP,
  CONSTRAINTS_VERSION,
  type EnforcementAction,
  TEMPLATES_GROUP,
  WEBHOOK_NAME,
} from './names.js';
export type { GatekeeperOptions, SyncKind } from './options.js';
export { type AdmissionReviewResponse, WEBHOOK_PATH } from './routes.js';
