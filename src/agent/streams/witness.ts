/**
 * A witness of what the agent has acknowledged to apps, kept outside SQLite. SQLite
 * recovers a truncated or damaged WAL by dropping the transactions at its tail —
 * silently. The witness (two alternating files, each checksummed and fsynced after
 * every commit, before apps hear "stored") lets the agent notice at start that its
 * database holds less than it promised, and report exactly what is missing.
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';

/** Per stream: the epoch and the last sequence number acknowledged to an app. */
export type WitnessMap = Record<string, { epoch: string; seq: number }>;

interface Slot {
  gen: number;
  streams: WitnessMap;
}

/** Slots are rewritten in place at a fixed size, so a write changes no file metadata. */
const BLOCK = 4096;

export class Witness {
  readonly #files: [string, string];
  readonly #fds: (number | undefined)[] = [undefined, undefined];
  /** Bytes each slot file spans; a slot never shrinks, so no stale tail survives a rewrite. */
  readonly #sizes = [0, 0];
  #gen = 0;
  #streams: WitnessMap = {};

  constructor(dataDir: string) {
    this.#files = [path.join(dataDir, 'streams.witness.0'), path.join(dataDir, 'streams.witness.1')];
    const newest = this.#files
      .map(readSlot)
      .filter((s): s is Slot => s !== undefined)
      .sort((a, b) => b.gen - a.gen)[0];
    if (newest) {
      this.#gen = newest.gen;
      this.#streams = newest.streams;
    }
  }

  /** What the newest valid slot says (empty for a new node). */
  get streams(): Readonly<WitnessMap> {
    return this.#streams;
  }

  /** Records new high-water marks durably. */
  record(updates: WitnessMap): void {
    this.#streams = { ...this.#streams, ...updates };
    this.#write();
  }

  /** Replaces the whole map (after a loss was reported, or at first start). */
  reset(streams: WitnessMap): void {
    this.#streams = { ...streams };
    this.#write();
  }

  #write(): void {
    this.#gen++;
    const body = JSON.stringify({ gen: this.#gen, streams: this.#streams });
    const text = Buffer.from(`${crc32(body).toString(16).padStart(8, '0')} ${body}\n`);
    const index = this.#gen % 2;
    const fd = this.#fd(index);
    const size = Math.max(Math.ceil(text.length / BLOCK) * BLOCK, this.#sizes[index] ?? 0);
    this.#sizes[index] = size;
    const slot = Buffer.alloc(size, 0x20);
    text.copy(slot);
    writeSync(fd, slot, 0, slot.length, 0);
    fdatasyncSync(fd);
  }

  #fd(index: number): number {
    let fd = this.#fds[index];
    if (fd === undefined) {
      const file = this.#files[index] as string;
      const created = !existsSync(file);
      fd = openSync(file, created ? 'w+' : 'r+', 0o600);
      this.#fds[index] = fd;
      this.#sizes[index] = fstatSync(fd).size;
      if (created) syncDir(path.dirname(file));
    }
    return fd;
  }

  close(): void {
    for (const fd of this.#fds) if (fd !== undefined) closeSync(fd);
    this.#fds.fill(undefined);
  }
}

function readSlot(file: string): Slot | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^([0-9a-f]{8}) (.*?)\n *$/s.exec(text);
  if (!m || Number.parseInt(m[1] as string, 16) !== crc32(m[2] as string)) return undefined;
  try {
    const slot = JSON.parse(m[2] as string) as Slot;
    return typeof slot.gen === 'number' && slot.streams && typeof slot.streams === 'object'
      ? slot
      : undefined;
  } catch {
    return undefined;
  }
}

/** A new file's directory entry must be durable too. */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
