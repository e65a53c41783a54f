/** What every resource handler receives. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../log';
import type { UserInfo } from '../auth/user';
import type { ServedResource } from '../registry/served';
import type { RequestInfo } from '../request-info';
import type { OutputFormat } from './http';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  info: RequestInfo;
  user: UserInfo;
  served: ServedResource;
  format: OutputFormat;
  log: Logger;
}

export function param(ctx: RequestContext, name: string): string | null {
  return ctx.url.searchParams.get(name);
}
