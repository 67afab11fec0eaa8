/**
 * Weeks of simulated history for a fresh demo database, so that the Home Linky flow's day, week,
 * month and year views have something to show from the first start. The live simulator's meter
 * models (in the demo the very same objects, which then carry on live), read the way teleinfo-in
 * reads them, stored the way the flow's influx-store stores them (`teleinfoPoint` is the flow's
 * "Frame → point" function in TypeScript; the unit test runs both on the same frames), then
 * rolled up the way the continuous queries would have.
 */
import { encodePoint, type Point } from '../lib/store/line-protocol';
import {
    RAW_POLICY,
    ROLLUP_1M_POLICY,
    rollupStatements,
    setupStatements,
    type ExistingLayout,
    type RetentionSettings,
} from '../lib/store/retention';
import { TicDecoder } from '../lib/teleinfo/decoder';
import { TicMeterView, type TicReading } from '../lib/teleinfo/reading';
import { HistoricMonoHpHcMeter, StandardTriProducerMeter, type TicMeterModel } from './tic-frames';

export const TELEINFO_MEASUREMENT = 'teleinfo';
/** The influx-store's topic tag: the meter id (ADCO, ADSC). */
export const METER_TAG = 'meter';
/** PTEC (historic) or LTARF (standard): the tariff period the frame was sent in. */
export const PERIOD_TAG = 'period';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** InfluxDB's advice, and the most one write request should carry. */
const BATCH_POINTS = 5000;
/** The history is simulated and written a day at a time: memory stays flat and progress can be told. */
const CHUNK_MS = DAY_MS;

/** Energy indexes, powers, currents, voltages: what a chart can use. Not kVA (PREF, PCOUP: settings) nor unitless labels. */
export const STORED_UNITS: readonly string[] = ['Wh', 'VArh', 'VA', 'W', 'A', 'V'];

/**
 * One frame as the flow stores it: the numbers of the payload in STORED_UNITS as fields (indexes
 * stay integers), less the `…-1` labels (yesterday's maxima, the previous load-curve point: they
 * repeat values stored when they were current); the meter id and the tariff period as tags; the
 * frame's time.
 */
export function teleinfoPoint(reading: TicReading): Point {
    const fields: Record<string, number> = {};
    for (const [label, value] of Object.entries(reading.payload)) {
        if (typeof value === 'number' && STORED_UNITS.includes(reading.units[label]) && !label.endsWith('-1')) fields[label] = value;
    }
    const period = reading.mode === 'historic' ? reading.payload.PTEC : reading.payload.LTARF;
    const tags: Record<string, string> = { [METER_TAG]: reading.topic };
    if (period !== undefined) tags[PERIOD_TAG] = String(period);
    return { measurement: TELEINFO_MEASUREMENT, tags, fields, time: reading.timestamp };
}

/** The live simulator's meters, as they start: the demo starts the same ones. */
export function demoMeters(): TicMeterModel[] {
    return [new HistoricMonoHpHcMeter(), new StandardTriProducerMeter()];
}

/**
 * Each meter read every `stepMs` over [fromMs, toMs), as stored points, oldest first. The meters
 * count their energy up to the last instant: a live simulator carrying on with the same models
 * sends, from its first frame, the indexes that end the history or above, never below.
 */
export function simulatedHistory(fromMs: number, toMs: number, stepMs: number, meters: readonly TicMeterModel[] = demoMeters()): Point[][] {
    const times: number[] = [];
    for (let t = fromMs; t < toMs; t += stepMs) times.push(t);
    return meters.map((meter) => readFrames(meter, times).map(teleinfoPoint));
}

function readFrames(meter: TicMeterModel, times: readonly number[]): TicReading[] {
    const view = new TicMeterView();
    const readings: TicReading[] = [];
    let at = 0;
    const decoder = new TicDecoder({ mode: meter.mode, onFrame: (frame) => readings.push(view.read(frame, at)) });
    for (const t of times) {
        at = t;
        decoder.push(meter.frameAt(new Date(t)));
    }
    return readings;
}

