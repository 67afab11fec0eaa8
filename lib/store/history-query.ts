/**
 * The day / week / month / year views of a meter's history: which retention policy to read, the
 * InfluxQL that aggregates it per interval in a time zone, and the rows turned into the payload
 * node-red-dashboard's ui_chart takes to replace a whole chart. Pure: no I/O, no Node-RED.
 *
 * The views (each ends with the interval that holds `end`, by default now):
 *
 *   day    the last 24 hours in 10-minute intervals (144)
 *   week   the last 7 days in 1-hour intervals (168)
 *   month  the last 31 days, one interval per local day, from local midnight to local midnight
 *          (23 or 25 hours on the days the clocks change)
 *   year   the last 12 calendar months, one interval per local month; InfluxQL has no month
 *          interval, so the query groups by local day and the days are summed into months here
 *
 * Power fields are averaged per interval (the mean of the query's buckets). Energy index fields
 * (a counter that only grows, such as a Linky's BASE in Wh) are never averaged: the energy of a
 * bucket is the difference between the last index of that bucket and the last index before it,
 * as InfluxQL's non_negative_difference(last(field)) computes it; the query starts one bucket
 * before the window so that the first interval has its reference. A bucket without points gives
 * no energy, and the next one with points gets all of it since the last index seen (the total is
 * right, only its place in time is not known better). A counter that went down (meter replaced)
 * gives no energy for that bucket.
 *
 * The same history can also be read as samples, one field at a fixed interval aligned on the
 * epoch (planSamples, samplesOf), for a consumer that replays it rather than shows it.
 */

import { TimeZone, TimeZoneError } from '../util/time-zone';

export const HISTORY_RANGES = ['day', 'week', 'month', 'year'] as const;
export type HistoryRange = (typeof HISTORY_RANGES)[number];

export type FieldKind = 'power' | 'energy';

export interface HistoryField {
    /** The field's name as written by the store (for example `PAPP`, `BASE`). */
    name: string;
    kind: FieldKind;
    /** The chart's series name; the field's name when empty. */
    label?: string;
}

export type HistorySource = 'raw' | 'rollup_1m' | 'rollup_1h';

/** The policies that can be read, and how many days each keeps (0 = forever). */
export interface AvailablePolicies {
    /** The raw points: `policy` is undefined for the database's default policy. */
    raw: { policy?: string; days: number };
    rollup_1m?: { days: number };
    rollup_1h?: { days: number };
}

export interface HistoryRequest {
    range: HistoryRange;
    /** An instant (ms) in the last interval shown. */
    end: number;
    /** IANA time zone, such as `Europe/Paris`: where days and months start. */
    timeZone: string;
    measurement: string;
    /** The tag that names the meter (the store's topic tag) and its value; no filter when either is empty. */
    meterTag: string;
    meter: string;
    fields: readonly HistoryField[];
    available: AvailablePolicies;
    /** Multiplies energy differences: 0.001 turns an index in Wh into kWh. */
    energyScale: number;
}

export type BucketSize = '10m' | '1h' | '1d';

export interface HistoryPlan {
    range: HistoryRange;
    source: HistorySource;
    bucket: BucketSize;
    query: string;
    /** Start of each interval shown, then the end of the last one: n + 1 instants (ms). */
    bounds: number[];
    fields: readonly HistoryField[];
    energyScale: number;
}

/** The format ui_chart (node-red-dashboard 3.x) replaces a whole line chart with: one series per field. */
export type ChartPayload = [{ series: string[]; data: { x: number; y: number | null }[][]; labels: [''] }];

