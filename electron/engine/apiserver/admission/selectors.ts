/**
 * Validation of label selectors (meta/v1 LabelSelector) as ValidateLabelSelector; matching and
 * the printed forms are in kube/selectors.ts.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { FieldError } from '../resources/types';
import { forbidden, invalid, required } from './field';
import { validateLabels } from './meta';
import { isQualifiedName } from './names';

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
