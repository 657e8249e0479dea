/**
 * Writes each ConstraintTemplate's status once it is in force: `created`, the
 * engine it runs, whether it is enforced, and Gatekeeper's `byPod` entry (with an
 * error for templates whose only code is CEL, which Edgewise does not run).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { EdgewiseError } from '../../api/errors.js';
import type { ResourceRegistry } from '../../api/registry.js';
import type { Controller } from '../controllers/context.js';
import { WorkQueue } from '../controllers/work-queue.js';
import type { ResourceService } from '../service/resource-service.js';
import type { PolicyLibrary } from './library.js';
import { TEMPLATES_GROUP } from './names.js';
import type { CompiledTemplate } from './template.js';
import { engineSummary } from './template-type.js';

/** The id Gatekeeper's status names its pod by; the hub is one "pod". */
const HUB_ID = 'edgewise-hub';

export function templateStatus(template: CompiledTemplate): Record<string, unknown> {
  const generation = template.object.metadata.generation;
  const enforced = template.policy !== undefined;
  const errors = enforced
    ? []
    : [
        {
          code: 'unsupported_engine',
          message:
            'the template has only CEL (K8sNativeValidation) code; Edgewise runs Rego, so constraints of this kind are accepted but not enforced',
        },
      ];
  return {
    created: true,
    engine: engineSummary(template.object),
    enforced,
    byPod: [
      {
        id: HUB_ID,
        ...(generation !== undefined && { observedGeneration: generation }),
        operations: ['audit', 'webhook'],
        ...(errors.length > 0 && { errors }),
      },
    ],
  };
}

export class TemplateStatusController implements Controller {
  readonly name = 'gatekeeper-template-status';
  readonly #library: PolicyLibrary;
  readonly #service: ResourceService;
  readonly #registry: ResourceRegistry;
  readonly #queue: WorkQueue;

  constructor(library: PolicyLibrary, service: ResourceService, registry: ResourceRegistry, logger: Logger) {
    this.#library = library;
    this.#service = service;
    this.#registry = registry;
    this.#queue = new WorkQueue(
      (name) => this.#write(name),
      logger.child({ component: 'hub.gatekeeper.templates' }),
    );
    library.listen({
      changed: ({ template }) => {
        if (template) this.#queue.add(template);
      },
    });
  }

  async start(): Promise<void> {
    this.#queue.run();
    for (const t of this.#library.templates()) this.#queue.add(t.name);
  }

  async stop(): Promise<void> {
    this.#queue.close();
    await this.#queue.idle();
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async #write(name: string): Promise<void> {
    const template = this.#library.template(name);
    const type = this.#registry.byPath(TEMPLATES_GROUP, 'v1', 'constrainttemplates');
    // Not stored yet (an eager apply): the informer's event brings it back here.
    if (!template || !type || template.object.metadata.generation === undefined) return;
    const status = templateStatus(template);
    try {
      await this.#service.modify(
        type,
        '',
        name,
        (current) => (isDeepStrictEqual(current.status, status) ? current : { ...current, status }),
        { subresource: 'status' },
      );
    } catch (err) {
      if (!EdgewiseError.isCode(err, 'EW_NOT_FOUND')) throw err;
    }
  }
}
