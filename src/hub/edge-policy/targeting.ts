/**
 * Which nodes get a policy or data ConfigMap: those whose labels match the label
 * selector in its `edgewise.io/node-selector` annotation (kubectl syntax:
 * `node-type=edge,edgewise.io/site in (store-001,store-002)`); without the
 * annotation, or with it empty, every node. An unparsable selector selects no node
 * (admission refuses one in the first place).
 */
import { EdgewiseError } from '../../api/errors.js';
import { configMapType } from '../../api/kinds/core.js';
import { EDGE_POLICY, edgePolicyKind } from '../../api/link-protocol.js';
import type { KubeObject } from '../../api/object.js';
import { type LabelSelector, matchesLabels, parseLabelSelector } from '../../api/selectors.js';
import type { ShippingRule } from '../link/desired.js';

const cache = new Map<string, LabelSelector | EdgewiseError>();
const CACHE_LIMIT = 1024;

/** The parsed selector of an annotation value, or the parse error. */
export function parseNodeSelector(text: string): LabelSelector | EdgewiseError {
  const hit = cache.get(text);
  if (hit) return hit;
  let parsed: LabelSelector | EdgewiseError;
  try {
    parsed = parseLabelSelector(text);
  } catch (err) {
    if (!EdgewiseError.is(err)) throw err;
    parsed = err;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, parsed);
  return parsed;
}

export function nodeSelectorText(object: KubeObject): string | undefined {
  return object.metadata.annotations?.[EDGE_POLICY.nodeSelectorAnnotation];
}

/** Whether a policy/data ConfigMap goes to this node (false for other ConfigMaps). */
export function targetsNode(object: KubeObject, node: KubeObject): boolean {
  if (!edgePolicyKind(object.metadata.labels)) return false;
  const text = nodeSelectorText(object);
  if (text === undefined || text.trim() === '') return true;
  const selector = parseNodeSelector(text);
  return !EdgewiseError.is(selector) && matchesLabels(selector, node.metadata.labels);
}

export const edgePolicyShippingRule: ShippingRule = {
  resource: configMapType.storage,
  selects: targetsNode,
};
