import { describe, expect, it } from 'vitest';
import {
  SelectorError,
  formatLabelSelectorRequirements,
  labelSelectorRequirements,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', n: '5' };
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db)', true],
    ['missing notin (db)', true],
    ['app notin (web)', false],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!tier', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['n>4', true],
    ['n<4', false],
    ['app in (web, db),tier', true],
  ])('%s → %s', (sel, want) => {
    expect(matchLabels(parseLabelSelector(sel), labels)).toBe(want);
  });

  it.each(['app=we b', '=x', 'app in (a', 'Bad Key=1', 'n>x'])('rejects %s', (sel) => {
    expect(() => parseLabelSelector(sel)).toThrow(SelectorError);
  });

  it('turns a LabelSelector object into the printed form', () => {
    const reqs = labelSelectorRequirements({
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }],
    });
    expect(formatLabelSelectorRequirements(reqs)).toBe('app=web,tier in (a,b)');
    // Sorted by key, as Kubernetes' selector String(): `a` before `a-b` although '-' < '='.
    expect(formatLabelSelectorRequirements(parseLabelSelector('a-b=2,a=1'))).toBe('a=1,a-b=2');
    expect(matchLabels(reqs, { app: 'web', tier: 'a' })).toBe(true);
    expect(() => labelSelectorRequirements({ matchExpressions: [{ key: 'x', operator: 'Near' }] })).toThrow(
      SelectorError,
    );
  });
});

describe('field selectors', () => {
  const fields: Record<string, string> = {
    'spec.nodeName': 'n1',
    'status.phase': 'Running',
    'metadata.name': 'a,b',
  };
  const get = (f: string) => fields[f];
  it.each([
    ['spec.nodeName=n1', true],
    ['spec.nodeName==n1', true],
    ['spec.nodeName=n2', false],
    ['spec.nodeName!=n2,status.phase=Running', true],
    ['status.phase!=Running', false],
    ['metadata.name=a\\,b', true],
    ['spec.nodeName=', false],
    ['spec.unknown=', true],
  ])('%s → %s', (sel, want) => {
    expect(matchFields(parseFieldSelector(sel), get)).toBe(want);
  });
  it('rejects a requirement without an operator', () => {
    expect(() => parseFieldSelector('spec.nodeName')).toThrow(SelectorError);
  });
});
