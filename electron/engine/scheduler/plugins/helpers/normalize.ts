/** Score normalisation shared by plugins (pkg/scheduler/framework/plugins/helper/normalize_score.go). */
import { MAX_NODE_SCORE, type NodeScore } from '../../framework/types';

/**
 * DefaultNormalizeScore: scale scores to [0, max] by the highest one (integer division, as Go);
 * `reverse` gives the highest raw score 0. All-zero scores stay 0, or become max when reversed.
 */
export function defaultNormalizeScore(scores: NodeScore[], reverse: boolean, max = MAX_NODE_SCORE): void {
  let top = 0;
  for (const s of scores) if (s.score > top) top = s.score;
  if (top === 0) {
    if (reverse) for (const s of scores) s.score = max;
    return;
  }
  for (const s of scores) {
    const v = Math.trunc((max * s.score) / top);
    s.score = reverse ? max - v : v;
  }
}
