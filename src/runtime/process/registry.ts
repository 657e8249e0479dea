/**
 * Which workloads this node's process driver started, kept on disk in
 * `stateDir` so a restarted agent can stop (or list) workloads it was not asked to
 * start again. One JSON file per workload, named by a digest of its id (ids contain
 * `/`). Without a stateDir the registry is empty and does nothing.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkloadSpec } from '../driver.js';

export interface RecordedWorkload {
  id: string;
  workDir: string;
  logDir: string;
}

export class Registry {
  private readonly dir: string | undefined;

  constructor(dir: string | undefined) {
    this.dir = dir;
    if (dir) mkdirSync(dir, { recursive: true });
  }

  record(spec: WorkloadSpec): void {
    if (!this.dir) return;
    const entry: RecordedWorkload = { id: spec.id, workDir: spec.workDir, logDir: spec.logDir };
    const file = this.fileOf(spec.id);
    writeFileSync(`${file}.tmp`, `${JSON.stringify(entry)}\n`);
    renameSync(`${file}.tmp`, file);
  }

  lookup(id: string): RecordedWorkload | undefined {
    if (!this.dir) return undefined;
    return readEntry(this.fileOf(id));
  }

  forget(id: string): void {
    if (this.dir) rmSync(this.fileOf(id), { force: true });
  }

  list(): RecordedWorkload[] {
    const dir = this.dir;
    if (!dir) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => readEntry(path.join(dir, name)))
      .filter((e): e is RecordedWorkload => e !== undefined);
  }

  private fileOf(id: string): string {
    const digest = createHash('sha256').update(id).digest('hex').slice(0, 32);
    return path.join(this.dir as string, `${digest}.json`);
  }
}

function readEntry(file: string): RecordedWorkload | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const entry = JSON.parse(text) as Partial<RecordedWorkload>;
  if (typeof entry.id !== 'string' || typeof entry.workDir !== 'string' || typeof entry.logDir !== 'string') {
    throw new Error(`${file} is not a process workload record`);
  }
  return entry as RecordedWorkload;
}
