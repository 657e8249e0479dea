/**
 * The egress filter: before a record leaves the node, the Rego policy its DataSync
 * names decides, from ConfigMaps this node holds — the one `egress.policy.configMap`
 * names, or else the kube-mgmt policy ConfigMaps (`openpolicyagent.org/policy=rego`)
 * of the DataSync's namespace. Rules read under `egress.policy.decision`:
 *
 * - `deny` true (or a non-empty set of reasons) → the record stays on the node;
 * - `allow` true → leaves; false, or undefined in a package that has `allow` rules
 *   (as OPA callers read it) → stays;
 * - a package without `allow` rules → `egress.defaultAction` (Allow unless it says Deny);
 * - `redact`: field paths (`"patient.name"` or `["patient", "name"]`) removed first.
 *
 * A DataSync without `egress.policy` sends everything (`defaultAction: Deny` keeps
 * everything). A named policy that is missing or does not compile holds the stream —
 * nothing leaves until it is fixed; an evaluation error refuses that record.
 */
import type { Logger } from 'pino';
import { configMapType } from '../../api/kinds/core.js';
import { KUBE_MGMT_POLICY_LABEL } from '../../api/kinds/data-sync.js';
import type { KubeObject } from '../../api/object.js';
import { type CompiledPolicy, compile, parseModule, RegoError } from '../../policy/rego/index.js';
import type { AgentState } from '../state/agent-state.js';
import type { StreamConfig } from './config.js';
import { redact, toPath } from './redact.js';

export interface EgressInput {
  node: string;
  stream: string;
  epoch: string;
  seq: number;
  time: string;
  record: unknown;
}

export type Decision =
  | { action: 'allow'; data: unknown; redacted: boolean }
  | { action: 'deny'; reason: string };

export interface Evaluator {
  /** Why nothing may leave right now (policy missing or broken), if so. */
  hold?: string;
  /** `none`, `default Deny`, or the decision path in force. */
  summary: string;
  decide(input: EgressInput): Decision;
}

const BUDGET = { maxSteps: 200_000 };

interface Compiled {
  rego: CompiledPolicy;
  /** `pkg.path.rule` of every rule the modules define. */
  rules: Set<string>;
}

export class EgressPolicies {
  readonly #state: AgentState;
  readonly #log: Logger;
  readonly #compiled = new Map<string, Compiled | RegoError>();
  /** Evaluators by DataSync, valid while the node's desired state stays at one revision. */
  readonly #evaluators = new Map<string, Evaluator>();
  #revision = -1;

  constructor(state: AgentState, logger: Logger) {
    this.#state = state;
    this.#log = logger;
  }

  evaluator(config: StreamConfig): Evaluator {
    const revision = this.#state.lastRevision;
    if (revision !== this.#revision) {
      this.#revision = revision;
      this.#evaluators.clear();
    }
    const key = `${config.ref ?? ''}|${config.dataSync?.metadata.resourceVersion ?? ''}`;
    let evaluator = this.#evaluators.get(key);
    if (!evaluator) {
      evaluator = this.#build(config);
      this.#evaluators.set(key, evaluator);
    }
    return evaluator;
  }

