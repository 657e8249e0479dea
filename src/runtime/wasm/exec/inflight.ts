/**
 * The jobs a worker holds, in dispatch order: at most `depth` (16) of them, so a
 * plain array searched front to back is as fast as a Map here.
 *
 * Why not a Map: one job in and one out per request makes V8 rebuild a Map's hash
 * table every few dozen requests, and each table it drops keeps a link to its
 * successor. Once one dropped table sits in the old generation (any full GC during
 * load puts the live one there), every later table, and the requests and responses
 * its tasks reach, survives scavenges until the next full GC. The main thread then
 * runs a full GC every 200–300 ms and serves a quarter fewer requests
 * (docs/benchmarks.md). An array that keeps its capacity never links to anything.
 */
export interface InflightJob {
  id: number;
}

export class InflightJobs<T extends InflightJob> {
  private readonly jobs: T[] = [];

  get size(): number {
    return this.jobs.length;
  }

  add(job: T): void {
    this.jobs.push(job);
  }

  get(id: number): T | undefined {
    for (const job of this.jobs) if (job.id === id) return job;
    return undefined;
  }

  remove(job: T): void {
    const at = this.jobs.indexOf(job);
    if (at >= 0) this.jobs.splice(at, 1);
  }

  /** A copy, so callers may remove jobs while they go through it. */
  list(): T[] {
    return this.jobs.slice();
  }

  /** The jobs as they are now, for reading only. */
  view(): readonly T[] {
    return this.jobs;
  }
}