/** A request that cannot be planned: which part is wrong, and the offending value. */
export class HistoryRequestError extends Error {
    constructor(
        readonly reason: 'range' | 'end' | 'fields' | 'measurement' | 'timeZone' | 'days' | 'interval',
        readonly value: unknown,
    ) {
        super(`invalid ${reason}: ${JSON.stringify(value)}`);
    }
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const BUCKET_MS: Record<Exclude<BucketSize, '1d'>, number> = { '10m': 10 * MINUTE_MS, '1h': HOUR_MS };

/** Which policy each view prefers, finest first; the first that keeps the whole window is read. */
const PREFERRED_SOURCES: Record<HistoryRange, HistorySource[]> = {
    // The rollups lag their continuous queries by up to two intervals: a minute's lag is invisible
    // on a week or a month of days, an hour's would show on today's bar, and not on a month's.
    day: ['raw', 'rollup_1m'],
    week: ['rollup_1m', 'raw', 'rollup_1h'],
    month: ['rollup_1m', 'rollup_1h', 'raw'],
    year: ['rollup_1h', 'rollup_1m', 'raw'],
};

export function isHistoryRange(value: unknown): value is HistoryRange {
    return typeof value === 'string' && (HISTORY_RANGES as readonly string[]).includes(value);
}

export function planHistory(request: HistoryRequest): HistoryPlan {
    if (!isHistoryRange(request.range)) throw new HistoryRequestError('range', request.range);
    if (!Number.isFinite(request.end)) throw new HistoryRequestError('end', request.end);
    if (request.fields.length === 0) throw new HistoryRequestError('fields', request.fields);
    if (request.measurement === '') throw new HistoryRequestError('measurement', request.measurement);
    const zone = requestedZone(request.timeZone);

    const { bucket, bounds } = layout(request.range, request.end, zone);
    // One bucket before the window: the reference index of the first interval's energy.
    const queryStart = bucket === '1d' ? zone.addDays(bounds[0], -1) : bounds[0] - BUCKET_MS[bucket];
    const queryEnd = bounds[bounds.length - 1];
    const source = chooseSource(request.range, request.available, request.end - queryStart);

    const columns = request.fields.map((field) => {
        const aggregate = field.kind === 'energy' ? 'last' : 'mean';
        return `${aggregate}(${quotedIdentifier(columnName(source, aggregate, field.name))}) AS ${quotedIdentifier(field.name)}`;
    });
    const policy = source === 'raw' ? request.available.raw.policy : source;
    const from = (policy === undefined ? '' : `${quotedIdentifier(policy)}.`) + quotedIdentifier(request.measurement);
    const meterFilter =
        request.meterTag !== '' && request.meter !== ''
            ? `${quotedIdentifier(request.meterTag)} = ${stringLiteral(request.meter)} AND `
            : '';
    const query =
        `SELECT ${columns.join(', ')} FROM ${from} WHERE ${meterFilter}time >= ${queryStart}ms AND time < ${queryEnd}ms` +
        ` GROUP BY time(${bucket}) fill(none) tz(${stringLiteral(request.timeZone)})`;
    return { range: request.range, source, bucket, query, bounds, fields: request.fields, energyScale: request.energyScale };
}

/**
 * A series of samples rather than a chart: one field of one meter per `interval` over the last
 * `days` days, for a consumer that replays history (holt-winters' warm start). Intervals are
 * aligned on multiples of `interval` since the epoch (UTC, as holt-winters' resample steps), not
 * on a time zone, and only finished intervals are read: the window ends with the start of the
 * interval that holds `end`, so that a live sample at `end` is newer than every sample sent.
 */
export interface SamplesRequest {
    /** How many days back from `end`; a fraction is allowed. */
    days: number;
    end: number;
    /** The interval, in ms. */
    interval: number;
    measurement: string;
    meterTag: string;
    meter: string;
    field: HistoryField;
    available: AvailablePolicies;
    energyScale: number;
}

export interface SamplesPlan {
    source: HistorySource;
    query: string;
    /** Start of each interval, then the end of the last one: n + 1 instants (ms). */
    bounds: number[];
    field: HistoryField;
    energyScale: number;
}

/** One interval of a series: its start (ms) and its mean (or energy), null where nothing is known. */
export interface HistorySample {
    timestamp: number;
    value: number | null;
}

/** A bound on the answer's size: ten years of 5-minute intervals. */
export const MAX_SAMPLES = 1_051_200;

export function planSamples(request: SamplesRequest): SamplesPlan {
    if (!Number.isFinite(request.end)) throw new HistoryRequestError('end', request.end);
    if (!Number.isInteger(request.interval) || request.interval < 1000 || request.interval % 1000 !== 0) {
        throw new HistoryRequestError('interval', request.interval / 1000);
    }
    const count = Math.ceil((request.days * DAY_MS) / request.interval);
    if (!(request.days > 0) || count > MAX_SAMPLES) throw new HistoryRequestError('days', request.days);
    if (request.measurement === '') throw new HistoryRequestError('measurement', request.measurement);

    const windowEnd = Math.floor(request.end / request.interval) * request.interval;
    const bounds = fixedBounds(windowEnd - request.interval, request.interval, count);
    const aggregate = request.field.kind === 'energy' ? 'last' : 'mean';
    // Energy needs the index of the interval before the window as the first one's reference.
    const queryStart = aggregate === 'last' ? bounds[0] - request.interval : bounds[0];
    // A rollup can only be read at a multiple of its own interval.
    const readable: HistorySource[] = ['raw'];
    if (request.interval % MINUTE_MS === 0) readable.push('rollup_1m');
    if (request.interval % HOUR_MS === 0) readable.push('rollup_1h');
    const source = chooseSourceAmong(readable, request.available, request.end - queryStart);

    const policy = source === 'raw' ? request.available.raw.policy : source;
    const from = (policy === undefined ? '' : `${quotedIdentifier(policy)}.`) + quotedIdentifier(request.measurement);
    const meterFilter =
        request.meterTag !== '' && request.meter !== ''
            ? `${quotedIdentifier(request.meterTag)} = ${stringLiteral(request.meter)} AND `
            : '';
    const column = `${aggregate}(${quotedIdentifier(columnName(source, aggregate, request.field.name))}) AS ${quotedIdentifier(request.field.name)}`;
    // Without tz(), InfluxDB aligns GROUP BY time() on the epoch, as the bounds are.
    const query = `SELECT ${column} FROM ${from} WHERE ${meterFilter}time >= ${queryStart}ms AND time < ${windowEnd}ms GROUP BY time(${request.interval / 1000}s) fill(none)`;
    return { source, query, bounds, field: request.field, energyScale: request.energyScale };
}

/** The samples of a plan from the query's rows ([time ms, value], oldest first): one per interval, in time order. */
export function samplesOf(plan: SamplesPlan, rows: readonly (readonly unknown[])[]): HistorySample[] {
    const values = plan.field.kind === 'energy' ? energyPerInterval(plan, rows, 1) : meanPerInterval(plan, rows, 1);
    return values.map((value, i) => ({ timestamp: plan.bounds[i], value: value === null ? null : tidy(value) }));
}

/**
 * The column holding `aggregate` of `field` in a policy: the field itself in raw, `last_f` in
 * rollup_1m, `last_last_f` in rollup_1h (see retention.ts).
 */
export function columnName(source: HistorySource, aggregate: 'mean' | 'last', field: string): string {
    switch (source) {
        case 'raw':
            return field;
        case 'rollup_1m':
            return `${aggregate}_${field}`;
        case 'rollup_1h':
            return `${aggregate}_${aggregate}_${field}`;
    }
}

function requestedZone(name: string): TimeZone {
    try {
        return new TimeZone(name);
    } catch (err) {
        if (err instanceof TimeZoneError) throw new HistoryRequestError('timeZone', name);
        throw err;
    }
}

function chooseSource(range: HistoryRange, available: AvailablePolicies, spanMs: number): HistorySource {
    return chooseSourceAmong(PREFERRED_SOURCES[range], available, spanMs);
}

/** Of `preferred` (best first), the first policy that keeps `spanMs`, else the one that keeps the most. */
function chooseSourceAmong(preferred: readonly HistorySource[], available: AvailablePolicies, spanMs: number): HistorySource {
    const keeps = (source: HistorySource): number | undefined => (source === 'raw' ? available.raw.days : available[source]?.days);
    const candidates = preferred.filter((source) => keeps(source) !== undefined);
    const covering = candidates.find((source) => keeps(source) === 0 || keeps(source)! * DAY_MS >= spanMs);
    if (covering !== undefined) return covering;
    // Nothing keeps the whole window: the policy that keeps the most of it.
    return candidates.reduce((best, source) => (keeps(source)! > keeps(best)! ? source : best), 'raw');
}

function layout(range: HistoryRange, end: number, zone: TimeZone): { bucket: BucketSize; bounds: number[] } {
    switch (range) {
        case 'day':
            return { bucket: '10m', bounds: fixedBounds(zone.floor(end, BUCKET_MS['10m']), BUCKET_MS['10m'], 144) };
        case 'week':
            return { bucket: '1h', bounds: fixedBounds(zone.floor(end, HOUR_MS), HOUR_MS, 168) };
        case 'month': {
            const today = zone.startOfDay(end);
            return { bucket: '1d', bounds: Array.from({ length: 32 }, (_, i) => zone.addDays(today, i - 30)) };
        }
        case 'year': {
            const thisMonth = zone.startOfMonth(end);
            return { bucket: '1d', bounds: Array.from({ length: 13 }, (_, i) => zone.addMonths(thisMonth, i - 11)) };
        }
    }
}

/** `count` intervals of `size` ms, the last starting at `lastStart`, and the end of the last. */
function fixedBounds(lastStart: number, size: number, count: number): number[] {
    return Array.from({ length: count + 1 }, (_, i) => lastStart + (i - count + 1) * size);
}

/**
 * The chart of a plan from the query's rows ([time ms, one value per field], oldest first, as
 * InfluxDB answers with epoch=ms). Every interval has a point; `y` is null where nothing is known.
 */
export function chartOf(plan: HistoryPlan, rows: readonly (readonly unknown[])[]): ChartPayload {
    const intervals = plan.bounds.length - 1;
    const data = plan.fields.map((field, column) => {
        const values = field.kind === 'energy' ? energyPerInterval(plan, rows, column + 1) : meanPerInterval(plan, rows, column + 1);
        return Array.from({ length: intervals }, (_, i) => ({ x: plan.bounds[i], y: values[i] === null ? null : tidy(values[i]) }));
    });
    return [{ series: plan.fields.map((field) => field.label || field.name), data, labels: [''] }];
}

/** The index of the interval holding `time`, -1 before the first, `intervals` after the last. */
function intervalOf(bounds: readonly number[], time: number): number {
    if (time < bounds[0]) return -1;
    let low = 0;
    let high = bounds.length - 1;
    while (low < high) {
        const middle = (low + high + 1) >>> 1;
        if (bounds[middle] <= time) low = middle;
        else high = middle - 1;
    }
    return low;
}

function meanPerInterval(plan: { bounds: readonly number[] }, rows: readonly (readonly unknown[])[], column: number): (number | null)[] {
    const sums = new Array<number>(plan.bounds.length - 1).fill(0);
    const counts = new Array<number>(plan.bounds.length - 1).fill(0);
    for (const row of rows) {
        const value = row[column];
        const interval = intervalOf(plan.bounds, Number(row[0]));
        if (typeof value !== 'number' || interval < 0 || interval >= sums.length) continue;
        sums[interval] += value;
        counts[interval]++;
    }
    return sums.map((sum, i) => (counts[i] === 0 ? null : sum / counts[i]));
}

function energyPerInterval(
    plan: { bounds: readonly number[]; energyScale: number },
    rows: readonly (readonly unknown[])[],
    column: number,
): (number | null)[] {
    const energy = new Array<number | null>(plan.bounds.length - 1).fill(null);
    let previous: number | undefined;
    for (const row of rows) {
        const index = row[column];
        if (typeof index !== 'number') continue;
        const interval = intervalOf(plan.bounds, Number(row[0]));
        const difference = previous === undefined ? undefined : index - previous;
        previous = index;
        if (difference === undefined || difference < 0 || interval < 0 || interval >= energy.length) continue;
        energy[interval] = (energy[interval] ?? 0) + difference * plan.energyScale;
    }
    return energy;
}

/** Drops the binary noise of sums and scales (14.399999999999999 → 14.4). */
function tidy(value: number): number {
    return Number(value.toPrecision(12));
}

/** A double-quoted InfluxQL identifier. */
function quotedIdentifier(name: string): string {
    return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A single-quoted InfluxQL string literal. */
function stringLiteral(text: string): string {
    return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
