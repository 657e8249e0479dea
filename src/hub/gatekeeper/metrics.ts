/**
 * Prometheus metrics of the Gatekeeper feature, named after Gatekeeper's own
 * (`gatekeeper_violations`, `gatekeeper_audit_duration_seconds`,
 * `gatekeeper_validation_request_count`) under the hub's prefix.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PolicyLibrary } from './library.js';

export type AdmissionStatus = 'allow' | 'deny' | 'error';

export interface GatekeeperMetrics {
  admission: Counter<'admission_status'>;
  admissionDuration: Histogram<'admission_status'>;
  policyErrors: Counter<'constraint_kind' | 'constraint' | 'reason'>;
  violations: Gauge<'constraint_kind' | 'constraint' | 'enforcement_action'>;
  auditDuration: Histogram;
  auditLastRun: Gauge;
}

export function createMetrics(registry: Registry, library: PolicyLibrary): GatekeeperMetrics {
  const registers = [registry];
  new Gauge({
    name: 'edgewise_hub_gatekeeper_constraint_templates',
    help: 'ConstraintTemplates in force',
    registers,
    collect() {
      this.set(library.templates().length);
    },
  });
  new Gauge({
    name: 'edgewise_hub_gatekeeper_constraints',
    help: 'Constraints in force, by enforcement action',
    labelNames: ['enforcement_action'],
    registers,
    collect() {
      this.reset();
      for (const action of ['deny', 'dryrun', 'warn']) this.set({ enforcement_action: action }, 0);
      for (const { constraint } of library.entries())
        this.inc({ enforcement_action: constraint.enforcementAction });
    },
  });
  return {
    admission: new Counter({
      name: 'edgewise_hub_gatekeeper_admission_requests_total',
      help: 'Writes Gatekeeper admission decided, by outcome (allow, deny, error)',
      labelNames: ['admission_status'],
      registers,
    }),
    admissionDuration: new Histogram({
      name: 'edgewise_hub_gatekeeper_admission_duration_seconds',
      help: 'Time Gatekeeper admission spent on one write (matching and evaluating every constraint)',
      labelNames: ['admission_status'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 3],
      registers,
    }),
    policyErrors: new Counter({
      name: 'edgewise_hub_gatekeeper_policy_errors_total',
      help: 'Constraint evaluations that failed (reason: budget or error), in admission and audit',
      labelNames: ['constraint_kind', 'constraint', 'reason'],
      registers,
    }),
    violations: new Gauge({
      name: 'edgewise_hub_gatekeeper_violations',
      help: 'Objects in violation of each constraint at the last audit',
      labelNames: ['constraint_kind', 'constraint', 'enforcement_action'],
      registers,
    }),
    auditDuration: new Histogram({
      name: 'edgewise_hub_gatekeeper_audit_duration_seconds',
      help: 'Time one audit of every constraint over the stored objects took',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    }),
    auditLastRun: new Gauge({
      name: 'edgewise_hub_gatekeeper_audit_last_run_time',
      help: 'When the last audit finished (seconds since the epoch)',
      registers,
    }),
  };
}
