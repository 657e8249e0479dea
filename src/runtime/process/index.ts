/** The process runtime driver's public surface. */
export { PROCESS_HANDLER, ProcessDriver } from './driver.js';
export type { ProcessDriverOptions, ResolvedProcessDriverOptions } from './options.js';
export type { RecordedWorkload } from './registry.js';
