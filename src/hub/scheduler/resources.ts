/**
 * Requests and allocatable, read from quantity strings with the exact parser in
 * src/api/quantity.ts: CPU as millicores (`milliValue()`, rounded up as Kubernetes
 * does), memory and pod counts as integers (`value()`).
 */
import type { Container, PodSpec } from '../../api/kinds/pod-spec.js';
import { tryParseQuantity } from '../../api/quantity.js';
import { type Resources, toSafeNumber } from './types.js';

/** A node's allocatable amounts, when it reports sensible ones. */
export interface NodeCapacity extends Resources {
  /** The most pods the node takes, when it reports `pods`. */
  maxPods: number | undefined;
}

/** Either the capacity or what is wrong with it, phrased for the message: `cpu "abc"`. */
export type CapacityReading =
  | { capacity: NodeCapacity; problem?: undefined }
  | { capacity?: undefined; problem: string };

/** A parsed quantity in the two scales the scheduler uses. */
interface Amount {
  /** `milliValue()`: CPU. */
  readonly milli: bigint;
  /** `value()`: bytes, pod counts. */
  readonly units: bigint;
  readonly negative: boolean;
}

// A fleet repeats the same few quantity strings ("100m", "64Mi", "4") tens of thousands
// of times; parsing each once keeps feeding 50,000 pods into the cache cheap.
const parsed = new Map<string | number, Amount | null>();
const PARSED_LIMIT = 10_000;

/** The quantity's amounts, or undefined when it does not parse. */
function readQuantity(raw: unknown): Amount | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  let amount = parsed.get(raw);
  if (amount === undefined) {
    const q = tryParseQuantity(raw);
    amount = q ? { milli: q.milliValue(), units: q.value(), negative: q.sign() < 0 } : null;
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(raw, amount);
  }
  return amount ?? undefined;
}

/** Kubernetes' scoring floor for a container that requests nothing. */
const DEFAULT_SCORING_CPU_MILLI = 100;
const DEFAULT_SCORING_MEMORY = 200 * 1024 * 1024;

/**
 * Reads `status.allocatable`. cpu and memory must be present, parse, and not be
 * negative; `pods` is optional but held to the same rules when present.
 */
export function readAllocatable(allocatable: unknown): CapacityReading {
  if (allocatable === null || typeof allocatable !== 'object' || Array.isArray(allocatable)) {
    return { problem: 'allocatable missing' };
  }
  const map = allocatable as Record<string, unknown>;
  const cpu = readAmount(map, 'cpu', true);
  if (typeof cpu === 'string') return { problem: cpu };
  const memory = readAmount(map, 'memory', true);
  if (typeof memory === 'string') return { problem: memory };
  const pods = readAmount(map, 'pods', false);
  if (typeof pods === 'string') return { problem: pods };
  return {
    capacity: {
      cpuMilli: toSafeNumber((cpu as Amount).milli),
      memoryBytes: toSafeNumber((memory as Amount).units),
      maxPods: pods === undefined ? undefined : toSafeNumber(pods.units),
    },
  };
}

/** The quantity, undefined when absent and optional, or the problem text. */
function readAmount(
  map: Record<string, unknown>,
  name: string,
  required: boolean,
): Amount | string | undefined {
  const raw = map[name];
  if (raw === undefined || raw === null) return required ? `${name} missing` : undefined;
  const amount = readQuantity(raw);
  if (amount === undefined || amount.negative) return `${name} ${JSON.stringify(shorten(raw))}`;
  return amount;
}

function shorten(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
  return text.length > 32 ? `${text.slice(0, 32)}…` : text;
}

/** A pod's requests; `problem` names the first quantity that could not be read (counted as 0). */
export interface PodRequests {
  requests: Resources;
  scoring: Resources;
  problem: string | undefined;
}

/**
 * Sums requests the way Kubernetes' `resource.PodRequests` does:
 * max(sum of containers, largest init container) per resource, plus the RuntimeClass
 * `overhead.podFixed`.
 */
export function podRequests(spec: PodSpec, overhead: Record<string, unknown> | undefined): PodRequests {
  const problems: string[] = [];
  const sum = { cpuMilli: 0n, memoryBytes: 0n };
  const scoring = { cpuMilli: 0n, memoryBytes: 0n };
  for (const container of spec.containers ?? []) {
    const r = containerRequests(container, problems);
    sum.cpuMilli += r.cpu ?? 0n;
    sum.memoryBytes += r.memory ?? 0n;
    scoring.cpuMilli += r.cpu ?? BigInt(DEFAULT_SCORING_CPU_MILLI);
    scoring.memoryBytes += r.memory ?? BigInt(DEFAULT_SCORING_MEMORY);
  }
  // Init containers run one at a time before the others, so only the largest counts.
  for (const container of spec.initContainers ?? []) {
    const r = containerRequests(container, problems);
    if ((r.cpu ?? 0n) > sum.cpuMilli) sum.cpuMilli = r.cpu ?? 0n;
    if ((r.memory ?? 0n) > sum.memoryBytes) sum.memoryBytes = r.memory ?? 0n;
    if ((r.cpu ?? 0n) > scoring.cpuMilli) scoring.cpuMilli = r.cpu ?? 0n;
    if ((r.memory ?? 0n) > scoring.memoryBytes) scoring.memoryBytes = r.memory ?? 0n;
  }
  if (overhead) {
    const cpu = readRequest(overhead.cpu, 'cpu', 'RuntimeClass overhead', problems);
    const memory = readRequest(overhead.memory, 'memory', 'RuntimeClass overhead', problems);
    const cpuMilli = cpu?.milli ?? 0n;
    const memoryBytes = memory?.units ?? 0n;
    sum.cpuMilli += cpuMilli;
    sum.memoryBytes += memoryBytes;
    scoring.cpuMilli += cpuMilli;
    scoring.memoryBytes += memoryBytes;
  }
  return {
    requests: { cpuMilli: toSafeNumber(sum.cpuMilli), memoryBytes: toSafeNumber(sum.memoryBytes) },
    scoring: { cpuMilli: toSafeNumber(scoring.cpuMilli), memoryBytes: toSafeNumber(scoring.memoryBytes) },
    problem: problems[0],
  };
}

function containerRequests(container: Container, problems: string[]): { cpu?: bigint; memory?: bigint } {
  const requests = container.resources?.requests ?? {};
  const where = `container ${container.name}`;
  const cpu = readRequest(requests.cpu, 'cpu', where, problems);
  const memory = readRequest(requests.memory, 'memory', where, problems);
  return { cpu: cpu?.milli, memory: memory?.units };
}

function readRequest(raw: unknown, name: string, where: string, problems: string[]): Amount | undefined {
  if (raw === undefined || raw === null) return undefined;
  const amount = readQuantity(raw);
  if (amount === undefined || amount.negative) {
    problems.push(`${where} requests an invalid ${name} quantity ${JSON.stringify(shorten(raw))}`);
    return undefined;
  }
  return amount;
}

/** `250m`: CPU always in millicores, so requests and free amounts compare at a glance. */
export function formatCpu(milli: number): string {
  return `${Math.max(0, milli)}m`;
}
