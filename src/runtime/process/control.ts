/**
 * The control files a workload keeps in `<workDir>/.edgewise/`. They live beside the
 * workload, not in agent memory, so a restarted agent can tell whether the workload
 * still runs (re-adopt it) or how it ended (report it).
 *
 *   state.json  written by the driver after spawn: pid, start time, boot id, spec fingerprint
 *   pid         written by the wrapper itself, so a pid exists even if the agent died mid-spawn
 *   exit        written by the wrapper when the program ends: "<status>" or "<status> limit"
 *   reported    present once a driver has emitted this run's termination
 *
 * No fsync: a machine crash kills the workload too, and the boot id in state.json
 * makes whatever survives on disk read as "not running".
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ProcessIdentity } from './proc.js';

export const CONTROL_DIR = '.edgewise';

export interface RunState extends ProcessIdentity {
  /** WorkloadSpec.id the run belongs to. */
  id: string;
  /** Fingerprint of the spec the run was started with; see fingerprint.ts. */
  fingerprint: string;
  startedAt: string;
}

export interface ExitRecord {
  /** Shell exit status: the program's code, or 128 + signal number. */
  status: number;
  /** Set when the wrapper failed before running the program. */
  failure?: 'limit';
}

export class ControlFiles {
  readonly dir: string;

  constructor(workDir: string) {
    this.dir = path.join(workDir, CONTROL_DIR);
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  get exitFile(): string {
    return this.file('exit');
  }

  get pidFile(): string {
    return this.file('pid');
  }

  /** Removes everything a previous run left, before a new one starts. */
  reset(): void {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** Forgets the workload entirely (stop). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  writeState(state: RunState): void {
    // Write-then-rename: a reader never sees half a file.
    const tmp = this.file('state.json.tmp');
    writeFileSync(tmp, `${JSON.stringify(state)}\n`);
    renameSync(tmp, this.file('state.json'));
  }

  readState(): RunState | undefined {
    const text = readIfExists(this.file('state.json'));
    if (text === undefined) return undefined;
    const parsed = JSON.parse(text) as Partial<RunState>;
    if (
      typeof parsed.pid !== 'number' ||
      typeof parsed.startTime !== 'number' ||
      typeof parsed.bootId !== 'string' ||
      typeof parsed.fingerprint !== 'string' ||
      typeof parsed.startedAt !== 'string' ||
      typeof parsed.id !== 'string'
    ) {
      throw new Error(`${this.file('state.json')} is not a workload state file`);
    }
    return parsed as RunState;
  }

  /** The pid the wrapper wrote for itself, if any. */
  readWrapperPid(): number | undefined {
    const text = readIfExists(this.pidFile)?.trim();
    const pid = text ? Number(text) : Number.NaN;
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  /** The exit record, or undefined when the wrapper did not (or not yet) write one. */
  readExit(): ExitRecord | undefined {
    const text = readIfExists(this.exitFile)?.trim();
    if (!text) return undefined;
    const [status, failure] = text.split(/\s+/);
    const code = Number(status);
    if (!Number.isInteger(code)) return undefined;
    return failure === 'limit' ? { status: code, failure } : { status: code };
  }

  /** Records the driver's own knowledge of an exit the wrapper could not write (SIGKILL). */
  writeExit(record: ExitRecord): void {
    if (!existsSync(this.dir)) return;
    writeFileSync(
      this.exitFile,
      record.failure ? `${record.status} ${record.failure}\n` : `${record.status}\n`,
    );
  }

  markReported(): void {
    if (existsSync(this.dir)) writeFileSync(this.file('reported'), '');
  }

  isReported(): boolean {
    return existsSync(this.file('reported'));
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
