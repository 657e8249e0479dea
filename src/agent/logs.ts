/**
 * The agent's end of `pods/log`: the hub sends `logs-open` over the link, the agent
 * reads the container's log from its driver (`RuntimeDriver.logs`) and streams it
 * back in batches (protocol in src/api/logs-protocol.ts). Streams end when the
 * driver's log ends, the hub cancels, or the link drops.
 */
import type { Logger } from 'pino';
import type { ErrorCode } from '../api/errors.js';
import { runtimeClassType } from '../api/kinds/edge.js';
import { podType } from '../api/kinds/pod.js';
import type { PodSpec } from '../api/kinds/pod-spec.js';
import { LOGS_MESSAGES, type LogsOpenMessage } from '../api/logs-protocol.js';
import type { LogLine, RuntimeDriver } from '../runtime/driver.js';
import type { LinkClient } from './link/client.js';
import { workloadId } from './reconciler/records.js';
import type { AgentState } from './state/agent-state.js';

export interface LogServerOptions {
  link: LinkClient;
  state: AgentState;
  /** Drivers by RuntimeClass handler, as the reconciler has them. */
  drivers: ReadonlyMap<string, RuntimeDriver>;
  logger: Logger;
  /** Lines per link message. @default 200 */
  batchLines?: number;
  /** Pause reading while the socket holds more than this. @default 4 MiB */
  maxBufferedBytes?: number;
}

const FLUSH_MS = 25;
const LINK_CHECK_MS = 2000;

class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class LogServer {
  readonly #o: LogServerOptions;
  readonly #log: Logger;
  readonly #open = new Map<string, AbortController>();
  readonly #running = new Set<Promise<void>>();
  #closing = false;

  constructor(options: LogServerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'agent.logs' });
    options.link.on(LOGS_MESSAGES.open, (m) => {
      const serving = this.#serve(m as unknown as LogsOpenMessage);
      this.#running.add(serving);
      void serving.finally(() => this.#running.delete(serving));
    });
    options.link.on(LOGS_MESSAGES.cancel, (m) => this.#open.get(String(m.id))?.abort());
  }

  /** Streams in progress (tests). */
  get active(): number {
    return this.#open.size;
  }

  /** Ends every stream, telling the hub (call while the link is still up), and waits for them. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const abort of this.#open.values()) abort.abort();
    await Promise.all(this.#running);
  }

  #driverFor(m: LogsOpenMessage): { driver: RuntimeDriver; id: string } {
    const { state, drivers } = this.#o;
    const pod = state.object(podType.storage, m.namespace, m.pod);
    if (!pod || (m.uid && pod.metadata.uid !== m.uid))
      throw new Refusal('EW_NOT_FOUND', `pod ${m.namespace}/${m.pod} is not on this node`);
    const spec = pod.spec as PodSpec;
    const known = [...(spec.initContainers ?? []), ...spec.containers].some((c) => c.name === m.container);
    if (!known) throw new Refusal('EW_BAD_REQUEST', `container ${m.container} is not valid for pod ${m.pod}`);
    const rcName = spec.runtimeClassName;
    const handler = rcName ? String(state.object(runtimeClassType.storage, '', rcName)?.handler ?? '') : '';
    const driver = drivers.get(handler);
    if (!driver)
      throw new Refusal(
        'EW_NOT_FOUND',
        `no runtime on this node serves handler "${handler || '(default)'}" for pod ${m.pod}`,
      );
    return { driver, id: workloadId(pod.metadata.uid ?? '', m.container) };
  }

  async #serve(m: LogsOpenMessage): Promise<void> {
    const { link } = this.#o;
    const id = String(m.id);
    if (this.#closing) {
      link.send({
        type: LOGS_MESSAGES.end,
        id,
        error: { code: 'EW_UNAVAILABLE', message: 'the agent is stopping' },
      });
      return;
    }
    let target: { driver: RuntimeDriver; id: string };
    try {
      target = this.#driverFor(m);
    } catch (err) {
      const code: ErrorCode = err instanceof Refusal ? err.code : 'EW_INTERNAL';
      link.send({ type: LOGS_MESSAGES.end, id, error: { code, message: (err as Error).message } });
      return;
    }
    const abort = new AbortController();
    this.#open.set(id, abort);
    // A stream nobody reads any more (the link dropped while following a quiet log) stops itself.
    const watchdog = setInterval(() => {
      if (!link.connected) abort.abort();
    }, LINK_CHECK_MS);
    watchdog.unref();
    const batchLines = this.#o.batchLines ?? 200;
    let batch: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (batch.length === 0) return;
      const text = `${batch.join('\n')}\n`;
      batch = [];
      if (!link.send({ type: LOGS_MESSAGES.data, id, text })) abort.abort();
    };
    let error: { code: ErrorCode; message: string } | undefined;
    try {
      if (!link.send({ type: LOGS_MESSAGES.start, id })) return;
      const lines: AsyncIterable<LogLine> = target.driver.logs(target.id, {
        follow: m.follow,
        signal: abort.signal,
        ...(m.tailLines !== undefined && { tail: m.tailLines }),
      });
      for await (const line of lines) {
        if (abort.signal.aborted) break;
        batch.push(m.timestamps ? `${line.time} ${line.line}` : line.line);
        if (batch.length >= batchLines) {
          flush();
          await this.#drain(abort.signal);
        } else timer ??= setTimeout(flush, FLUSH_MS);
      }
    } catch (err) {
      if (!abort.signal.aborted) {
        this.#log.warn({ err: (err as Error).message, pod: m.pod }, 'reading logs failed');
        error = { code: 'EW_INTERNAL', message: `reading logs failed: ${(err as Error).message}` };
      }
    } finally {
      clearInterval(watchdog);
      flush();
      this.#open.delete(id);
      // A stream the hub cancelled needs no end; one the agent ends (log done, shutdown) does.
      if (!abort.signal.aborted || error || this.#closing)
        link.send({ type: LOGS_MESSAGES.end, id, ...(error && { error }) });
    }
  }

  /** Waits while the link's socket is backed up, so a huge log does not pile up in memory. */
  async #drain(signal: AbortSignal): Promise<void> {
    const max = this.#o.maxBufferedBytes ?? 4 * 1024 * 1024;
    while (this.#o.link.bufferedAmount > max && !signal.aborted && this.#o.link.connected) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
