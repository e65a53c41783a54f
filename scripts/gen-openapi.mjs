// Generates the OpenAPI component schemas the API server publishes (/openapi/v2, /openapi/v3) and
// validates against (fieldValidation=Strict), from the installed `kubernetes-types` package's
// declaration files. Kubernetes' own swagger files are not copied into the repository: the
// schemas are derived at build/test time from the dependency, so the output is gitignored.
//
//   node scripts/gen-openapi.mjs          writes electron/engine/apiserver/openapi/generated/definitions.json
//
// Idempotent and fast (one syntactic pass, no type checker; about a second with formatting): the
// file is only rewritten when its content changes, so its mtime does not trigger rebuilds. It is
// formatted with the project's Prettier settings because `prettier --check .` does not read nested
// .gitignore files and would otherwise flag it.
//
// Mapping (named like Kubernetes' definitions, e.g. io.k8s.api.core.v1.Pod):
//   interface            → object schema; `properties`, `required` from non-optional members,
//                          descriptions from JSDoc; `x-kubernetes-group-version-kind` when the
//                          interface has literal `apiVersion` and `kind` members (a served kind)
//   string / boolean     → string / boolean
//   number               → integer, format int32, or int64 / number(double) for the field names
//                          listed below. Known limitation: kubernetes-types erases Go's integer
//                          widths, so this is a name heuristic, not the truth.
//   number | string      → $ref IntOrString (format int-or-string, x-kubernetes-int-or-string)
//   Array<T>, T[]        → array with items
//   { [k: string]: T }   → object with additionalProperties
//   Quantity, Time, MicroTime → string definitions (Time/MicroTime with format date-time)
//   empty interfaces (RawExtension, FieldsV1, Patch, JSON) and union aliases → free-form objects
//                          marked x-kubernetes-preserve-unknown-fields, which the strict field
//                          validator does not descend into.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TYPES_DIR = path.join(ROOT, 'node_modules/kubernetes-types');
export const OUTPUT = path.join(ROOT, 'electron/engine/apiserver/openapi/generated/definitions.json');

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Go int64 fields, by JSON name (everything else numeric is int32 unless DOUBLE lists it). */
const INT64 = new Set([
  'activeDeadlineSeconds',
  'deletionGracePeriodSeconds',
  'expirationSeconds',
  'fsGroup',
  'generation',
  'gracePeriodSeconds',
  'limitBytes',
  'maxItems',
  'maxLength',
  'maxProperties',
  'minItems',
  'minLength',
  'minProperties',
  'observedGeneration',
  'remainingItemCount',
  'runAsGroup',
  'runAsUser',
  'sinceSeconds',
  'startingDeadlineSeconds',
  'supplementalGroups',
  'terminationGracePeriodSeconds',
  'tolerationSeconds',
]);
const DOUBLE = new Set(['maximum', 'minimum', 'multipleOf']);

/** Go package of a kubernetes-types module (`core/v1` → `io.k8s.api.core.v1`). */
function packageOf(mod) {
  switch (mod) {
    case 'meta/v1':
      return 'io.k8s.apimachinery.pkg.apis.meta.v1';
    case 'runtime':
      return 'io.k8s.apimachinery.pkg.runtime';
    case 'api/resource':
      return 'io.k8s.apimachinery.pkg.api.resource';
    case 'version':
      return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1':
      return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default:
      if (mod.startsWith('apiregistration/')) {
        return `io.k8s.kube-aggregator.pkg.apis.${mod.replace('/', '.')}`;
      }
      return `io.k8s.api.${mod.replace('/', '.')}`;
  }
}

function listModules(dir, prefix = '') {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...listModules(path.join(dir, entry.name), `${prefix}${entry.name}/`));
    else if (entry.name.endsWith('.d.ts')) out.push(`${prefix}${entry.name.slice(0, -'.d.ts'.length)}`);
  }
  return out.sort();
}

function docOf(node) {
  const texts = [];
  for (const doc of ts.getJSDocCommentsAndTags(node)) {
    if (!ts.isJSDoc(doc)) continue;
    const text = ts.getTextOfJSDocComment(doc.comment);
    if (text) texts.push(text.trim());
  }
  return texts.join('\n\n') || undefined;
}

function propertyName(member) {
  const name = member.name;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  return name.getText();
}

/** One parsed module: its declarations and where its imported names come from. */
function parseModule(mod) {
  const file = path.join(TYPES_DIR, `${mod}.d.ts`);
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const imports = new Map();
  const declarations = [];
  for (const stmt of source.statements) {
    if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier)) {
      const from = path.posix.normalize(path.posix.join(path.posix.dirname(mod), stmt.moduleSpecifier.text));
      const bindings = stmt.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements)
          imports.set(el.name.text, { mod: from, name: (el.propertyName ?? el.name).text });
      }
    } else if (ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) {
      declarations.push(stmt);
    }
  }
  return { mod, imports, declarations };
}

