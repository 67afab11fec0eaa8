/**
 * Local time in any IANA time zone (`Europe/Paris`, `Europe/Zurich`, `Australia/Adelaide`…), from
 * the runtime's time zone data through Intl, never from the host's own zone. Instants are
 * milliseconds since the epoch, as Date.getTime() gives them.
 *
 * Intl only says what the clock reads at an instant, and slowly (a few µs a call). So each zone
 * keeps, per UTC hour asked about, the offset at the start of the hour and, when it changes within
 * the hour, the instant it changes and the offset after: every later question about that hour is
 * arithmetic. This assumes that the offset does not change twice within an hour: the closest
 * changes in the time zone data are days apart.
 *
 * A local date and time that the clocks skip (spring forward) or read twice (fall back) has one
 * documented answer, the one of Temporal's `compatible` disambiguation: in the overlap, the first
 * of the two instants (still on summer time); in the gap, the time moved on by the length of the
 * gap, as a clock not yet set forward reads it (02:30 on the last Sunday of March in Paris is
 * 03:30+02:00; a day whose midnight is skipped starts at 01:00).
 */

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * Every zone was on its local mean time before 1830 (no time zone data has an earlier change),
 * and Intl's years have no era: the offset of an earlier instant is the one of 1800.
 */
const EARLIEST_CHANGE = Date.UTC(1800, 0, 1);

/** More hours than that in one zone's memory (eleven years of them) and it starts again empty. */
const MAX_REMEMBERED_HOURS = 100_000;

/** What the local clock reads at an instant. */
export interface WallClock {
    year: number;
    /** 1 (January) to 12. */
    month: number;
    day: number;
    hour: number;
    minute: number;
    second: number;
    millisecond: number;
    /** ISO weekday: 1 Monday to 7 Sunday. */
    weekday: number;
    /** Local time minus UTC, in minutes: +60 in Paris in winter, +330 in Kolkata, -180 in Santiago in winter. */
    offsetMinutes: number;
}

/** A time zone name the runtime does not know, with the name given. */
export class TimeZoneError extends Error {
    constructor(
        readonly reason: 'unknownZone',
        readonly value: unknown,
    ) {
        super(`unknown time zone: ${JSON.stringify(value)}`);
    }
}

/** The offsets of one UTC hour: `before` until `changesAt`, `after` from then on (Infinity: no change). */
interface HourOffsets {
    before: number;
    changesAt: number;
    after: number;
}

/** What one zone has learnt from Intl; shared by every TimeZone of that name. */
class ZoneRecord {
    private readonly hours = new Map<number, HourOffsets>();

    constructor(private readonly format: Intl.DateTimeFormat) {}

    offsetsOfHour(hour: number): HourOffsets {
        let offsets = this.hours.get(hour);
        if (offsets === undefined) {
            offsets = this.readHour(hour);
            if (this.hours.size >= MAX_REMEMBERED_HOURS) this.hours.clear();
            this.hours.set(hour, offsets);
        }
        return offsets;
    }

    private readHour(hour: number): HourOffsets {
        const start = hour * HOUR_MS;
        // A neighbour known already has read this hour's start or end: half the Intl calls when time runs on.
        const before = this.hours.get(hour - 1)?.after ?? this.readOffset(start);
        const after = this.hours.get(hour + 1)?.before ?? this.readOffset(start + HOUR_MS);
        if (before === after) return { before, changesAt: Infinity, after };
        // Time zone data changes offsets on whole seconds: bisect to the first second of `after`.
        let low = start;
        let high = start + HOUR_MS;
        while (high - low > SECOND_MS) {
            const middle = low + Math.floor((high - low) / (2 * SECOND_MS)) * SECOND_MS;
            if (this.readOffset(middle) === before) low = middle;
            else high = middle;
        }
        return { before, changesAt: high, after };
    }

    /** The offset at an instant, in ms, as Intl reads it (to the second: Intl shows no milliseconds). */
    private readOffset(instant: number): number {
        const time = Math.floor(Math.max(instant, EARLIEST_CHANGE) / SECOND_MS) * SECOND_MS;
        const parts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
        for (const part of this.format.formatToParts(time)) {
            if (part.type in parts) parts[part.type as keyof typeof parts] = Number(part.value);
        }
        return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - time;
    }
}

const zoneRecords = new Map<string, ZoneRecord>();

