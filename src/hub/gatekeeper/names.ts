/** The API groups, target and webhook name Gatekeeper uses, kept where every part can see them. */

export const TEMPLATES_GROUP = 'templates.gatekeeper.sh';
export const CONSTRAINTS_GROUP = 'constraints.gatekeeper.sh';
/** Constraint kinds are served at this version, as Gatekeeper's library writes them. */
export const CONSTRAINTS_VERSION = 'v1beta1';
/** The only target Gatekeeper's admission path evaluates. */
export const ADMISSION_TARGET = 'admission.k8s.gatekeeper.sh';
/** Named in denial messages, as kubectl users know it from Gatekeeper. */
export const WEBHOOK_NAME = 'validation.gatekeeper.sh';
/** Template annotation listing the kinds a referential policy reads from `data.inventory`. */
export const REQUIRES_SYNC_DATA = 'metadata.gatekeeper.sh/requires-sync-data';

export type EnforcementAction = 'deny' | 'dryrun' | 'warn';
export const ENFORCEMENT_ACTIONS: readonly EnforcementAction[] = ['deny', 'dryrun', 'warn'];

/** True for the groups of Gatekeeper's own kinds, which constraints never evaluate. */
export function isGatekeeperGroup(group: string): boolean {
  return group === TEMPLATES_GROUP || group === CONSTRAINTS_GROUP;
}
