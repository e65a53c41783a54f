/**
 * The result of running a plugin, as kube-scheduler's framework.Status
 * (pkg/scheduler/framework/interface.go): a code, reasons for the user, and the plugin that
 * produced it.
 *
 * Success is `null`, as Go's nil *Status is: the hot paths (Filter and Score over hundreds of
 * nodes per pod) then allocate nothing when a node fits. Use `isSuccess(s)` / `codeOf(s)` rather
 * than comparing codes by hand.
 */

export const Code = {
  /** The plugin ran correctly and found the pod schedulable (never stored: success is `null`). */
  Success: 0,
  /** An internal error: the pod is retried after backoff, no preemption is attempted. */
  Error: 1,
  /** The pod does not fit this node now; preemption of other pods might help. */
  Unschedulable: 2,
  /** The pod does not fit and preempting pods on this node would not change that. */
  UnschedulableAndUnresolvable: 3,
  /** A Permit plugin holds the pod until another component allows or rejects it. */
  Wait: 4,
  /** The plugin has nothing to do for this pod; its later extension points are skipped. */
  Skip: 5,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

const CODE_NAMES: Record<Code, string> = {
  0: 'Success',
  1: 'Error',
  2: 'Unschedulable',
  3: 'UnschedulableAndUnresolvable',
  4: 'Wait',
  5: 'Skip',
};

export class Status {
  /** Name of the plugin that returned this status; the framework fills it in when empty. */
  plugin: string;

  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    plugin = '',
    /** The underlying error for Code.Error. */
    readonly error?: Error,
  ) {
    this.plugin = plugin;
  }

  /** Reasons joined with ", ", as Status.Message(). */
  message(): string {
    return this.reasons.join(', ');
  }

  codeName(): string {
    return CODE_NAMES[this.code];
  }

  toString(): string {
    return `${this.codeName()}${this.plugin ? ` (${this.plugin})` : ''}: ${this.message()}`;
  }
}

/** A Status the framework may hand back to a plugin result; `null` means Success. */
export type MaybeStatus = Status | null;

export const isSuccess = (s: MaybeStatus): s is null => s === null || s.code === Code.Success;
export const codeOf = (s: MaybeStatus): Code => (s === null ? Code.Success : s.code);
export const isSkip = (s: MaybeStatus): boolean => s !== null && s.code === Code.Skip;
/** Unschedulable or UnschedulableAndUnresolvable: the pod was rejected, not an error. */
export const isRejected = (s: MaybeStatus): boolean =>
  s !== null && (s.code === Code.Unschedulable || s.code === Code.UnschedulableAndUnresolvable);

export const unschedulable = (...reasons: string[]): Status => new Status(Code.Unschedulable, reasons);
export const unresolvable = (...reasons: string[]): Status =>
  new Status(Code.UnschedulableAndUnresolvable, reasons);
export const skip = (): Status => new Status(Code.Skip);
export const asStatus = (err: unknown): Status => {
  const e = err instanceof Error ? err : new Error(String(err));
  return new Status(Code.Error, [e.message], '', e);
};
