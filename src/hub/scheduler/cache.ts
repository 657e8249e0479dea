/**
 * The scheduler's view of the fleet, kept up to date incrementally from watch events:
 * per node its compiled form, requested resources, host ports and pods per owner;
 * per owner its pods per node and per site. A decision reads these in O(1) per node,
 * so it costs O(nodes) however many pods are bound.
 */
import { EdgewiseError } from '../../api/errors.js';
import type { EdgeNode } from '../../api/kinds/node.js';
import type { Pod } from '../../api/kinds/pod.js';
import { compileNode } from './node-info.js';
import { NodeState } from './node-state.js';
import { controllerOwner, podKey, usageOf } from './pod-plan.js';
import type { PodUsage, Resources, RuntimeClass } from './types.js';

interface PodEntry {
  readonly pod: Pod;
  readonly nodeName: string;
  readonly owner: string | undefined;
  usage: PodUsage;
}

/** What the cache counts as used on a node (for `describe`-style output and tests). */
export interface NodeUsage {
  requested: Resources;
  pods: number;
}

export class SchedulingCache {
  readonly #nodes = new Map<string, NodeState>();
  readonly #pods = new Map<string, PodEntry>();
  readonly #ownerNodes = new Map<string, Map<string, number>>();
  readonly #ownerSites = new Map<string, Map<string, number>>();
  readonly #runtimeClasses = new Map<string, RuntimeClass>();
  /** Nodes with a Node object, in no particular order (the scheduler breaks ties by name). */
  readonly #known: NodeState[] = [];

  /** Nodes the cache has a Node object for. */
  get nodeCount(): number {
    return this.#known.length;
  }

  /** Bound, non-terminated pods counted against nodes. */
  get podCount(): number {
    return this.#pods.size;
  }

  /** Adds or replaces a node (watch ADDED/MODIFIED). */
  updateNode(node: EdgeNode): void {
    const name = node.metadata.name;
    if (!name) throw new EdgewiseError('EW_INVALID', 'scheduler cache: a Node without metadata.name');
    const state = this.#stateFor(name);
    if (state.info) this.#shiftSite(state, state.info.site, -1);
    else {
      state.index = this.#known.length;
      this.#known.push(state);
    }
    state.info = compileNode(node);
    this.#shiftSite(state, state.info.site, 1);
  }

  /** Forgets a node (watch DELETED). Pods still bound to it stay counted until removed. */
  removeNode(name: string): void {
    const state = this.#nodes.get(name);
    if (!state?.info) return;
    this.#shiftSite(state, state.info.site, -1);
    state.info = undefined;
    // Swap-remove keeps removal O(1); order does not matter.
    const last = this.#known.pop() as NodeState;
    if (last !== state) {
      this.#known[state.index] = last;
      last.index = state.index;
    }
    state.index = -1;
    this.#dropIfEmpty(state);
  }

