/**
 * The portal time zone: every date scrumd outputs is rendered in it (with the offset valid
 * at that instant, never `Z`, never fractions), and dates without an explicit offset are read in it.
 */
import { DateTime, IANAZone } from 'luxon';
import { memoized } from './memo.js';
import { isNumeric, toInt } from './php.js';

/** The range of instants JS dates (and so Luxon) can represent, in seconds. */
const MAX_SECONDS = 8.64e12;

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function clampSeconds(s: number): number {
  return Math.max(-MAX_SECONDS, Math.min(MAX_SECONDS, s));
}

/** 10000-01-01T00:00:00Z in seconds. */
const MAX_FOUR_DIGIT_YEAR = 253402300800;

export class PortalTime {
  /** the zone is UTC itself (the default): dates are rendered without Luxon */
  private readonly utc: boolean;

  constructor(readonly zone: string) {
    if (!isValidTimeZone(zone)) throw new Error(`Unknown time zone: ${zone}`);
    this.utc = zone === 'UTC' || zone === 'Etc/UTC';
  }

  private at(seconds: number): DateTime {
    return DateTime.fromSeconds(clampSeconds(seconds), { zone: this.zone });
  }

  /** Rendered `iso` strings by instant: every answer renders the request's own second twice, and lists repeat dates. */
  private readonly isoOf = memoized(
    (s: number): string =>
      this.utc && s >= 0 && s < MAX_FOUR_DIGIT_YEAR
        ? // UTC between 1970 and 9999: the same text as Luxon's, from the ISO string of a Date
          `${new Date(s * 1000).toISOString().slice(0, 19)}+00:00`
        : this.at(s).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ"),
    4096,
  );

  /** `2024-08-29T10:34:19+03:00` (B7, protocol.md §4.2). */
  iso(seconds: number): string {
    return this.isoOf(Math.floor(seconds));
  }

  /** The site format of an English portal, `MM/DD/YYYY HH:MI:SS` (workgroup.get dates). */
  site(seconds: number): string {
    return this.at(Math.floor(seconds)).toFormat('MM/dd/yyyy HH:mm:ss');
  }

  /** `2024-07-23 08:08:50` (user.current LAST_ACTIVITY_DATE). */
  plain(seconds: number): string {
    return this.at(Math.floor(seconds)).toFormat('yyyy-MM-dd HH:mm:ss');
  }

  /** Midnight of the instant's calendar day in portal time, as ISO (user dates such as DATE_REGISTER). */
  isoDate(seconds: number): string {
    return this.at(Math.floor(seconds)).startOf('day').toFormat("yyyy-MM-dd'T'HH:mm:ssZZ");
  }

  /**
   * The sprint date reader `parseDate` (scrum-api.md C2): numbers are Unix seconds, strings are read
   * like PHP's strtotime relative to now in portal time, anything unreadable is the epoch (never an error).
   */
  parseDate(v: unknown, now: number = nowSeconds()): number {
    if (isNumeric(v)) return toInt(v);
    if (typeof v !== 'string') return 0;
    const parsed = this.parseDateString(v, now);
    return parsed ?? 0;
  }

  /** A date string in the forms strtotime users rely on; null when unreadable. */
  parseDateString(input: string, now: number = nowSeconds()): number | null {
    const s = input.trim();
    if (s === '') return null;
    const zone = { zone: this.zone };
    const base = DateTime.fromSeconds(now, zone);
    const lower = s.toLowerCase();
    switch (lower) {
      case 'now':
        return now;
      case 'today':
      case 'midnight':
        return Math.floor(base.startOf('day').toSeconds());
      case 'tomorrow':
        return Math.floor(base.plus({ days: 1 }).startOf('day').toSeconds());
      case 'yesterday':
        return Math.floor(base.minus({ days: 1 }).startOf('day').toSeconds());
    }
    const rel = /^([+-]?\d+)\s*(sec|second|min|minute|hour|day|week|fortnight|month|year)s?$/.exec(lower);
    if (rel) {
      const n = Number(rel[1]);
      const unit = rel[2]!;
      const dur =
        unit === 'sec' || unit === 'second' ? { seconds: n }
        : unit === 'min' || unit === 'minute' ? { minutes: n }
        : unit === 'hour' ? { hours: n }
        : unit === 'day' ? { days: n }
        : unit === 'week' ? { weeks: n }
        : unit === 'fortnight' ? { weeks: 2 * n }
        : unit === 'month' ? { months: n }
        : { years: n };
      return Math.floor(base.plus(dur).toSeconds());
    }
    const candidates: DateTime[] = [
      DateTime.fromISO(s, zone),
      DateTime.fromSQL(s, zone),
      DateTime.fromRFC2822(s, zone),
      DateTime.fromHTTP(s, zone),
    ];
    for (const fmt of ['d.M.yyyy', 'd.M.yyyy H:mm', 'd.M.yyyy H:mm:ss', 'M/d/yyyy', 'M/d/yyyy H:mm', 'M/d/yyyy H:mm:ss']) {
      candidates.push(DateTime.fromFormat(s, fmt, zone));
    }
    for (const dt of candidates) {
      if (dt.isValid) return Math.floor(dt.toSeconds());
    }
    return null;
  }
}
