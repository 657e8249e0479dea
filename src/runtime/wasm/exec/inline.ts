/**
 * Runs guests on the calling thread. Cheapest per request, but a guest that never
 * returns blocks that thread for good: for benchmarks and trusted modules only.
 */
import type { WasmModule } from '../wa.js';
import type { GuestJob, GuestResult, GuestRunner } from './job.js';
import { MemoryPool } from './memory-pool.js';
import { runGuest } from './run.js';

export class InlineRunner implements GuestRunner {
  private readonly memories = new MemoryPool();

  run(_key: string, module: WasmModule, job: GuestJob): Promise<GuestResult> {
    return Promise.resolve(runGuest(module, job, this.memories));
  }

  forget(): void {}

  async close(): Promise<void> {}
}
