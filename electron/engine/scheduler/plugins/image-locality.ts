/**
 * ImageLocality (plugins/imagelocality): prefer nodes that already hold the pod's images, weighted
 * by image size and by how many nodes have them (an image everywhere says nothing: spread-aware).
 * Sizes come from node.status.images through NodeInfo.imageStates.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import {
  MAX_NODE_SCORE,
  type ImageStateSummary,
  type NodeInfo,
  type PluginFactory,
  type ScorePlugin,
} from '../framework/types';

export const NAME = 'ImageLocality';
const MB = 1024 * 1024;
/** Below this sum nothing scores, so small images do not pull pods together. */
export const MIN_THRESHOLD = 23 * MB;
/** Per container; above it the score is capped. */
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** The CRI name of an image: `:latest` when it has no tag (normalizedImageName). */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

const scaled = (s: ImageStateSummary, totalNodes: number): number =>
  Math.trunc(s.size * (s.numNodes / totalNodes));

export function sumImageScores(nodeInfo: NodeInfo, pod: Pod, totalNodes: number): number {
  let sum = 0;
  for (const list of [pod.spec?.initContainers, pod.spec?.containers])
    for (const c of list ?? []) {
      const s = c.image ? nodeInfo.imageStates.get(normalizedImageName(c.image)) : undefined;
      if (s) sum += scaled(s, totalNodes);
    }
  return sum;
}

export function calculatePriority(sum: number, numContainers: number): number {
  const max = MAX_CONTAINER_THRESHOLD * numContainers;
  const v = Math.min(Math.max(sum, MIN_THRESHOLD), max);
  return Math.trunc((MAX_NODE_SCORE * (v - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
}

export const factory: PluginFactory = (_args, handle) =>
  ({
    name: NAME,
    score(_state, pod, nodeInfo) {
      const total = handle.snapshot().nodeInfos().length;
      if (nodeInfo.imageStates.size === 0 || total === 0) return 0;
      const spec = pod.pod.spec;
      const n = (spec?.initContainers?.length ?? 0) + (spec?.containers.length ?? 0);
      return calculatePriority(sumImageScores(nodeInfo, pod.pod, total), n);
    },
  }) satisfies ScorePlugin;
