/**
 * Host services for Wasm runtime tests, without an agent: a policy host that hands
 * the workers the agent's own evaluator module with a snapshot of given Rego
 * sources, and a stream host that keeps records in memory and can be told to fail,
 * or to hold writes until released.
 */

import type { WasmEvaluatorConfig } from '../../src/agent/edge-policy/wasm-evaluator.js';
import { EdgewiseError } from '../../src/api/errors.js';
import type { PolicySnapshot, WasmPolicyHost, WasmStreamHost } from '../../src/runtime/wasm/host/services.js';

export const EVALUATOR_MODULE = new URL('../../src/agent/edge-policy/wasm-evaluator.js', import.meta.url)
  .href;

/** The education scenario's policy (../shared/scenarios/education/education-policy.rego). */
export const EDUCATION_POLICY = `package education

default allow = false

allow {
    input.action == "join"
    input.user.role == "student"
    input.course.status == "active"
    input.course.capacity > count(input.course.students)
}
`;

export class TestPolicyHost implements WasmPolicyHost {
  evaluatorModule = EVALUATOR_MODULE;
  readonly entries: string[] = [];
  snapshots = 0;
  #snapshot: PolicySnapshot = { version: 0, config: undefined };

  constructor(
    files: Record<string, string>,
    readonly options: Partial<Pick<WasmEvaluatorConfig, 'budget' | 'inputs' | 'maxResultBytes'>> = {},
  ) {
    this.set(files);
  }

  /** Puts new sources in force under the next revision. */
  set(files: Record<string, string>): void {
    const version = this.#snapshot.version + 1;
    const config: WasmEvaluatorConfig = {
      revision: version,
      loadedAt: new Date().toISOString(),
      sources: [
        {
          namespace: 'test',
          name: 'policies',
          uid: 'uid-test',
          kind: 'policy',
          fingerprint: `v${version}`,
          resourceVersion: String(version),
          files,
        },
      ],
      budget: { maxSteps: 100_000, timeoutMs: 250 },
      inputs: 'redacted',
      maxResultBytes: 8192,
      ...this.options,
    };
    this.#snapshot = { version, config };
  }

  snapshot(): PolicySnapshot {
    this.snapshots++;
    return this.#snapshot;
  }

  record(entries: readonly string[]): void {
    this.entries.push(...entries);
  }

  /** The logged entries, parsed. */
  parsed(): Array<Record<string, unknown>> {
    return this.entries.map((e) => JSON.parse(e) as Record<string, unknown>);
  }
}

export class TestStreamHost implements WasmStreamHost {
  readonly records: { name: string; record: string; seq: number }[] = [];
  /** Makes every write fail with this error. */
  failWith: EdgewiseError | undefined;
  /** While set, writes wait until release() (the disk is slow, or never answers). */
  #held: (() => void)[] | undefined;
  readonly #seqs = new Map<string, number>();

  async write(name: string, record: string): Promise<{ seq: number }> {
    if (this.#held) await new Promise<void>((resolve) => this.#held?.push(resolve));
    if (this.failWith) throw this.failWith;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name))
      throw new EdgewiseError('EW_BAD_REQUEST', `bad name ${name}`);
    try {
      JSON.parse(record);
    } catch {
      throw new EdgewiseError('EW_BAD_REQUEST', 'not JSON');
    }
    const seq = (this.#seqs.get(name) ?? 0) + 1;
    this.#seqs.set(name, seq);
    this.records.push({ name, record, seq });
    return { seq };
  }

  hold(): void {
    this.#held ??= [];
  }

  release(): void {
    const waiting = this.#held ?? [];
    this.#held = undefined;
    for (const go of waiting) go();
  }

  /** Writes waiting in hold(). */
  get waiting(): number {
    return this.#held?.length ?? 0;
  }
}