/** A point as line protocol, numbers typed as the store types them ('auto') or as floats. */
function lineOf(point: Point, numbers: 'auto' | 'float'): string {
    const encoded = encodePoint(point, 'ms', undefined, numbers);
    if (encoded.line === undefined) throw new Error(`history back-fill: a point could not be encoded: ${encoded.reason}`);
    return encoded.line;
}

/**
 * A minute's point as rollup_1m holds it: with one reading per minute, its mean, min, max, first
 * and last are that reading. Two lines of one series and time, which InfluxDB merges: mean is a
 * float (as InfluxQL's mean() returns), the others keep the field's type.
 */
function minuteRollupLines(point: Point): string[] {
    const kept: Record<string, unknown> = {};
    const means: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(point.fields)) {
        for (const aggregate of ['min', 'max', 'first', 'last']) kept[`${aggregate}_${field}`] = value;
        means[`mean_${field}`] = value;
    }
    return [lineOf({ ...point, fields: kept }, 'auto'), lineOf({ ...point, fields: means }, 'float')];
}

export interface BackfillOptions {
    influxUrl: string;
    retention: RetentionSettings;
    /** The meters to read (demoMeters() when omitted); they advance to the end of the history. */
    meters?: readonly TicMeterModel[];
    days?: number;
    stepMs?: number;
    now?: number;
    log?: (line: string) => void;
}

export interface BackfillResult {
    /** False when the database already held teleinfo points: nothing was written. */
    filled: boolean;
    points: number;
    durationMs: number;
}

/**
 * Brings the database to the retention layout the flow's influx-server manages (so the points
 * land in the policies it reads), and, when it holds no teleinfo series yet, writes the simulated
 * history: the last `rawDays` less an hour into `raw` (it refuses older points), every minute
 * into rollup_1m as its continuous query would have written it (one reading per minute: no need
 * to ask influxd, which takes minutes for that SELECT … INTO over weeks of many fields), then
 * rolls rollup_1m up into rollup_1h with the continuous query's own statement, over whole hours.
 */
export async function backfillHistory(options: BackfillOptions): Promise<BackfillResult> {
    const started = Date.now();
    const log = options.log ?? (() => undefined);
    const { influxUrl, retention } = options;
    const database = retention.database;
    for (const statement of setupStatements(retention, await existingLayout(influxUrl, database))) {
        await query(influxUrl, undefined, statement);
    }
    const series = await query(influxUrl, database, `SHOW SERIES FROM ${TELEINFO_MEASUREMENT}`);
    if (series.some((result) => (result.series ?? []).length > 0)) {
        log(`history back-fill: ${database} already holds ${TELEINFO_MEASUREMENT} points, nothing written`);
        return { filled: false, points: 0, durationMs: Date.now() - started };
    }

    const stepMs = options.stepMs ?? MINUTE_MS;
    const toMs = Math.floor((options.now ?? Date.now()) / stepMs) * stepMs;
    const days = options.days ?? 35;
    const fromMs = toMs - days * DAY_MS;
    log(`history back-fill: ${database} holds no ${TELEINFO_MEASUREMENT} points yet, writing ${days} days of simulated history`);
    const rawFromMs = retention.rawDays === 0 ? fromMs : Math.max(fromMs, toMs - retention.rawDays * DAY_MS + HOUR_MS);
    const meters = options.meters ?? demoMeters();
    const perMeter = meters.map(() => 0);
    const chunkMs = Math.max(1, Math.floor(CHUNK_MS / stepMs)) * stepMs;
    let toldTenths = 0;
    for (let chunkFrom = fromMs; chunkFrom < toMs; chunkFrom += chunkMs) {
        const chunkTo = Math.min(toMs, chunkFrom + chunkMs);
        const history = simulatedHistory(chunkFrom, chunkTo, stepMs, meters);
        history.forEach((points, i) => {
            perMeter[i] += points.length;
        });
        const points = history.flat();
        await writeBatches(
            influxUrl,
            database,
            RAW_POLICY,
            points.filter((p) => p.time >= rawFromMs).map((p) => lineOf(p, 'auto')),
        );
        await writeBatches(influxUrl, database, ROLLUP_1M_POLICY, points.flatMap(minuteRollupLines));
        const tenths = Math.floor((10 * (chunkTo - fromMs)) / (toMs - fromMs));
        if (tenths > toldTenths && chunkTo < toMs) {
            toldTenths = tenths;
            log(`history back-fill: ${tenths * 10} % (${Math.round((chunkTo - fromMs) / DAY_MS)} of ${days} days)`);
        }
    }
    log('history back-fill: rolling the minutes up into hours');
    const [, minutesToHours] = rollupStatements(database, Math.floor(fromMs / HOUR_MS) * HOUR_MS, Math.ceil(toMs / HOUR_MS) * HOUR_MS);
    await query(influxUrl, database, minutesToHours);
    const durationMs = Date.now() - started;
    const written = perMeter.reduce((a, b) => a + b, 0);
    log(
        `history back-fill: ${written} ${TELEINFO_MEASUREMENT} points (${perMeter.join(' + ')}, one a minute per meter) ` +
            `from ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()}, rolled up, in ${(durationMs / 1000).toFixed(1)} s`,
    );
    return { filled: true, points: written, durationMs };
}