function zoneRecord(name: string): ZoneRecord {
    let record = zoneRecords.get(name);
    if (record === undefined) {
        // An empty or missing name would give the host's zone: never assumed.
        if (typeof name !== 'string' || name === '') throw new TimeZoneError('unknownZone', name);
        let format: Intl.DateTimeFormat;
        try {
            format = new Intl.DateTimeFormat('en-US', {
                timeZone: name,
                hourCycle: 'h23',
                year: 'numeric',
                month: 'numeric',
                day: 'numeric',
                hour: 'numeric',
                minute: 'numeric',
                second: 'numeric',
            });
        } catch {
            throw new TimeZoneError('unknownZone', name);
        }
        record = new ZoneRecord(format);
        zoneRecords.set(name, record);
    }
    return record;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local calendar arithmetic in one IANA zone. Cheap to create: what a zone learns is kept per name. */
export class TimeZone {
    private readonly record: ZoneRecord;

    /** Throws TimeZoneError when the runtime does not know `name`. */
    constructor(readonly name: string) {
        this.record = zoneRecord(name);
    }

    /** Local time minus UTC at an instant, in ms (+3,600,000 in Paris in winter). */
    offset(instant: number): number {
        const offsets = this.record.offsetsOfHour(Math.floor(instant / HOUR_MS));
        return instant < offsets.changesAt ? offsets.before : offsets.after;
    }

    wallClock(instant: number): WallClock {
        const offset = this.offset(instant);
        const local = new Date(Math.floor(instant + offset));
        return {
            year: local.getUTCFullYear(),
            month: local.getUTCMonth() + 1,
            day: local.getUTCDate(),
            hour: local.getUTCHours(),
            minute: local.getUTCMinutes(),
            second: local.getUTCSeconds(),
            millisecond: local.getUTCMilliseconds(),
            weekday: local.getUTCDay() || 7,
            offsetMinutes: offset / MINUTE_MS,
        };
    }

    /**
     * The instant at which the local clock reads that date and time; month, day and the rest may
     * overflow (day 0 is the last of the month before, month 13 January of the next year). In a
     * fall-back overlap, the first of the two instants; in a spring-forward gap, moved on by the
     * time skipped (see the top of this file).
     */
    instant(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, millisecond = 0): number {
        const asUtc = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
        // The offsets a day either side: a local time is at most one change away from both.
        const before = this.offset(asUtc - DAY_MS);
        const after = this.offset(asUtc + DAY_MS);
        // Both hold in an overlap, where `before` is the larger offset: the earlier instant.
        if (before === after || this.offset(asUtc - before) === before) return asUtc - before;
        // Neither holds in a gap, where `before` is the smaller offset: the later instant.
        return this.offset(asUtc - after) === after ? asUtc - after : asUtc - before;
    }

    /** The start of the `size`-ms interval holding `instant`, aligned on the local clock (as InfluxDB's tz() aligns GROUP BY time()). */
    floor(instant: number, size: number): number {
        const local = instant + this.offset(instant);
        return instant - (((local % size) + size) % size);
    }

    startOfDay(instant: number): number {
        const wall = this.wallClock(instant);
        return this.instant(wall.year, wall.month, wall.day);
    }

    /** The local midnight that starts the week (Monday) holding `instant`. */
    startOfWeek(instant: number): number {
        const wall = this.wallClock(instant);
        return this.instant(wall.year, wall.month, wall.day - wall.weekday + 1);
    }

    startOfMonth(instant: number): number {
        const wall = this.wallClock(instant);
        return this.instant(wall.year, wall.month, 1);
    }

    startOfYear(instant: number): number {
        return this.instant(this.wallClock(instant).year, 1, 1);
    }

    /** The local midnight `days` days after the local day holding `instant` (negative: before). */
    addDays(instant: number, days: number): number {
        const wall = this.wallClock(instant);
        return this.instant(wall.year, wall.month, wall.day + days);
    }

    /** The first local midnight of the month `months` months after the one holding `instant` (negative: before). */
    addMonths(instant: number, months: number): number {
        const wall = this.wallClock(instant);
        return this.instant(wall.year, wall.month + months, 1);
    }

    /**
     * ISO-8601 local time with its offset, such as `2026-03-29T03:00:00+02:00`: milliseconds only
     * when there are some, and the offset's seconds only in the local mean times of the 19th century.
     */
    iso(instant: number): string {
        const w = this.wallClock(instant);
        const fraction = w.millisecond === 0 ? '' : `.${pad(w.millisecond, 3)}`;
        const seconds = Math.round(Math.abs(w.offsetMinutes) * 60);
        const offset =
            `${w.offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}` +
            (seconds % 60 === 0 ? '' : `:${pad(seconds % 60)}`);
        return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${fraction}${offset}`;
    }
}
