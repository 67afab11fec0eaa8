/**
 * Consumption as flows carry it, turned into the intervals priceConsumption takes. Three shapes of
 * message are read (`payload`, and `history` as influx-history sets it):
 *
 *   chart      influx-history's chart output, a ui_chart payload `[{ series, data }]`: one series
 *              per field, point i of every series the quantity of interval i, starting at its `x`
 *              (ms); `history.end` (ms) ends the last interval. The interval that holds `now` counts
 *              up to now: it has data up to now, not up to its end.
 *   samples    influx-history's samples output, `[{ timestamp, value }]` of one field: each sample
 *              the quantity of the `history.interval` seconds from its timestamp.
 *   intervals  `[{ start, end, consumption }]` from any source: instants as ms or as date text,
 *              `consumption` the quantity of each tariff period ({ HC: 1.2, HP: 3.4 }).
 *
 * A chart's series and a samples' field are priced in a tariff period each: `periods` names them
 * in series order (several series may share one, see consumptionOf); without it, a chart's series
 * names and the samples' field name are the periods. Local dates and times come from the meter's
 * time zone. Quantities are checked by priceConsumption, the shapes here.
 */
import type { LocalDateTime } from './clock';
import { consumptionOf, type ConsumptionInterval } from './pricing';
import type { TimeZone } from '../util/time-zone';

export type ConsumptionShape = 'chart' | 'samples' | 'intervals';

/**
 * Why a message's consumption cannot be read; `series`, `point`, `sample` and `interval` are
 * positions (0-based), `count` the number of series, `value` the offending value.
 *
 *   shape     the payload is neither a chart, samples nor intervals       { value }
 *   end       a chart without history.end (ms after its last start)       { value }
 *   interval  samples without history.interval (seconds, above 0)         { value }
 *   periods   not as many periods as series                               { count, periods }
 *   point     a chart point whose x is not after the one before, or whose
 *             y is neither a number nor null, or series of unequal length { series, point, value }
 *   sample    a sample without a time or with a value neither a number
 *             nor null                                                    { sample, value }
 *   time      an interval's start or end is not an instant, or its end is
 *             not after its start                                         { interval, field, value }
 */
export type ConsumptionErrorReason = 'shape' | 'end' | 'interval' | 'periods' | 'point' | 'sample' | 'time';

export class ConsumptionError extends Error {
    constructor(
        readonly reason: ConsumptionErrorReason,
        readonly data: Readonly<Record<string, unknown>>,
    ) {
        super(`consumption: ${reason} ${JSON.stringify(data)}`);
    }
}

/** What a message carries: its payload, and influx-history's description of it. */
export interface ConsumptionMessage {
    payload: unknown;
    history?: unknown;
}

export interface ConsumptionReading {
    /** The period of each series, in series order; undefined: the series' own names. */
    periods: readonly string[] | undefined;
    zone: TimeZone;
    /** The instant the consumption was read (ms): a chart's current interval ends there. */
    now: number;
}

const MINUTE_MS = 60_000;

/** The shape of a message's consumption, undefined when it is none of the three. */
export function consumptionShape(payload: unknown): ConsumptionShape | undefined {
    if (!Array.isArray(payload)) return undefined;
    const [first] = payload as unknown[];
    if (payload.length === 1 && isRecord(first) && Array.isArray(first.data)) return 'chart';
    if (payload.every((item) => isRecord(item) && 'timestamp' in item && 'value' in item)) return 'samples';
    if (payload.every((item) => isRecord(item) && 'start' in item && 'end' in item && 'consumption' in item)) return 'intervals';
    return undefined;
}

/** The intervals of a message's consumption; throws a ConsumptionError. */
export function consumptionIntervals(message: ConsumptionMessage, reading: ConsumptionReading): ConsumptionInterval[] {
    const history = isRecord(message.history) ? message.history : {};
    switch (consumptionShape(message.payload)) {
        case 'chart':
            return chartIntervals((message.payload as Record<string, unknown>[])[0], history, reading);
        case 'samples':
            return sampleIntervals(message.payload as Record<string, unknown>[], history, reading);
        case 'intervals':
            return (message.payload as Record<string, unknown>[]).map((item, i) => givenInterval(item, i, reading.zone));
        default:
            throw new ConsumptionError('shape', { value: message.payload });
    }
}

