/**
 * The path and query parameters of Kubernetes API operations, with the names and types
 * kube-apiserver publishes (descriptions are our own summaries). Clients look some up by name:
 * client-go's query-parameter verifier checks for `fieldValidation` on PATCH before sending it.
 */
export interface Parameter {
  name: string;
  in: 'path' | 'query';
  type: 'string' | 'boolean' | 'integer';
  description: string;
  required?: boolean;
}

const QUERY: Record<string, [Parameter['type'], string]> = {
  allowWatchBookmarks: ['boolean', 'Ask a watch for BOOKMARK events, which carry only a resourceVersion.'],
  command: ['string', 'The command to run; repeat the parameter for each argument.'],
  container: ['string', 'The container to use; optional when the pod has exactly one.'],
  continue: ['string', 'The continue token from a previous limited list, to fetch the next chunk.'],
  dryRun: ['string', 'All: validate and admit the request without persisting it.'],
  fieldManager: ['string', 'Name of the actor making the change, recorded in managedFields.'],
  fieldSelector: ['string', 'Restrict results to objects whose fields match, e.g. metadata.name=x.'],
  fieldValidation: [
    'string',
    'What to do with unknown or duplicate fields in the body: Ignore, Warn (the default) or Strict.',
  ],
  follow: ['boolean', 'Stream the log as it is written.'],
  force: ['boolean', 'For apply patches: take ownership of fields other managers own.'],
  gracePeriodSeconds: ['integer', 'Seconds before the object is deleted; 0 deletes immediately.'],
  insecureSkipTLSVerifyBackend: ['boolean', "Do not verify the serving certificate of the node's kubelet."],
  labelSelector: ['string', 'Restrict results to objects whose labels match the selector.'],
  limit: ['integer', 'Return at most this many items, with a continue token for the rest.'],
  limitBytes: ['integer', 'Stop the log after this many bytes.'],
  orphanDependents: ['boolean', 'Deprecated: use propagationPolicy. Leave dependents in place.'],
  path: ['string', 'The path to proxy to.'],
  ports: ['integer', 'The pod ports to forward to.'],
  pretty: ['string', 'Indent the output when true.'],
  previous: ['boolean', "Return the previous terminated container's log."],
  propagationPolicy: ['string', 'How dependents are garbage collected: Orphan, Background or Foreground.'],
  resourceVersion: [
    'string',
    'The resourceVersion the result must be at least as new as (see resourceVersionMatch).',
  ],
  resourceVersionMatch: ['string', 'How resourceVersion applies to a list: Exact or NotOlderThan.'],
  sendInitialEvents: ['boolean', 'For watches: start with synthetic ADDED events for the current state.'],
  sinceSeconds: ['integer', 'Only log lines newer than this many seconds.'],
  stderr: ['boolean', 'Redirect the standard error stream.'],
  stdin: ['boolean', 'Redirect the standard input stream.'],
  stdout: ['boolean', 'Redirect the standard output stream.'],
  tailLines: ['integer', 'Only the last this many lines of the log.'],
  timeoutSeconds: ['integer', 'End the list or watch call after this many seconds.'],
  timestamps: ['boolean', 'Prefix every log line with an RFC 3339 timestamp.'],
  tty: ['boolean', 'Allocate a terminal.'],
  watch: ['boolean', 'Watch for changes instead of listing.'],
};

/** A named parameter: `name`/`namespace` are required path parameters, the rest are query parameters. */
export function parameter(name: string, kind = 'object'): Parameter {
  if (name === 'name')
    return { name, in: 'path', type: 'string', required: true, description: `Name of the ${kind}.` };
  if (name === 'namespace') {
    return { name, in: 'path', type: 'string', required: true, description: 'The namespace of the objects.' };
  }
  const known = QUERY[name];
  if (!known) throw new Error(`unknown API parameter ${name}`);
  return { name, in: 'query', type: known[0], description: known[1] };
}
