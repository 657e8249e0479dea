/**
 * Resolves on SIGINT, SIGTERM or the CLI's abort signal. Holds the event loop open
 * meanwhile: a daemon's timers are unref'd (they must not keep tests alive), and
 * with the hub unreachable an agent may have no other handle — without this, Node
 * would end the process.
 */
export function waitForSignal(signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    const done = () => {
      clearInterval(keepAlive);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
