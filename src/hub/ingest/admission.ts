/**
 * Admission for DataSyncs: an external sink's options are checked by the sink's own
 * validation when the DataSync is written, so a typo is a 422 naming the option, not
 * a stream that silently waits. A Secret named by `secretRef` that does not exist
 * yet is a warning (the sink waits for it).
 */
import { EdgewiseError } from '../../api/errors.js';
import { type DataSync, dataSyncType } from '../../api/kinds/data-sync.js';
import { sinkType } from '../../api/kinds/data-sync-sinks.js';
import type { AdmissionPlugin } from '../admission.js';
import type { ResourceService } from '../service/resource-service.js';
import { type SinkImplementations, sinkOptionsOf } from './sink-factory.js';

export function sinkOptionsAdmission(
  implementations: SinkImplementations,
  service: ResourceService,
): AdmissionPlugin {
  return {
    name: 'data-sync-sinks',
    async admit(request) {
      if (
        request.type.storage !== dataSyncType.storage ||
        request.operation === 'DELETE' ||
        request.subresource
      )
        return { warnings: [] };
      const ds = request.object as DataSync;
      const type = sinkType(ds.spec?.sink);
      if (!type || type === 'hub') return { warnings: [] };
      const implementation = implementations[type];
      if (!implementation)
        return {
          warnings: [
            `this hub has no ${type} sink; the DataSync's streams stay at the edge until one is installed`,
          ],
        };
      let options: Record<string, unknown>;
      try {
        ({ options } = await sinkOptionsOf(
          { ...ds, metadata: { ...ds.metadata, namespace: request.namespace } },
          service,
        ));
      } catch (err) {
        if (EdgewiseError.isCode(err, 'EW_UNAVAILABLE'))
          return { warnings: [`${(err as Error).message}; the sink waits for it`] };
        throw err;
      }
      let sink: ReturnType<typeof implementation.create>;
      try {
        sink = implementation.create(options);
      } catch (err) {
        if (!EdgewiseError.isCode(err, 'EW_INVALID')) throw err;
        // The sink names its own options; say where they sit in the DataSync.
        const causes = (err.details?.causes ?? []).map((c) => ({
          ...c,
          field: `spec.sink.${type}${c.field ? `.${c.field}` : ''}`,
        }));
        throw new EdgewiseError('EW_INVALID', err.message, { ...err.details, kind: 'DataSync', causes });
      }
      await sink.close().catch(() => undefined);
      return { warnings: [] };
    },
  };
}
