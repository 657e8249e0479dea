/** The WASI preview 1 host: what the rest of the runtime uses from wasi/. */
export { Errno } from './constants.js';
export { type Preopen, ProcExit, WASI_FUNCTIONS, WasiHost, type WasiOptions } from './host.js';
export { preopenRoot } from './paths.js';
export { ByteSink, OutputLimitExceeded, type OutputSink } from './sink.js';
