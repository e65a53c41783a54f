/**
 * WATCH: a chunked HTTP response of newline-delimited JSON events
 * (`{"type":"MODIFIED","object":{…}}`), served from the watch cache with Kubernetes'
 * resourceVersion semantics:
 * - unset: a consistent snapshot as ADDED events, then changes ("get state and start at most
 *   recent"); "0": the cache's current state, then changes; N: every change after N (410
 *   Expired when N is older than the cache keeps).
 * - sendInitialEvents=true (the watch-list protocol): the state, then a BOOKMARK annotated
 *   `k8s.io/initial-events-end`.
 * - allowWatchBookmarks: periodic BOOKMARK events carrying only the latest resourceVersion.
 * - Objects that start or stop matching the selectors arrive as ADDED / DELETED.
 * - timeoutSeconds ends the stream cleanly; without it, a random 30–60 min like
 *   kube-apiserver's --min-request-timeout. A watcher that stops reading is dropped once 32 MiB
 *   are queued for it, instead of growing without bound.
 */
import { badRequest, invalid } from '../errors';
import type { FieldError } from '../resources/types';
import type { CachedObject } from '../registry/cached-object';
import type { CacheEvent } from '../registry/watch-cache';
import { SelectorError, parseFieldSelector, parseLabelSelector } from '../../../kube/selectors';
import { type RequestContext, param } from './context';
import { parseIncludeObject, partialMetadata, toTable } from './table';
import { parseRv } from './read';

const MAX_QUEUED_BYTES = 32 * 1024 * 1024;
/** How often idle watchers that allow bookmarks get one. */
export const BOOKMARK_INTERVAL_MS = Number(process.env.PILOTHOUSE_BOOKMARK_INTERVAL_MS ?? 30_000);

/**
 * Kubernetes' validateWatchOptions (422 on ListOptions.meta.k8s.io), plus one rule of ours:
 * sendInitialEvents=true needs allowWatchBookmarks, since the end of the initial events is
 * announced by a bookmark.
 */
