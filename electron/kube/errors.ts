/** Failures of API calls, carrying the server's metav1.Status when it sent one. */

export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

/** A non-2xx answer from the API server. `reason` is metav1.StatusReason ('' when absent). */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: StatusBody | null;

  constructor(code: number, status: StatusBody | null, what: string) {
    const text = status?.message ?? `HTTP ${code}`;
    super(`${what}: ${text}`);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = status?.reason ?? '';
    this.status = status;
  }
}

/** The request never got an answer (connection refused, reset, timed out). */
export class KubeConnectionError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubeConnectionError';
    this.code = code;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeApiError && err.code === 404;
export const isConflict = (err: unknown): boolean => err instanceof KubeApiError && err.code === 409;
export const isAlreadyExists = (err: unknown): boolean =>
  err instanceof KubeApiError && err.code === 409 && err.reason === 'AlreadyExists';
export const isGone = (err: unknown): boolean => err instanceof KubeApiError && err.code === 410;