  #build(config: StreamConfig): Evaluator {
    const egress = config.dataSync?.spec?.egress;
    const fallback = egress?.defaultAction === 'Deny' ? 'Deny' : 'Allow';
    const policy = egress?.policy;
    if (!policy) {
      return fallback === 'Allow'
        ? { summary: 'none', decide: (input) => ({ action: 'allow', data: input.record, redacted: false }) }
        : { summary: 'default Deny', decide: () => ({ action: 'deny', reason: 'defaultAction: Deny' }) };
    }
    const namespace = config.dataSync?.metadata.namespace ?? 'default';
    const sources = this.#sources(namespace, policy.configMap);
    if (typeof sources === 'string')
      return { hold: sources, summary: policy.decision, decide: held(sources) };
    const key = sources
      .map((cm) => `${cm.metadata.namespace}/${cm.metadata.name}@${cm.metadata.resourceVersion}`)
      .join(',');
    let compiled = this.#compiled.get(key);
    if (!compiled) {
      compiled = this.#compile(sources);
      this.#compiled.clear();
      this.#compiled.set(key, compiled);
    }
    if (compiled instanceof RegoError) {
      const why = `egress policy does not compile: ${compiled.message}`;
      return { hold: why, summary: policy.decision, decide: held(why) };
    }
    const { rego, rules } = compiled;
    const destination = config.sinkType ?? 'hub';
    const hasAllow = rules.has(`${policy.decision.replace(/^data\./, '')}.allow`);
    const whenUndefined = hasAllow ? 'Deny' : fallback;
    return {
      summary: policy.decision,
      decide: (input) => decideWith(rego, policy.decision, whenUndefined, { ...input, destination }),
    };
  }

  #sources(namespace: string, named: string | undefined): KubeObject[] | string {
    if (named) {
      const cm = this.#state.object(configMapType.storage, namespace, named);
      return cm ? [cm] : `egress policy ConfigMap ${namespace}/${named} is not on this node yet`;
    }
    const labelled = this.#state
      .objects(configMapType.storage)
      .filter(
        (cm) =>
          cm.metadata.namespace === namespace && cm.metadata.labels?.[KUBE_MGMT_POLICY_LABEL] === 'rego',
      );
    return labelled.length > 0
      ? labelled
      : `no policy ConfigMaps (${KUBE_MGMT_POLICY_LABEL}=rego) of namespace ${namespace} are on this node`;
  }

  #compile(sources: KubeObject[]): Compiled | RegoError {
    const modules = sources.flatMap((cm) => {
      const data = Object.entries((cm.data ?? {}) as Record<string, string>);
      const rego = data.filter(([k]) => k.endsWith('.rego'));
      return (rego.length > 0 ? rego : data).map(([k, source]) => ({
        path: `${cm.metadata.namespace}/${cm.metadata.name}/${k}`,
        source,
      }));
    });
    try {
      const rego = compile(modules, { regoVersion: 'auto' });
      const rules = new Set<string>();
      for (const m of modules) {
        const parsed = parseModule(m.path, m.source);
        for (const rule of parsed.rules) {
          const head = rule.head.ref[0];
          if (head?.type === 'var') rules.add([...parsed.pkg, head.name].join('.'));
        }
      }
      return { rego, rules };
    } catch (err) {
      if (err instanceof RegoError) {
        this.#log.warn({ err: err.message }, 'egress policy does not compile; its streams are held');
        return err;
      }
      throw err;
    }
  }
}

/** A held stream sends nothing; its records must not be decided (refusing them would be final). */
function held(reason: string): (input: EgressInput) => Decision {
  return () => {
    throw new Error(`stream is held: ${reason}`);
  };
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'string') return value !== '';
  return value === true;
}

function decideWith(
  rego: CompiledPolicy,
  decision: string,
  whenUndefined: 'Allow' | 'Deny',
  input: EgressInput & { destination: string },
): Decision {
  const document = { action: 'data_transfer', data_stays_local: false, ...input };
  try {
    const opts = { input: document, budget: BUDGET };
    const deny = rego.evalRef(`${decision}.deny`, opts);
    if (truthy(deny))
      return {
        action: 'deny',
        reason: Array.isArray(deny) ? deny.map(String).join('; ') : `${decision}.deny`,
      };
    const allow = rego.evalRef(`${decision}.allow`, opts);
    if ((allow !== undefined && allow !== true) || (allow === undefined && whenUndefined === 'Deny'))
      return { action: 'deny', reason: `not allowed by ${decision}` };
    const marks = rego.evalRef(`${decision}.redact`, opts);
    const paths = (Array.isArray(marks) ? marks : [])
      .map(toPath)
      .filter((p): p is string[] => p !== undefined);
    const { data, removed } = redact(input.record, paths);
    return { action: 'allow', data, redacted: removed };
  } catch (err) {
    return { action: 'deny', reason: `egress policy error: ${(err as Error).message}` };
  }
}