export function validateWatchOptions(o: {
  sendInitialEvents: string | null;
  resourceVersionMatch: string | null;
  continue: string | null;
  allowWatchBookmarks: boolean;
}) {
  const errs: FieldError[] = [];
  const forbidden = (field: string, message: string) =>
    errs.push({ field, type: 'FieldValueForbidden', message: `Forbidden: ${message}` });
  const match = o.resourceVersionMatch ?? '';
  if (o.sendInitialEvents !== null) {
    if (o.sendInitialEvents !== 'true' && o.sendInitialEvents !== 'false') {
      throw badRequest(
        `sendInitialEvents: invalid value ${JSON.stringify(o.sendInitialEvents)}: must be true or false`,
      );
    }
    if (match !== 'NotOlderThan') {
      forbidden(
        'resourceVersionMatch',
        'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      );
    }
    if (o.sendInitialEvents === 'true' && !o.allowWatchBookmarks) {
      forbidden(
        'allowWatchBookmarks',
        'sendInitialEvents=true requires allowWatchBookmarks=true (the end of the initial events is a bookmark)',
      );
    }
  }
  if (match) {
    if (o.sendInitialEvents === null) {
      forbidden(
        'resourceVersionMatch',
        'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      );
    }
    if (match !== 'NotOlderThan') {
      errs.push({
        field: 'resourceVersionMatch',
        type: 'FieldValueNotSupported',
        message: `Unsupported value: ${JSON.stringify(match)}: supported values: "NotOlderThan"`,
      });
    }
    if (o.continue)
      forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
  }
  if (errs.length) throw invalid('ListOptions', 'meta.k8s.io', '', errs);
}

export async function handleWatch(ctx: RequestContext) {
  const { served, info, res, req } = ctx;
  let labels, fields;
  try {
    labels = parseLabelSelector(param(ctx, 'labelSelector'));
    fields = parseFieldSelector(param(ctx, 'fieldSelector'));
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(`unable to parse requirement: ${err.message}`);
    throw err;
  }
  if (info.name) fields.push({ field: 'metadata.name', op: '=', value: info.name });
  served.checkFieldSelector(fields);
  const match = served.matcher(labels, fields);
  const rvParam = param(ctx, 'resourceVersion') ?? '';
  const bookmarks = param(ctx, 'allowWatchBookmarks') === 'true';
  const sendInitialEvents = param(ctx, 'sendInitialEvents');
  validateWatchOptions({
    sendInitialEvents,
    resourceVersionMatch: param(ctx, 'resourceVersionMatch'),
    continue: param(ctx, 'continue'),
    allowWatchBookmarks: bookmarks,
  });
  const initialEvents = sendInitialEvents === 'true';
  const timeoutParam = param(ctx, 'timeoutSeconds');
  const timeoutSec = timeoutParam ? Number(timeoutParam) : 1800 + Math.random() * 1800;
  if (!Number.isFinite(timeoutSec) || timeoutSec < 0)
    throw badRequest(`invalid timeoutSeconds: ${timeoutParam}`);

  const range = served.range(served.def.namespaced ? info.namespace : '');
  // With sendInitialEvents=false the client asked for changes only, whatever the resourceVersion.
  const wantState = initialEvents || (sendInitialEvents === null && (rvParam === '' || rvParam === '0'));
  if (rvParam === '') await served.cache.waitFresh(await served.storage.currentRevision());
  else if (rvParam === '0') await served.cache.usable();
  else await served.cache.waitFresh(parseRv(rvParam));

  const f = ctx.format;
  const include = parseIncludeObject(param(ctx, 'includeObject'));
  let firstTable = true;
  /** One event line; the object is converted or encoded once, only in the form this watch wants. */
  const encode = (type: string, o: CachedObject): string => {
    if (f.kind === 'table') {
      const t = toTable(served.def, [served.served(o)], {
        include,
        version: f.version,
        withColumns: firstTable,
      });
      firstTable = false;
      return `{"type":"${type}","object":${JSON.stringify(t)}}\n`;
    }
    if (f.kind === 'partial')
      return `{"type":"${type}","object":${JSON.stringify(partialMetadata(served.served(o), f.version))}}\n`;
    return `{"type":"${type}","object":${served.json(o)}}\n`;
  };

  let lastRv = 0;
  let closed = false;
  const bookmark = (rv: number, annotations?: Record<string, string>) => {
    const obj = {
      kind: served.def.kind,
      apiVersion: served.gv,
      metadata: { resourceVersion: String(rv), ...(annotations ? { annotations } : {}) },
    };
    write(`{"type":"BOOKMARK","object":${JSON.stringify(obj)}}\n`);
  };
  const write = (chunk: string) => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > MAX_QUEUED_BYTES) {
      ctx.log.warn(
        { resource: served.def.plural, user: ctx.user.name },
        'dropping a watcher that stopped reading',
      );
      finish();
    }
  };

  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'transfer-encoding': 'chunked',
  });
  res.flushHeaders();

  const onEvent = (ev: CacheEvent) => {
    if (ev.object.key < range.from || ev.object.key >= range.to) return;
    lastRv = ev.object.rv;
    const now = match(ev.object.object);
    const before = ev.prev ? match(ev.prev.object) : false;
    let type: string = ev.type;
    if (ev.type === 'MODIFIED') {
      if (now && !before) type = 'ADDED';
      else if (!now && before) type = 'DELETED';
      else if (!now) return;
    } else if (ev.type === 'DELETED') {
      if (!before) return;
    } else if (!now) return;
    write(encode(type, ev.object));
  };

  let sub: { rev: number; stop(): void };
  try {
    const start = wantState
      ? { state: range }
      : { fromRv: rvParam === '' || rvParam === '0' ? served.cache.rev : parseRv(rvParam) };
    sub = served.cache.watch(start, {
      onEvent,
      onProgress: (rev) => {
        lastRv = Math.max(lastRv, rev);
      },
      onClose: () => finish(),
    });
  } catch (err) {
    // Headers are out: Kubernetes reports a failed watch start as an ERROR event with a Status.
    const status = (err as { status?: () => unknown }).status?.() ?? { message: String(err) };
    res.end(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
    return;
  }
  lastRv = Math.max(lastRv, sub.rev);
  if (initialEvents) bookmark(sub.rev, { 'k8s.io/initial-events-end': 'true' });

  const bookmarkTimer = bookmarks
    ? setInterval(() => bookmark(Math.max(lastRv, served.cache.rev)), BOOKMARK_INTERVAL_MS)
    : undefined;
  const endTimer = setTimeout(() => {
    if (bookmarks) bookmark(Math.max(lastRv, served.cache.rev));
    finish();
  }, timeoutSec * 1000);

  function finish() {
    if (closed) return;
    closed = true;
    sub?.stop();
    clearInterval(bookmarkTimer);
    clearTimeout(endTimer);
    res.end();
  }
  req.on('close', finish);
  res.on('close', finish);
}