  /**
   * Adds or replaces a pod (watch ADDED/MODIFIED). Only pods bound to a node and not
   * terminated (phase Succeeded/Failed) take resources; others are dropped. Returns
   * whether the pod is now counted.
   */
  addPod(pod: Pod): boolean {
    if (!pod.metadata.name)
      throw new EdgewiseError('EW_INVALID', 'scheduler cache: a Pod without metadata.name');
    const key = podKey(pod);
    this.#forget(key);
    const nodeName = pod.spec.nodeName;
    const phase = pod.status?.phase;
    if (!nodeName || phase === 'Succeeded' || phase === 'Failed') return false;
    const entry: PodEntry = { pod, nodeName, owner: controllerOwner(pod), usage: this.#usageOf(pod) };
    this.#pods.set(key, entry);
    this.#account(entry, 1);
    return true;
  }

  /**
   * Counts a pod on `nodeName` before the binding is confirmed by the watch, so the
   * next decision sees it. The later watch event for the bound pod replaces it; if the
   * binding fails, call removePod.
   */
  assumePod(pod: Pod, nodeName: string): void {
    if (!nodeName) throw new EdgewiseError('EW_INVALID', 'scheduler cache: assumePod needs a node name');
    this.addPod({ ...pod, spec: { ...pod.spec, nodeName } });
  }

  /** Stops counting a pod (watch DELETED, or a failed binding). */
  removePod(pod: Pod): void {
    this.#forget(podKey(pod));
  }

  /**
   * Adds or replaces a RuntimeClass. Pods already counted with it are recounted, so
   * its overhead is right even when the RuntimeClass arrives after its pods.
   */
  setRuntimeClass(rc: RuntimeClass): void {
    const name = rc.metadata.name;
    if (!name) throw new EdgewiseError('EW_INVALID', 'scheduler cache: a RuntimeClass without metadata.name');
    this.#runtimeClasses.set(name, rc);
    this.#recount(name);
  }

  removeRuntimeClass(name: string): void {
    if (this.#runtimeClasses.delete(name)) this.#recount(name);
  }

  runtimeClass(name: string): RuntimeClass | undefined {
    return this.#runtimeClasses.get(name);
  }

  /** Requests and pod count on a node, or undefined for a node the cache does not know. */
  usage(nodeName: string): NodeUsage | undefined {
    const state = this.#nodes.get(nodeName);
    if (!state) return undefined;
    return { requested: { ...state.requested }, pods: state.pods };
  }

  /** @internal Every node with a Node object, for the scheduler's loop. Do not modify. */
  nodeStates(): readonly NodeState[] {
    return this.#known;
  }

  /** @internal */
  nodeState(name: string): NodeState | undefined {
    const state = this.#nodes.get(name);
    return state?.info ? state : undefined;
  }

  /** @internal Pods of `owner` per node name. */
  ownerNodeCounts(owner: string): ReadonlyMap<string, number> | undefined {
    return this.#ownerNodes.get(owner);
  }

  /** @internal Pods of `owner` per site. */
  ownerSiteCounts(owner: string): ReadonlyMap<string, number> | undefined {
    return this.#ownerSites.get(owner);
  }

  #usageOf(pod: Pod): PodUsage {
    return usageOf(pod, (name) => this.#runtimeClasses.get(name));
  }

  #recount(runtimeClassName: string): void {
    for (const entry of this.#pods.values()) {
      if (entry.pod.spec.runtimeClassName !== runtimeClassName) continue;
      this.#account(entry, -1);
      entry.usage = this.#usageOf(entry.pod);
      this.#account(entry, 1);
    }
  }

  #forget(key: string): void {
    const entry = this.#pods.get(key);
    if (!entry) return;
    this.#pods.delete(key);
    this.#account(entry, -1);
    const state = this.#nodes.get(entry.nodeName);
    if (state) this.#dropIfEmpty(state);
  }

  #account(entry: PodEntry, sign: 1 | -1): void {
    const state = this.#stateFor(entry.nodeName);
    state.apply(entry.usage, sign);
    if (entry.owner === undefined) return;
    bump(state.owners, entry.owner, sign);
    bump(nested(this.#ownerNodes, entry.owner), state.name, sign);
    const site = state.info?.site;
    if (site !== undefined) bump(nested(this.#ownerSites, entry.owner), site, sign);
    this.#pruneOwner(entry.owner);
  }

  /** Moves a node's per-owner counts into (sign 1) or out of (sign −1) its site. */
  #shiftSite(state: NodeState, site: string | undefined, sign: 1 | -1): void {
    if (site === undefined) return;
    for (const [owner, count] of state.owners) {
      bump(nested(this.#ownerSites, owner), site, sign * count);
      this.#pruneOwner(owner);
    }
  }

  #pruneOwner(owner: string): void {
    if (this.#ownerNodes.get(owner)?.size === 0) this.#ownerNodes.delete(owner);
    if (this.#ownerSites.get(owner)?.size === 0) this.#ownerSites.delete(owner);
  }

  #stateFor(name: string): NodeState {
    let state = this.#nodes.get(name);
    if (!state) {
      state = new NodeState(name);
      this.#nodes.set(name, state);
    }
    return state;
  }

  #dropIfEmpty(state: NodeState): void {
    if (!state.info && state.pods === 0) this.#nodes.delete(state.name);
  }
}

function nested(map: Map<string, Map<string, number>>, key: string): Map<string, number> {
  let inner = map.get(key);
  if (!inner) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const next = (map.get(key) ?? 0) + delta;
  if (next === 0) map.delete(key);
  else map.set(key, next);
}
