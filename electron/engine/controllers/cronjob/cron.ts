/**
 * Cron schedules as Kubernetes reads them (robfig/cron v3's ParseStandard, which the CronJob
 * controller uses): five fields — minute, hour, day of month, month (1-12 or JAN-DEC), day of
 * week (0-6 or SUN-SAT) — each a list of `*`/`?`, `n`, `a-b`, with an optional `/step`; the
 * descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly and `@every <dur>`.
 * Day of month and day of week are OR-ed when both are restricted, AND-ed when either is `*`.
 *
 * Written here rather than taken from npm: the common libraries differ from robfig in exactly
 * the corners users hit (they accept 7 for Sunday, L/W/#, seconds fields, and treat `*` in the
 * day fields differently), and the matching is small. Time zones come from the platform's IANA
 * database through Intl.
 *
 * Matching runs on wall-clock time in the schedule's zone. Known limitation, as with most cron
 * implementations: a wall time that a DST spring-forward skips runs once, at the same clock
 * time on the later offset (02:30 → 03:30); a time repeated by fall-back runs once, at its first
 * occurrence.
 */

export interface Schedule {
  /** The first activation strictly after `after`, or null if there is none within 5 years. */
  next(after: Date): Date | null;
}

export class CronSyntaxError extends Error {
  override name = 'CronSyntaxError';
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = Object.fromEntries(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, i) => [
    m,
    i + 1,
  ]),
);
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A field's allowed values, and whether it was a bare `*`/`?` (robfig's starBit). */
interface Field {
  values: Set<number>;
  star: boolean;
}

function parseNumber(text: string, b: Bounds): number {
  const named = b.names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(text)) throw new CronSyntaxError(`failed to parse int from ${text}`);
  return Number(text);
}

function parseField(text: string, b: Bounds): Field {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw new CronSyntaxError(`too many slashes: ${part}`);
    let start: number;
    let end: number;
    let partStar = false;
    if (range === '*' || range === '?') {
      [start, end, partStar] = [b.min, b.max, true];
    } else {
      const [lo = '', hi, more] = range.split('-');
      if (more !== undefined) throw new CronSyntaxError(`too many hyphens: ${range}`);
      start = parseNumber(lo, b);
      end = hi === undefined ? start : parseNumber(hi, b);
    }
    let step = 1;
    if (stepText !== undefined) {
      step = parseNumber(stepText, { min: 0, max: 0 });
      // "n/step" means n through the maximum.
      if (!range.includes('-') && !partStar) end = b.max;
      if (step > 1) partStar = false;
    }
    if (start < b.min)
      throw new CronSyntaxError(`beginning of range (${start}) below minimum (${b.min}): ${part}`);
    if (end > b.max) throw new CronSyntaxError(`end of range (${end}) above maximum (${b.max}): ${part}`);
    if (start > end)
      throw new CronSyntaxError(`beginning of range (${start}) beyond end of range (${end}): ${part}`);
    if (step === 0) throw new CronSyntaxError(`step of range should be a positive number: ${part}`);
    for (let v = start; v <= end; v += step) values.add(v);
    star ||= partStar;
  }
  return { values, star };
}

/** Go's time.ParseDuration for the units that make sense here (h, m, s, ms). */
function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as 'h'];
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== text.length) throw new CronSyntaxError(`failed to parse duration ${text}`);
  return total;
}

/** @every: a fixed delay (at least one second, whole seconds), as robfig's ConstantDelaySchedule. */
function everySchedule(ms: number): Schedule {
  const delay = ms < 1000 ? 1000 : Math.floor(ms / 1000) * 1000;
  return { next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + delay) };
}

/**
 * Parses `schedule` for `timeZone` (an IANA name; undefined = this process's local zone).
 * Throws CronSyntaxError (bad schedule) or RangeError (unknown time zone).
 */
export function parseSchedule(schedule: string, timeZone?: string): Schedule {
  const zone = timeZone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
  offsetFormatter(zone); // throws RangeError for an unknown zone
  let text = schedule.trim();
  if (text.startsWith('@every ')) return everySchedule(parseDuration(text.slice(7).trim()));
  if (text.startsWith('@')) {
    const expanded = DESCRIPTORS[text];
    if (!expanded) throw new CronSyntaxError(`unrecognized descriptor: ${text}`);
    text = expanded;
  }
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length !== 5)
    throw new CronSyntaxError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i] as Bounds)) as [
    Field,
    Field,
    Field,
    Field,
    Field,
  ];
  const dayMatches = (d: Date) => {
    const domOk = dom.values.has(d.getUTCDate());
    const dowOk = dow.values.has(d.getUTCDay());
    return dom.star || dow.star ? domOk && dowOk : domOk || dowOk;
  };
  /** The first wall-clock minute at or after `w` (a wall time written as UTC) that matches. */
  const nextWall = (w: Date): Date | null => {
    const t = new Date(w);
    const yearLimit = t.getUTCFullYear() + 5;
    for (let guard = 0; guard < 100_000; guard++) {
      if (t.getUTCFullYear() > yearLimit) return null;
      if (!month.values.has(t.getUTCMonth() + 1)) {
        t.setUTCMonth(t.getUTCMonth() + 1, 1);
        t.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!dayMatches(t)) {
        t.setUTCDate(t.getUTCDate() + 1);
        t.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!hour.values.has(t.getUTCHours())) {
        t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
        continue;
      }
      if (!minute.values.has(t.getUTCMinutes())) {
        t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
        continue;
      }
      return t;
    }
    return null;
  };
  return {
    next(after) {
      // Start at the next whole minute of wall time after `after`.
      let wall = new Date(Math.floor(wallTime(after.getTime(), zone) / 60_000) * 60_000 + 60_000);
      for (let i = 0; i < 10; i++) {
        const w = nextWall(wall);
        if (!w) return null;
        const instant = instantOf(w.getTime(), zone);
        if (instant > after.getTime()) return new Date(instant);
        // A repeated (fall-back) wall time already passed: look further.
        wall = new Date(w.getTime() + 60_000);
      }
      return null;
    },
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function offsetFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock time in `zone` at `instant`, written as a UTC timestamp. */
export function wallTime(instant: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of offsetFormatter(zone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second) + (((instant % 1000) + 1000) % 1000);
}

/**
 * The instant at which `zone`'s clocks show `wall`: the earlier one when the wall time occurs
 * twice, and the one on the pre-transition offset (i.e. later) when it does not occur at all —
 * Go's time.Date behaviour.
 */
export function instantOf(wall: number, zone: string): number {
  // Offsets a day either side cover every transition near `wall`.
  const offsets = new Set([-86_400_000, 0, 86_400_000].map((d) => wallTime(wall + d, zone) - (wall + d)));
  const candidates = [...offsets].map((off) => wall - off).sort((a, b) => a - b);
  const exact = candidates.find((c) => wallTime(c, zone) === wall);
  if (exact !== undefined) return exact;
  return candidates[candidates.length - 1] as number;
}
