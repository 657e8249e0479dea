/**
 * What the agent tells the hub about its machine: labels it owns (architecture,
 * OS, hostname, plus --labels at registration), capacity read from the machine
 * (overridable), node info, addresses and the runtime handlers its drivers offer.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { EdgewiseError } from '../api/errors.js';
import type { NodeReport } from '../api/link-protocol.js';
import { tryParseQuantity } from '../api/quantity.js';

export const AGENT_VERSION = 'edgewise-agent/0.1.0';

/** How the gateway port routes, as reported in the node's status (see host-routes.ts). */
export const GATEWAY_HOST_SCHEME = '<deployment-or-pod>.<namespace>[.<anything>]';

/** Node.js `process.arch` → Kubernetes `kubernetes.io/arch`. */
export function kubernetesArch(arch: string = process.arch): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
  };
  return map[arch] ?? arch;
}

/** Parses `--capacity cpu=4,memory=8Gi,pods=110`; every value must be a valid, non-negative quantity. */
export function parseCapacity(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split(',')) {
    const [name, value] = part.split('=').map((s) => s.trim());
    if (!name || value === undefined)
      throw new EdgewiseError('EW_BAD_REQUEST', `--capacity: "${part}" is not name=quantity`);
    if (!['cpu', 'memory', 'pods', 'ephemeral-storage'].includes(name)) {
      throw new EdgewiseError(
        'EW_BAD_REQUEST',
        `--capacity: unknown resource "${name}" (cpu, memory, pods, ephemeral-storage)`,
      );
    }
    const q = tryParseQuantity(value);
    if (!q || q.sign() < 0 || (name === 'cpu' && q.isZero())) {
      throw new EdgewiseError('EW_BAD_REQUEST', `--capacity: ${name}=${value} is not a sensible quantity`);
    }
    out[name] = value;
  }
  return out;
}

/** Parses `--labels a=b,c=d`. */
export function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new EdgewiseError('EW_BAD_REQUEST', `--labels: "${part}" is not key=value`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function osImage(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? `${os.type()} ${os.release()}`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

/** The first non-internal IPv4 address, else loopback: how the site reaches this box. */
export function internalIp(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export interface NodeReportOptions {
  nodeName: string;
  labels: Record<string, string>;
  capacity: Record<string, string>;
  machineId: string;
  handlers: string[];
  /** Address the node's workloads are reached at. @default the first non-internal IPv4 */
  address?: string;
  /** The node's host-routed gateway port, when it has one. */
  gateway?: { address: string; port: number };
}

export function buildNodeReport(options: NodeReportOptions): NodeReport {
  const capacity: Record<string, string> = {
    cpu: String(os.cpus().length),
    memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
    pods: '110',
    ...options.capacity,
  };
  return {
    labels: {
      ...options.labels,
      'kubernetes.io/arch': kubernetesArch(),
      'kubernetes.io/os': process.platform,
      'kubernetes.io/hostname': options.nodeName,
    },
    status: {
      capacity,
      // Edgewise reserves nothing for the system by default; override with --capacity.
      allocatable: { ...capacity },
      nodeInfo: {
        architecture: kubernetesArch(),
        operatingSystem: process.platform,
        kernelVersion: os.release(),
        osImage: osImage(),
        kubeletVersion: AGENT_VERSION,
        machineID: options.machineId,
      },
      addresses: [
        { type: 'InternalIP', address: options.address ?? internalIp() },
        { type: 'Hostname', address: os.hostname() },
      ],
      runtimeHandlers: options.handlers.map((name) => ({ name })),
      // Every HTTP workload on the node, routed by Host (`<deployment-or-pod>.<namespace>[.<anything>]`).
      ...(options.gateway && { gateway: { ...options.gateway, hostScheme: GATEWAY_HOST_SCHEME } }),
    },
  };
}