function generate() {
  const modules = listModules(TYPES_DIR).map(parseModule);
  const definitions = {};

  const refTo = (module, name) => {
    const imported = module.imports.get(name);
    const target = imported
      ? `${packageOf(imported.mod)}.${imported.name}`
      : `${packageOf(module.mod)}.${name}`;
    return { $ref: `#/definitions/${target}` };
  };

  const numberSchema = (fieldName) => {
    if (DOUBLE.has(fieldName)) return { type: 'number', format: 'double' };
    return { type: 'integer', format: INT64.has(fieldName) ? 'int64' : 'int32' };
  };

  const convert = (module, node, fieldName) => {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.NumberKeyword:
        return numberSchema(fieldName);
      case ts.SyntaxKind.LiteralType:
        if (ts.isStringLiteral(node.literal)) return { type: 'string' };
        break;
      case ts.SyntaxKind.ArrayType:
        return { type: 'array', items: convert(module, node.elementType, fieldName) };
      case ts.SyntaxKind.TypeReference: {
        const name = node.typeName.getText();
        if (name === 'Array' && node.typeArguments?.length === 1) {
          return { type: 'array', items: convert(module, node.typeArguments[0], fieldName) };
        }
        return refTo(module, name);
      }
      case ts.SyntaxKind.UnionType: {
        const kinds = node.types.map((t) => t.kind).sort();
        if (
          kinds.length === 2 &&
          kinds.includes(ts.SyntaxKind.NumberKeyword) &&
          kinds.includes(ts.SyntaxKind.StringKeyword)
        ) {
          return { $ref: `#/definitions/${INT_OR_STRING}` };
        }
        if (node.types.every((t) => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)))
          return { type: 'string' };
        return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      }
      case ts.SyntaxKind.TypeLiteral: {
        const index = node.members.find(ts.isIndexSignatureDeclaration);
        if (index) return { type: 'object', additionalProperties: convert(module, index.type, fieldName) };
        return objectSchema(module, node.members);
      }
      default:
        break;
    }
    throw new Error(`${module.mod}: unsupported type ${ts.SyntaxKind[node.kind]} (${node.getText()})`);
  };

  const objectSchema = (module, members) => {
    const properties = {};
    const required = [];
    for (const member of members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const name = propertyName(member);
      const schema = convert(module, member.type, name);
      const description = docOf(member);
      properties[name] = description ? { ...schema, description } : schema;
      if (!member.questionToken) required.push(name);
    }
    const schema = { type: 'object', properties };
    if (required.length > 0) schema.required = required;
    return schema;
  };

  /** `[{group, kind, version}]` when the interface is a served kind (literal apiVersion and kind). */
  const groupVersionKind = (decl) => {
    const literal = (name) => {
      const member = decl.members.find((m) => ts.isPropertySignature(m) && propertyName(m) === name);
      const type = member?.type;
      return type && ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)
        ? type.literal.text
        : undefined;
    };
    const apiVersion = literal('apiVersion');
    const kind = literal('kind');
    if (!apiVersion || !kind) return undefined;
    const slash = apiVersion.lastIndexOf('/');
    return [
      { group: slash < 0 ? '' : apiVersion.slice(0, slash), kind, version: apiVersion.slice(slash + 1) },
    ];
  };

  for (const module of modules) {
    const pkg = packageOf(module.mod);
    for (const decl of module.declarations) {
      const name = `${pkg}.${decl.name.text}`;
      const description = docOf(decl);
      let schema;
      if (ts.isInterfaceDeclaration(decl)) {
        schema =
          decl.members.length === 0
            ? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
            : objectSchema(module, decl.members);
        const gvk = groupVersionKind(decl);
        if (gvk) schema['x-kubernetes-group-version-kind'] = gvk;
      } else if (decl.type.kind === ts.SyntaxKind.StringKeyword) {
        schema = { type: 'string' };
        // metav1.Time and MicroTime are RFC 3339 timestamps on the wire.
        if (decl.name.text === 'Time' || decl.name.text === 'MicroTime') schema.format = 'date-time';
      } else {
        schema = { 'x-kubernetes-preserve-unknown-fields': true };
      }
      definitions[name] = description ? { description, ...schema } : schema;
    }
  }

  definitions[INT_OR_STRING] = {
    description:
      'IntOrString holds either an integer or a string; JSON carries it as whichever it is (e.g. 8080 or "http").',
    type: 'string',
    format: 'int-or-string',
    'x-kubernetes-int-or-string': true,
  };
  // metav1.Status is returned by every group-version; Kubernetes tags it with core v1.
  const status = definitions['io.k8s.apimachinery.pkg.apis.meta.v1.Status'];
  if (status) status['x-kubernetes-group-version-kind'] = [{ group: '', kind: 'Status', version: 'v1' }];

  const sorted = {};
  for (const key of Object.keys(definitions).sort()) sorted[key] = definitions[key];
  const pkgVersion = JSON.parse(readFileSync(path.join(TYPES_DIR, 'package.json'), 'utf8')).version;
  return { source: `kubernetes-types@${pkgVersion}`, definitions: sorted };
}

/** Writes the definitions file unless it already holds exactly this content. Returns whether it wrote. */
export async function writeDefinitions() {
  const options = (await prettier.resolveConfig(OUTPUT)) ?? {};
  const text = await prettier.format(JSON.stringify(generate()), { ...options, parser: 'json' });
  if (existsSync(OUTPUT) && readFileSync(OUTPUT, 'utf8') === text) return false;
  mkdirSync(path.dirname(OUTPUT), { recursive: true });
  writeFileSync(OUTPUT, text);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const wrote = await writeDefinitions();
  const hash = createHash('sha256').update(readFileSync(OUTPUT)).digest('hex').slice(0, 12);
  console.log(
    `gen-openapi: ${wrote ? 'wrote' : 'unchanged'} ${path.relative(ROOT, OUTPUT)} (${hash}) in ${Date.now() - started} ms`,
  );
}
