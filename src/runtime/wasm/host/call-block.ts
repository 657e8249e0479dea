/**
 * A synchronous call from a worker thread to the main thread: one shared block per
 * worker, one call at a time (a worker runs one guest, and the guest is suspended in
 * the host function until the answer is there).
 *
 *   worker: writes the request, state IDLE → REQUEST, posts CALL to the pool, then
 *           sleeps in Atomics.wait until the state is DONE; reads the answer → IDLE.
 *   main:   on CALL, claims the request (REQUEST → SERVING, so a request is served
 *           once), does the work asynchronously, writes the answer, → DONE, notifies.
 *
 * The main thread never waits for a worker, so nothing here can deadlock it; a
 * worker waits only for its own call, which its guest's time budget bounds: past
 * it the pool terminates the worker (Atomics.wait does not stop that), and an
 * answer that arrives later goes into a block nobody reads.
 *
 * Layout: Int32 words [state, op or errno, name bytes, record bytes], a Float64
 * sequence number at byte 16, then the name and record bytes from byte 24.
 */

const STATE = 0;
const OP = 1;
const NAME = 2;
const RECORD = 3;
const SEQ_AT = 16;
const DATA = 24;

const IDLE = 0;
const REQUEST = 1;
const SERVING = 2;
const DONE = 3;

/** Operations a call can ask for. */
export const CallOp = { STREAM_WRITE: 1 } as const;

export interface CallRequest {
  op: number;
  name: string;
  record: string;
}

export class CallBlock {
  private readonly words: Int32Array;
  private readonly seq: Float64Array;
  private readonly data: Buffer;

  private constructor(readonly sab: SharedArrayBuffer) {
    this.words = new Int32Array(sab, 0, 4);
    this.seq = new Float64Array(sab, SEQ_AT, 1);
    this.data = Buffer.from(sab, DATA);
  }

  /** @param dataBytes room for a request's name and record bytes */
  static create(dataBytes: number): CallBlock {
    return new CallBlock(new SharedArrayBuffer(DATA + dataBytes));
  }

  static attach(sab: SharedArrayBuffer): CallBlock {
    return new CallBlock(sab);
  }

  // --- worker side ---------------------------------------------------------------

  /**
   * Sends a request and blocks this thread until it is answered. Returns undefined
   * when the request does not fit the block.
   */
  call(
    op: number,
    name: string,
    record: string,
    notify: () => void,
  ): { errno: number; seq: number } | undefined {
    const w = this.words;
    const nameLen = Buffer.byteLength(name);
    const recordLen = Buffer.byteLength(record);
    if (nameLen + recordLen > this.data.length) return undefined;
    this.data.write(name, 0, 'utf8');
    this.data.write(record, nameLen, 'utf8');
    w[OP] = op;
    w[NAME] = nameLen;
    w[RECORD] = recordLen;
    // The store publishes the bytes above to the thread that loads the state.
    Atomics.store(w, STATE, REQUEST);
    notify();
    for (;;) {
      const state = Atomics.load(w, STATE);
      if (state === DONE) break;
      Atomics.wait(w, STATE, state);
    }
    const answer = { errno: w[OP] as number, seq: this.seq[0] as number };
    Atomics.store(w, STATE, IDLE);
    return answer;
  }

  // --- main thread side ----------------------------------------------------------

  /** Claims the pending request, if there is one not yet claimed. */
  take(): CallRequest | undefined {
    const w = this.words;
    if (Atomics.compareExchange(w, STATE, REQUEST, SERVING) !== REQUEST) return undefined;
    const nameLen = w[NAME] as number;
    const recordLen = w[RECORD] as number;
    return {
      op: w[OP] as number,
      name: this.data.toString('utf8', 0, nameLen),
      record: this.data.toString('utf8', nameLen, nameLen + recordLen),
    };
  }

  /** Answers the claimed request and wakes the worker. */
  respond(errno: number, seq = 0): void {
    const w = this.words;
    if (Atomics.load(w, STATE) !== SERVING) return;
    w[OP] = errno;
    this.seq[0] = seq;
    Atomics.store(w, STATE, DONE);
    Atomics.notify(w, STATE);
  }
}
