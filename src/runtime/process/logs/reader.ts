/**
 * `logs()` for one workload: the backlog from disk, then (with `follow`) lines as the
 * collectors see them, until the caller aborts or every stream has ended — the
 * workload stopped and its files were drained, or the driver let go of it.
 */
import type { LogLine, LogOptions } from '../../driver.js';
import { mergeByTime, type StampedLine, toLogLine } from './backlog.js';
import type { StreamCollector } from './collector.js';

export async function* readLogs(
  collectors: StreamCollector[],
  options: LogOptions = {},
): AsyncGenerator<LogLine> {
  const chosen = options.stream ? collectors.filter((c) => c.stream === options.stream) : collectors;
  const { signal, tail } = options;
  const follow = options.follow === true && !signal?.aborted;
  const queue: LogLine[] = [];
  let wake: (() => void) | undefined;
  const onLine = (l: StampedLine) => {
    queue.push(toLogLine(l));
    wake?.();
  };
  const onWake = () => wake?.();

  // Everything up to the first yield runs synchronously, so no line can fall between
  // the backlog and the subscription, or appear in both: the tick hands lines written
  // so far to earlier followers, then we subscribe, then read what is on disk.
  for (const c of chosen) c.tick();
  const unsubscribe = follow ? chosen.map((c) => c.subscribe(onLine, onWake)) : [];
  if (follow) signal?.addEventListener('abort', onWake);
  try {
    let backlog = chosen.map((c) => c.backlog(tail)).reduce(mergeByTime, []);
    if (tail !== undefined) backlog = tail > 0 ? backlog.slice(-tail) : [];
    for (const l of backlog) yield toLogLine(l);
    while (follow && !signal?.aborted) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (chosen.every((c) => c.ended)) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    for (const off of unsubscribe) off();
    signal?.removeEventListener('abort', onWake);
  }
}
