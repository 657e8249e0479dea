/**
 * The RuntimeClasses of the runtimes every agent carries. As k3s creates classes for
 * the Wasm shims it finds, the hub creates one per built-in Wasm handler, so a
 * Deployment with `runtimeClassName: wasmedge` applies as the field writes it.
 * Existing classes are left alone: an operator's own definition wins.
 */
import type { Logger } from 'pino';
import { EdgewiseError } from '../../api/errors.js';
import { runtimeClassType } from '../../api/kinds/edge.js';
import type { ResourceService } from '../service/resource-service.js';

/** The agent's Wasm driver serves all four names (docs/wasm.md, "RuntimeClass handlers"). */
export const WASM_RUNTIME_CLASSES: readonly string[] = ['wasmedge', 'wasm', 'spin', 'wasmtime'];

export async function ensureRuntimeClasses(
  service: ResourceService,
  handlers: readonly string[],
  logger: Logger,
): Promise<void> {
  for (const name of handlers) {
    try {
      await service.create(runtimeClassType, '', {
        apiVersion: 'node.k8s.io/v1',
        kind: 'RuntimeClass',
        metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'edgewise' } },
        handler: name,
      });
      logger.child({ component: 'hub.modules' }).info(`created RuntimeClass ${name}`);
    } catch (err) {
      if (!EdgewiseError.isCode(err, 'EW_ALREADY_EXISTS')) throw err;
    }
  }
}
