/** The main thread's side of worker calls: a stream write, answered once it is durable. */
import { EdgewiseError } from '../../../api/errors.js';
import { HostErrno } from './abi.js';
import { type CallBlock, CallOp } from './call-block.js';
import type { WasmHostServices } from './services.js';

/** Serves the request waiting in `block`, if any; never blocks, answers when the work is done. */
export function serveCall(block: CallBlock, services: WasmHostServices | undefined): void {
  const req = block.take();
  if (!req) return;
  const streams = services?.streams;
  // A module reaches this only if the service existed when it started; it may have gone since (agent stopping).
  if (req.op !== CallOp.STREAM_WRITE || !streams) {
    block.respond(HostErrno.IO);
    return;
  }
  let pending: Promise<{ seq: number }>;
  try {
    pending = streams.write(req.name, req.record);
  } catch (err) {
    block.respond(errnoOf(err));
    return;
  }
  pending.then(
    (r) => block.respond(HostErrno.SUCCESS, r.seq),
    (err: unknown) => block.respond(errnoOf(err)),
  );
}

/** The errno a guest gets for a refused write (see WasmStreamHost.write). */
export function errnoOf(err: unknown): number {
  if (!EdgewiseError.is(err)) return HostErrno.IO;
  switch (err.code) {
    case 'EW_BAD_REQUEST':
    case 'EW_INVALID':
      return HostErrno.INVAL;
    case 'EW_TOO_LARGE':
      return HostErrno.TOOBIG;
    case 'EW_TOO_MANY_REQUESTS':
      return HostErrno.NOSPC;
    default:
      return HostErrno.IO;
  }
}
