/**
 * Apps writing to an agent's stream: each writer POSTs records `{id, n}` one at a
 * time and remembers which the agent acknowledged (200) and which it never answered
 * (the agent died mid-request) — those may or may not have been stored.
 */
export interface WriteLog {
  acknowledged: Set<string>;
  unacknowledged: Set<string>;
  refused: Set<string>;
}

export function newLog(): WriteLog {
  return { acknowledged: new Set(), unacknowledged: new Set(), refused: new Set() };
}

export interface Writers {
  log: WriteLog;
  /** Stops the writers and waits for them. */
  stop(): Promise<void>;
  /** Resolves once `n` writes were acknowledged in total. */
  reached(n: number): Promise<void>;
}

export function startWriters(
  url: string,
  stream: string,
  options: {
    writers: number;
    prefix: string;
    log?: WriteLog;
    extra?: Record<string, unknown>;
    stopOnError?: boolean;
  },
): Writers {
  const log = options.log ?? newLog();
  let stopped = false;
  const waiters: { n: number; resolve: () => void }[] = [];
  const notify = () => {
    for (const w of [...waiters])
      if (log.acknowledged.size >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  const loops = Array.from({ length: options.writers }, async (_, w) => {
    for (let n = 0; !stopped; n++) {
      const id = `${options.prefix}-${w}-${n}`;
      try {
        const res = await fetch(`${url}/v1/streams/${stream}/records`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ id, n, ...options.extra }),
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.status === 200) log.acknowledged.add(id);
        else log.refused.add(id);
        notify();
      } catch {
        log.unacknowledged.add(id);
        if (options.stopOnError !== false) return;
      }
    }
  });
  return {
    log,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
    reached: (n) =>
      new Promise<void>((resolve) => {
        waiters.push({ n, resolve });
        notify();
      }),
  };
}
