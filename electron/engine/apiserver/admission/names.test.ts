import { describe, expect, it } from 'vitest';
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isLabelValue,
  isQualifiedName,
  isValidIP,
  nameIsDNSSubdomain,
  nameIsPathSegment,
} from './names';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('name formats', () => {
  it.each([
    ['subdomain ok', isDNS1123Subdomain, 'example.com', []],
    ['subdomain upper case', isDNS1123Subdomain, 'Foo', [SUBDOMAIN_MSG]],
    ['subdomain too long', isDNS1123Subdomain, 'a'.repeat(254), ['must be no more than 253 characters']],
    ['label ok', isDNS1123Label, 'my-name', []],
    ['label with dots', isDNS1123Label, 'a.b', ['must not contain dots']],
    ['label bad chars', isDNS1123Label, 'a_b', [LABEL_MSG]],
    ['1035 starts with digit', isDNS1035Label, '1abc', [expect.stringContaining('a DNS-1035 label must')]],
    ['qualified name with prefix', isQualifiedName, 'example.com/MyName', []],
    ['qualified name empty prefix', isQualifiedName, '/x', ['prefix part must be non-empty']],
    [
      'qualified name two slashes',
      isQualifiedName,
      'a/b/c',
      [expect.stringContaining('a valid label key must consist')],
    ],
    [
      'qualified name bad name part',
      isQualifiedName,
      '-x',
      [expect.stringContaining('name part must consist')],
    ],
    ['label value empty', isLabelValue, '', []],
    [
      'label value bad',
      isLabelValue,
      'a b',
      [expect.stringContaining('a valid label must be an empty string')],
    ],
    ['config key dots', isConfigMapKey, '..x', ["must not start with '..'"]],
  ] as const)('%s', (_name, fn, value, want) => {
    expect(fn(value)).toEqual(want);
  });

  it('accepts a generateName prefix ending in a dash, not a name', () => {
    expect(nameIsDNSSubdomain('web-', true)).toEqual([]);
    expect(nameIsDNSSubdomain('web-', false)).toEqual([SUBDOMAIN_MSG]);
  });

  it.each([
    ['.', ["may not be '.'"]],
    ['a/b', ["may not contain '/'"]],
    ['a%b', ["may not contain '%'"]],
    ['UPPER_ok', []],
  ])('path segment name %s', (name, want) => {
    expect(nameIsPathSegment(name, false)).toEqual(want);
  });

  it.each([
    ['10.0.0.1', true],
    ['256.0.0.1', false],
    ['fd00::1', true],
    ['host', false],
  ])('IP %s', (ip, ok) => {
    expect(isValidIP(ip)).toBe(ok);
  });
});
