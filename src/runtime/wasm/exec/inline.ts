/**
 * Runs guests on the calling thread. Cheapest per request, but a guest that never
 * returns blocks that thread for good: for benchmarks and trusted modules only.
 */
import type { WasmModule } from '../wa.js';
import type { GuestJob, GuestResult, GuestRunner, RunOptions } from './job.js';
import { encodeJob, GuestExecutor, ownResult, resultParts } from './run.js';

export class InlineRunner implements GuestRunner {
  private readonly executor = new GuestExecutor();

  run(_key: string, module: WasmModule, job: GuestJob): Promise<GuestResult> {
    return Promise.resolve(this.runNow(module, job));
  }

  submit(
    _key: string,
    module: WasmModule,
    job: GuestJob,
    _options: RunOptions,
    done: (result: GuestResult) => void,
  ): void {
    done(this.runNow(module, job));
  }

  private runNow(module: WasmModule, job: GuestJob): GuestResult {
    return ownResult(resultParts(this.executor.run(module, encodeJob(job)), job.cgi));
  }

  forget(): void {}

  async close(): Promise<void> {}
}
