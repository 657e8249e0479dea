/**
 * A counting window over in-flight QoS 1 publishes. MQTT 5 lets a broker cap them
 * (CONNACK Receive Maximum; Mosquitto says 20) and a client must not exceed the cap;
 * mqtt.js does not enforce it for outgoing messages, so the sink does.
 */
export class Window {
  #free: number;
  readonly #waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  #aborted: unknown;

  constructor(size: number) {
    this.#free = size;
  }

  /** Resolves when a slot is free; rejects once the window is aborted (connection gone). */
  acquire(): Promise<void> {
    if (this.#aborted !== undefined) return Promise.reject(this.#aborted);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next.resolve();
    else this.#free++;
  }

  abort(reason: unknown): void {
    this.#aborted = reason;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(reason);
  }
}
