/**
 * One `pods/log` request in flight at the hub: waits for the agent to open the
 * stream (or refuse), then copies what the agent sends to the HTTP response.
 */
import type { ServerResponse } from 'node:http';
import { EdgewiseError, ERROR_CODES, type ErrorCode } from '../../api/errors.js';

export class LogStream {
  readonly id: string;
  readonly node: string;
  readonly #res: ServerResponse;
  readonly #limitBytes: number | undefined;
  #written = 0;
  #started = false;
  #ended = false;
  #opened: { resolve: () => void; reject: (err: Error) => void } | undefined;
  /** Called once the stream ends for any reason (agent, client, link, limit). */
  onEnd: (reason: 'agent' | 'client' | 'link' | 'limit') => void = () => {};

  constructor(id: string, node: string, res: ServerResponse, limitBytes?: number) {
    this.id = id;
    this.node = node;
    this.#res = res;
    this.#limitBytes = limitBytes;
    res.on('close', () => this.#finish('client'));
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Resolves when the agent opened the stream; rejects when it refused or did not answer. */
  opened(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new EdgewiseError(
              'EW_TIMEOUT',
              `node ${this.node} did not answer the logs request within ${timeoutMs / 1000}s`,
            ),
          ),
        timeoutMs,
      );
      timer.unref();
      this.#opened = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  start(): void {
    if (this.#started || this.#ended) return;
    this.#started = true;
    this.#res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    this.#res.flushHeaders();
    this.#opened?.resolve();
  }

  data(text: string): void {
    if (!this.#started || this.#ended) return;
    let chunk = text;
    if (this.#limitBytes !== undefined) {
      const room = this.#limitBytes - this.#written;
      const bytes = Buffer.from(chunk);
      if (bytes.length >= room) {
        this.#res.write(bytes.subarray(0, Math.max(0, room)));
        this.#written = this.#limitBytes;
        this.#finish('limit');
        return;
      }
      chunk = bytes.toString();
    }
    this.#written += Buffer.byteLength(chunk);
    this.#res.write(chunk);
  }

  /** The agent ended the stream, or refused to open it. */
  end(error?: { code: string; message: string }): void {
    if (error && !this.#started) {
      const code = (error.code in ERROR_CODES ? error.code : 'EW_INTERNAL') as ErrorCode;
      this.#opened?.reject(new EdgewiseError(code, error.message));
      this.#ended = true;
      this.onEnd('agent');
      return;
    }
    this.#finish('agent');
  }

  /** The link to the node dropped. */
  linkClosed(): void {
    if (!this.#started) {
      this.#opened?.reject(
        new EdgewiseError('EW_UNAVAILABLE', `node ${this.node} disconnected before sending logs`),
      );
      this.#ended = true;
      this.onEnd('link');
      return;
    }
    this.#finish('link');
  }

  #finish(reason: 'agent' | 'client' | 'link' | 'limit'): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#started && !this.#res.writableEnded) this.#res.end();
    if (!this.#started) this.#opened?.reject(new EdgewiseError('EW_UNAVAILABLE', 'the logs request ended'));
    this.onEnd(reason);
  }
}