async function writeBatches(influxUrl: string, database: string, policy: string, lines: readonly string[]): Promise<void> {
    for (let i = 0; i < lines.length; i += BATCH_POINTS) {
        const params = new URLSearchParams({ db: database, rp: policy, precision: 'ms' });
        const res = await fetch(`${influxUrl}/write?${params}`, { method: 'POST', body: lines.slice(i, i + BATCH_POINTS).join('\n') });
        if (res.status !== 204)
            throw new Error(`history back-fill: write to ${database}.${policy} failed (HTTP ${res.status}): ${(await res.text()).trim()}`);
    }
}

interface StatementResult {
    series?: { name: string; columns: string[]; values?: unknown[][] }[];
}

async function query(influxUrl: string, database: string | undefined, q: string): Promise<StatementResult[]> {
    const form = new URLSearchParams({ q });
    if (database !== undefined) form.set('db', database);
    const res = await fetch(`${influxUrl}/query`, { method: 'POST', body: form });
    const body = (await res.json()) as { error?: string; results?: (StatementResult & { error?: string })[] };
    const error = body.error ?? body.results?.find((r) => r.error !== undefined)?.error;
    if (!res.ok || error !== undefined)
        throw new Error(`history back-fill: InfluxDB answered ${res.status}: ${error ?? 'no error text'}\n  ${q}`);
    return body.results ?? [];
}

async function existingLayout(influxUrl: string, database: string): Promise<ExistingLayout> {
    const rows = (results: StatementResult[]) => results.flatMap((r) => r.series ?? []);
    const databases = rows(await query(influxUrl, undefined, 'SHOW DATABASES')).flatMap((s) => (s.values ?? []).map((v) => String(v[0])));
    if (!databases.includes(database)) return { databases, policies: [], continuousQueries: [] };
    const policies = rows(await query(influxUrl, database, `SHOW RETENTION POLICIES ON "${database}"`)).flatMap((s) =>
        (s.values ?? []).map((v) => ({ name: String(v[0]), duration: String(v[1]), default: v[s.columns.indexOf('default')] === true })),
    );
    const continuousQueries = rows(await query(influxUrl, undefined, 'SHOW CONTINUOUS QUERIES'))
        .filter((s) => s.name === database)
        .flatMap((s) => (s.values ?? []).map((v) => ({ name: String(v[0]), query: String(v[1]) })));
    return { databases, policies, continuousQueries };
}
