/**
 * Helpers for server-side Table rows, matching pkg/printers/internalversion: ages in
 * apimachinery's HumanDuration format (`5s`, `3m12s`, `2d3h`), container name/image cells, and
 * the common column definitions.
 */
import type { Container } from 'kubernetes-types/core/v1';
import type { TableColumn } from './types';

/**
 * duration.HumanDuration: seconds below 2 minutes, minutes+seconds below 10 minutes, minutes
 * below 3 hours, hours+minutes below 8 hours, hours below 2 days, days+hours below 8 days, days
 * below 2 years, years+days below 8 years, then years. Up to 2 s in the future reads as now.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** translateTimestampSince: `<unknown>` without a timestamp. */
export function since(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

/** layoutContainerCells: comma-joined container names and images. */
export function containerCells(containers: Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/** Column helper: a string column shown by plain `kubectl get` (priority 0) or `-o wide` (1). */
export function col(
  name: string,
  description: string,
  opts: { type?: TableColumn['type']; wide?: boolean } = {},
): TableColumn {
  return { name, type: opts.type ?? 'string', format: '', description, priority: opts.wide ? 1 : 0 };
}

export const AGE_COLUMN = col(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);
export const CONTAINERS_COLUMN = col('Containers', 'Names of each container in the template.', {
  wide: true,
});
export const IMAGES_COLUMN = col('Images', 'Images referenced by each container in the template.', {
  wide: true,
});
export const SELECTOR_COLUMN = col(
  'Selector',
  'A label query over pods that should match the replica count.',
  {
    wide: true,
  },
);
