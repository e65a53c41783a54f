/**
 * Label selectors (meta/v1 LabelSelector): validation as ValidateLabelSelector, matching as
 * labels.Selector, and the string forms Kubernetes prints (`app=web,tier in (a,b)`).
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { FieldError } from '../resources/types';
import { forbidden, invalid, required } from './field';
import { validateLabels } from './meta';
import { isQualifiedName } from './names';
import {
  SelectorError,
  formatLabelSelector as formatRequirements,
  labelSelectorRequirements,
  matchLabels,
} from '../registry/selectors';

export function validateLabelSelector(sel: LabelSelector | undefined, path: string): FieldError[] {
  if (!sel) return [];
  const errs: FieldError[] = [];
  (sel.matchExpressions ?? []).forEach((expr, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values = expr.values ?? [];
    if (expr.operator === 'In' || expr.operator === 'NotIn') {
      if (values.length === 0) {
        errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      }
    } else if (expr.operator === 'Exists' || expr.operator === 'DoesNotExist') {
      if (values.length > 0) {
        errs.push(
          forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
        );
      }
    } else {
      errs.push(invalid(`${p}.operator`, expr.operator, 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(expr.key ?? '')) errs.push(invalid(`${p}.key`, expr.key, msg));
  });
  errs.push(...validateLabels(sel.matchLabels, `${path}.matchLabels`));
  return errs;
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
    return formatRequirements(labelSelectorRequirements(sel));
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
