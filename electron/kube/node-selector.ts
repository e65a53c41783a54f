/**
 * Node selector terms as component-helpers/scheduling/corev1/nodeaffinity: terms are ORed, the
 * requirements of one term ANDed; matchExpressions test labels, matchFields only `metadata.name`.
 * A term with nothing in it matches no node; a term that does not parse is ignored.
 */
import type {
  Node,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  PreferredSchedulingTerm,
} from 'kubernetes-types/core/v1';

type Op = (v: string | undefined) => boolean;
/** A compiled term: label requirements and metadata.name requirements. */
export interface CompiledTerm {
  labels: { key: string; test: Op }[];
  fields: Op[];
}

const INT = /^-?\d+$/;

function compileRequirement(r: NodeSelectorRequirement): Op | null {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return values.length === 0 ? null : (v) => v !== undefined && values.includes(v);
    case 'NotIn':
      return values.length === 0 ? null : (v) => v === undefined || !values.includes(v);
    case 'Exists':
      return values.length > 0 ? null : (v) => v !== undefined;
    case 'DoesNotExist':
      return values.length > 0 ? null : (v) => v === undefined;
    case 'Gt':
    case 'Lt': {
      const b = values[0];
      if (values.length !== 1 || b === undefined || !INT.test(b)) return null;
      const bound = Number(b);
      return r.operator === 'Gt'
        ? (v) => v !== undefined && INT.test(v) && Number(v) > bound
        : (v) => v !== undefined && INT.test(v) && Number(v) < bound;
    }
    default:
      return null;
  }
}

/** Null when the term is empty or invalid (it then matches nothing). */
export function compileTerm(t: NodeSelectorTerm): CompiledTerm | null {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return null;
  const out: CompiledTerm = { labels: [], fields: [] };
  for (const e of exprs) {
    const test = compileRequirement(e);
    if (!test) return null;
    out.labels.push({ key: e.key, test });
  }
  for (const f of fields) {
    const test =
      f.key === 'metadata.name' && (f.operator === 'In' || f.operator === 'NotIn')
        ? compileRequirement(f)
        : null;
    if (!test) return null;
    out.fields.push(test);
  }
  return out;
}

export function termMatches(t: CompiledTerm, node: Node): boolean {
  const labels = node.metadata?.labels;
  for (const r of t.labels) {
    const v = labels && Object.prototype.hasOwnProperty.call(labels, r.key) ? labels[r.key] : undefined;
    if (!r.test(v)) return false;
  }
  for (const f of t.fields) if (!f(node.metadata?.name)) return false;
  return true;
}

/**
 * The pod's required placement (nodeaffinity.RequiredNodeAffinity): spec.nodeSelector labels and
 * requiredDuringScheduling node affinity terms, both must hold.
 */
export interface RequiredNodeAffinity {
  nodeSelector: [string, string][] | null;
  /** null: no required node affinity; []: present but nothing can match. */
  terms: CompiledTerm[] | null;
}

export function requiredNodeAffinity(pod: Pod): RequiredNodeAffinity {
  const sel = pod.spec?.nodeSelector;
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  let terms: CompiledTerm[] | null = null;
  if (req) {
    terms = [];
    for (const t of req.nodeSelectorTerms) {
      const c = compileTerm(t);
      if (c) terms.push(c);
    }
  }
  return { nodeSelector: sel ? Object.entries(sel) : null, terms };
}

export function requiredMatches(r: RequiredNodeAffinity, node: Node): boolean {
  if (r.nodeSelector) {
    const labels = node.metadata?.labels;
    for (const [k, v] of r.nodeSelector) if (labels?.[k] !== v) return false;
  }
  if (r.terms) {
    for (const t of r.terms) if (termMatches(t, node)) return true;
    return false;
  }
  return true;
}

export interface WeightedTerm {
  weight: number;
  term: CompiledTerm;
}

/** nodeaffinity.NewPreferredSchedulingTerms: terms with weight 0 or an empty preference are dropped. */
export function preferredTerms(ts: readonly PreferredSchedulingTerm[] | undefined): WeightedTerm[] {
  const out: WeightedTerm[] = [];
  for (const t of ts ?? []) {
    if (!t.weight) continue;
    const term = compileTerm(t.preference);
    if (term) out.push({ weight: t.weight, term });
  }
  return out;
}

/** Sum of weights of the terms the node matches. */
export function preferredScore(ts: readonly WeightedTerm[], node: Node): number {
  let s = 0;
  for (const t of ts) if (termMatches(t.term, node)) s += t.weight;
  return s;
}
