/**
 * Log file names in a workload's logDir. Per stream: the live file the program writes
 * (`stdout.log`), rotated copies (`stdout.log.1` newest … `stdout.log.<n-1>` oldest),
 * and beside each a time index (`stdout.log.idx`, `stdout.log.1.idx`, …).
 */
import path from 'node:path';

export type StreamName = 'stdout' | 'stderr';

export const STREAMS: readonly StreamName[] = ['stdout', 'stderr'];

/** Generation 0 is the live file; 1 is the newest rotated copy. */
export function logFile(logDir: string, stream: StreamName, generation = 0): string {
  return path.join(logDir, generation === 0 ? `${stream}.log` : `${stream}.log.${generation}`);
}

export function indexFile(logDir: string, stream: StreamName, generation = 0): string {
  return `${logFile(logDir, stream, generation)}.idx`;
}