/** The local date and time a zone's clock shows at an instant. */
export function localDateTimeAt(zone: TimeZone, instant: number): LocalDateTime {
    const wall = zone.wallClock(instant);
    const two = (n: number) => String(n).padStart(2, '0');
    const minuteOfDay = wall.hour * 60 + wall.minute + (wall.second * 1000 + wall.millisecond) / MINUTE_MS;
    return { date: `${String(wall.year).padStart(4, '0')}-${two(wall.month)}-${two(wall.day)}`, minuteOfDay };
}

function chartIntervals(
    chart: Record<string, unknown>,
    history: Record<string, unknown>,
    reading: ConsumptionReading,
): ConsumptionInterval[] {
    const data = chart.data as unknown[];
    const names = Array.isArray(chart.series) ? chart.series.map(String) : [];
    const periods = periodsFor(data.length, reading.periods ?? names);
    const series = data.map((points, s) => {
        if (!Array.isArray(points)) throw new ConsumptionError('point', { series: s, point: null, value: points });
        return points as unknown[];
    });
    const count = series[0]?.length ?? 0;
    const starts: number[] = [];
    const values = series.map((points, s) => {
        if (points.length !== count)
            throw new ConsumptionError('point', { series: s, point: Math.min(points.length, count), value: points.length });
        return points.map((point, i) => {
            const { x, y } = isRecord(point) ? point : { x: undefined, y: undefined };
            const bad = typeof x !== 'number' || !Number.isFinite(x) || (i > 0 && x <= starts[i - 1]) || (s > 0 && x !== starts[i]);
            if (bad || (y !== null && typeof y !== 'number')) throw new ConsumptionError('point', { series: s, point: i, value: point });
            if (s === 0) starts.push(x);
            return y;
        });
    });
    if (count === 0) return [];
    const end = history.end;
    if (typeof end !== 'number' || !(end > starts[count - 1])) throw new ConsumptionError('end', { value: end });
    return starts.map((start, i) => {
        const next = i + 1 < count ? starts[i + 1] : end;
        // The current interval has data up to now, not up to its end.
        const until = start < reading.now && reading.now < next ? reading.now : next;
        return intervalOf(
            reading.zone,
            start,
            until,
            consumptionOf(
                periods,
                values.map((column) => column[i]),
            ),
        );
    });
}

function sampleIntervals(
    samples: Record<string, unknown>[],
    history: Record<string, unknown>,
    reading: ConsumptionReading,
): ConsumptionInterval[] {
    if (samples.length === 0) return [];
    const seconds = history.interval;
    if (typeof seconds !== 'number' || !(seconds > 0) || !Number.isFinite(seconds))
        throw new ConsumptionError('interval', { value: seconds });
    const [period] = periodsFor(1, reading.periods ?? (typeof history.field === 'string' ? [history.field] : []));
    return samples.map(({ timestamp, value }, i) => {
        if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || (value !== null && typeof value !== 'number')) {
            throw new ConsumptionError('sample', { sample: i, value: samples[i] });
        }
        return intervalOf(reading.zone, timestamp, timestamp + seconds * 1000, { [period]: value });
    });
}

function givenInterval(item: Record<string, unknown>, index: number, zone: TimeZone): ConsumptionInterval {
    const start = instantOf(item.start);
    if (start === undefined) throw new ConsumptionError('time', { interval: index, field: 'start', value: item.start });
    const end = instantOf(item.end);
    if (end === undefined || end <= start) throw new ConsumptionError('time', { interval: index, field: 'end', value: item.end });
    // The consumption goes as it is: priceConsumption checks it and names the interval.
    return intervalOf(zone, start, end, item.consumption as ConsumptionInterval['consumption']);
}

function intervalOf(zone: TimeZone, start: number, end: number, consumption: ConsumptionInterval['consumption']): ConsumptionInterval {
    return { start, end, localStart: localDateTimeAt(zone, start), localEnd: localDateTimeAt(zone, end), consumption };
}

function periodsFor(count: number, periods: readonly string[]): readonly string[] {
    if (periods.length !== count) throw new ConsumptionError('periods', { count, periods: [...periods] });
    return periods;
}

/** An instant from ms since the epoch or a date text; undefined when neither. */
function instantOf(value: unknown): number | undefined {
    const time = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
    return Number.isFinite(time) ? time : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
