/**
 * Label and field selectors in Kubernetes' query syntax (`?labelSelector=app=web,tier!=db`,
 * `?fieldSelector=spec.nodeName=n1`), parsed once per request and matched per object.
 * Written here rather than taken from a library: no maintained npm package implements
 * apimachinery's selector grammar, and it is small.
 *
 * Label grammar (apimachinery labels.Parse): requirements separated by commas, each one of
 * `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k>n`, `k<n`.
 * Field grammar (fields.ParseSelector): `k=v`, `k==v`, `k!=v`, with `\,` `\=` `\\` escapes.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1';

export type LabelOp = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export class SelectorError extends Error {
  override name = 'SelectorError';
}

const KEY_RE =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Split on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function checkKey(key: string) {
  if (!KEY_RE.test(key) || key.length > 316) throw new SelectorError(`invalid label key "${key}"`);
}
function checkValue(v: string) {
  if (v.length > 63 || !VALUE_RE.test(v)) throw new SelectorError(`invalid label value: "${v}"`);
}

export function parseLabelSelector(text: string | null | undefined): LabelRequirement[] {
  const s = (text ?? '').trim();
  if (s === '') return [];
  return splitTop(s).map((raw): LabelRequirement => {
    const part = raw.trim();
    if (part === '') throw new SelectorError(`found '', expected: identifier in "${s}"`);
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const [, key, op, list] = set as unknown as [string, string, 'in' | 'notin', string];
      checkKey(key);
      const values = list.split(',').map((v) => v.trim());
      values.forEach(checkValue);
      return { key, op, values };
    }
    if (part.startsWith('!')) {
      const key = part.slice(1).trim();
      checkKey(key);
      return { key, op: '!', values: [] };
    }
    const m = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(part);
    if (!m) {
      checkKey(part);
      return { key: part, op: 'exists', values: [] };
    }
    const [, key, sym, value] = m as unknown as [string, string, string, string];
    checkKey(key);
    if (sym === '>' || sym === '<') {
      if (!/^-?\d+$/.test(value))
        throw new SelectorError(`for 'gt', 'lt' operators, the value must be an integer`);
      return { key, op: sym === '>' ? 'gt' : 'lt', values: [value] };
    }
    checkValue(value);
    return { key, op: sym === '!=' ? '!=' : '=', values: [value] };
  });
}

export function matchLabels(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  for (const r of reqs) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = has ? (labels as Record<string, string>)[r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case '=':
        if (v !== r.values[0]) return false;
        break;
      case '!=':
        if (v === r.values[0]) return false;
        break;
      case 'in':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (v === undefined || !/^-?\d+$/.test(v)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > bound) : !(n < bound)) return false;
      }
    }
  }
  return true;
}

/** A metav1.LabelSelector object (matchLabels + matchExpressions) as requirements. */
export function labelSelectorRequirements(sel: LabelSelector | undefined): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {}))
    reqs.push({ key, op: '=', values: [value] });
  for (const e of sel?.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const)[
      e.operator as 'In'
    ];
    if (!op) throw new SelectorError(`"${e.operator}" is not a valid label selector operator`);
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return reqs;
}

/**
 * The selector as a query string, as Kubernetes prints it (labels.Selector.String(): scale's
 * status.selector, the Selector column): requirements sorted by key, matchLabels before
 * expressions on the same key.
 */
export function formatLabelSelectorRequirements(reqs: LabelRequirement[]): string {
  return [...reqs]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.op) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.op} (${[...r.values].sort().join(',')})`;
        case 'gt':
          return `${r.key}>${r.values[0]}`;
        case 'lt':
          return `${r.key}<${r.values[0]}`;
        default:
          return `${r.key}${r.op}${r.values[0]}`;
      }
    })
    .join(',');
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(text: string | null | undefined): FieldRequirement[] {
  const s = (text ?? '').trim();
  if (s === '') return [];
  const out: FieldRequirement[] = [];
  // Split on unescaped commas, then on the first unescaped operator.
  for (const part of s.split(/(?<!\\),/)) {
    const m = /^(.*?)(?<!\\)(==|!=|=)(.*)$/.exec(part.trim());
    if (!m) throw new SelectorError(`invalid selector: '${s}'; can't understand '${part}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    out.push({
      field: field.trim(),
      op: op === '!=' ? '!=' : '=',
      value: value.replace(/\\(.)/g, '$1'),
    });
  }
  return out;
}

export function matchFields(reqs: FieldRequirement[], get: (field: string) => string | undefined): boolean {
  for (const r of reqs) {
    const v = get(r.field) ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/**
 * True when `labels` satisfy the selector; an empty selector matches everything, an absent one
 * nothing. A selector with an unknown operator matches nothing (validation refuses it).
 */
export function selectorMatches(
  sel: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!sel) return false;
  try {
    return matchLabels(labelSelectorRequirements(sel), labels);
  } catch (err) {
    if (err instanceof SelectorError) return false;
    throw err;
  }
}

/** selector.String() of LabelSelectorAsSelector: requirements sorted by key, '' when empty. */
export function selectorString(sel: LabelSelector | undefined): string {
  if (!sel) return '';
  try {
    return formatLabelSelectorRequirements(labelSelectorRequirements(sel));
  } catch (err) {
    if (err instanceof SelectorError) return '';
    throw err;
  }
}

/** metav1.FormatLabelSelector: `<none>` for an empty selector. */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  return selectorString(sel) || '<none>';
}

/** labels.FormatLabels: sorted `k=v` pairs, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}

/** Whether a selector has no requirements at all. */
export function selectorIsEmpty(sel: LabelSelector | undefined): boolean {
  return (
    !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)
  );
}
