/**
 * Many Holt-Winters series side by side, one per topic, as the holt-winters node keeps them:
 * each series is a HoltWinters model (behind a Resampler in resample timing), the edge detection
 * that turns the per-sample failure flag into one event when a failure starts and one when it
 * ends, and what the horizon's times need. The whole bank saves to and restores from plain
 * JSON. Pure: times come in with the samples.
 */
import {
    HoltWinters,
    validateHoltWintersOptions,
    type HoltWintersOptions,
    type HoltWintersPoint,
    type HoltWintersSettings,
    type HoltWintersState,
} from './holt-winters';
import { Resampler, type ResamplerState } from './resampler';
import { describeLimits, withinLimits, type NumberLimits } from '../util/limits';

export type SeriesTiming = { kind: 'message' } | { kind: 'resample'; stepSeconds: number };

export interface SeriesBankSettings {
    holtWinters: HoltWintersSettings;
    timing: SeriesTiming;
    /** Steps forecast ahead after each sample, an integer ≥ 0. */
    horizon: number;
}

export interface SeriesBankOptions {
    holtWinters: HoltWintersOptions;
    timing: SeriesTiming;
    horizon: number;
}

export interface HorizonPoint {
    /** ms since the epoch; NaN while the spacing of the samples is unknown (message timing, fewer than two timestamps). */
    time: number;
    prediction: number;
    upper: number;
    lower: number;
}

export interface FailureEvent {
    state: 'start' | 'end';
    /** The time of the sample (or step end) at which the failure started or ended, ms. */
    time: number;
    value: number;
    prediction: number;
    upper: number;
    lower: number;
    /** Violations among the last `window` samples, this one included. */
    violations: number;
    window: number;
}

/** One sample as the model took it. */
export interface SeriesStep {
    /** The sample's time (message timing) or the step's end (resample timing), ms. */
    time: number;
    /** The sample, or the step's average; NaN when unknown. */
    value: number;
    point: HoltWintersPoint;
    /** The next `horizon` samples; present when the horizon is > 0. */
    horizon?: HorizonPoint[];
    /** Present on the step where a failure starts or ends. */
    failure?: FailureEvent;
}

export interface SeriesPush {
    steps: SeriesStep[];
    /** Resample timing: the sample was dropped because its time was not after the series' last one. */
    ignored?: 'duplicate' | 'out-of-order';
}

export interface SeriesBankSummary {
    series: number;
    /** Series whose next sample has no band yet (the first two seasons, or a slot left unknown). */
    warmingUp: number;
    failing: number;
}

/** What decides a series' state: restoring a bank saved with other parameters would be meaningless. */
export type SeriesParameters = HoltWintersOptions & { timing: SeriesTiming['kind']; stepSeconds?: number };

export interface SeriesState {
    topic: string;
    model: HoltWintersState;
    resampler?: ResamplerState;
    failing: boolean;
    /** Message timing: the last sample times, oldest first, whose median spacing dates the horizon. */
    recentTimes: number[];
}

export interface SeriesBankState {
    format: typeof STATE_FORMAT;
    parameters: SeriesParameters;
    /** An array rather than an object keyed by topic: any string is a topic, "__proto__" too. */
    series: SeriesState[];
}

const STATE_FORMAT = 'energy-holt-winters/1';

/** How many sample times message timing keeps per series to estimate their spacing. */
const RECENT_TIMES = 16;

/** Thrown by fromJSON when the state was saved with other parameters. */
export class ParametersChangedError extends Error {
    constructor(readonly changed: string[]) {
        super(`the state was saved with other parameters (${changed.join(', ')})`);
    }
}

interface Series {
    model: HoltWinters;
    resampler?: Resampler;
    failing: boolean;
    recentTimes: number[];
}

/** The settings checked and completed; throws a RangeError naming every bad one. */
/** The limits of the bank's own numeric settings (the Holt-Winters ones are HOLT_WINTERS_LIMITS). */
export const SERIES_BANK_LIMITS = {
    /** Seconds: the resampler works in whole milliseconds. */
    step: { min: 0.001 },
    horizon: { integer: true, min: 0 },
} as const satisfies Record<string, NumberLimits>;

export function validateSeriesBankSettings(settings: SeriesBankSettings): SeriesBankOptions {
    const problems: string[] = [];
    let holtWinters: HoltWintersOptions | undefined;
    try {
        holtWinters = validateHoltWintersOptions(settings.holtWinters);
    } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        problems.push(err.message);
    }
    const timing = settings.timing;
    if (timing.kind === 'resample') {
        try {
            new Resampler({ stepSeconds: timing.stepSeconds });
        } catch (err) {
            if (!(err instanceof RangeError)) throw err;
            problems.push(err.message);
        }
    } else if (timing.kind !== 'message') {
        problems.push(`timing must be "message" or "resample", got ${JSON.stringify((timing as { kind: unknown }).kind)}`);
    }
    if (!withinLimits(settings.horizon, SERIES_BANK_LIMITS.horizon))
        problems.push(`horizon must be ${describeLimits(SERIES_BANK_LIMITS.horizon)}, got ${settings.horizon}`);
    if (problems.length > 0 || holtWinters === undefined) throw new RangeError(problems.join('; '));
    return { holtWinters, timing, horizon: settings.horizon };
}

export class SeriesBank {
    readonly options: Readonly<SeriesBankOptions>;
    private readonly series = new Map<string, Series>();

    constructor(settings: SeriesBankSettings) {
        this.options = Object.freeze(validateSeriesBankSettings(settings));
    }

    /**
     * Feeds `topic`'s sample (NaN, or any non-finite number, means unknown) taken at `timeMs`;
     * the series starts with its first sample. Message timing makes one step of each sample;
     * resample timing makes the steps the sample completed: none, one or many.
     */
    push(topic: string, value: number, timeMs: number): SeriesPush {
        const series = this.series.get(topic) ?? this.create(topic);
        if (series.resampler === undefined) {
            rememberTime(series.recentTimes, timeMs);
            return { steps: [this.step(series, value, timeMs)] };
        }
        const resampled = series.resampler.push(value, timeMs);
        const steps = resampled.steps.map((s) => this.step(series, s.value, s.time));
        return resampled.ignored === undefined ? { steps } : { steps, ignored: resampled.ignored };
    }

    /** Forgets `topic`'s series; true when there was one. A failure in progress ends silently. */
    reset(topic: string): boolean {
        return this.series.delete(topic);
    }

    summary(): SeriesBankSummary {
        let warmingUp = 0;
        let failing = 0;
        for (const series of this.series.values()) {
            if (Number.isNaN(series.model.forecast(1)[0].upper)) warmingUp++;
            if (series.failing) failing++;
        }
        return { series: this.series.size, warmingUp, failing };
    }

    toJSON(): SeriesBankState {
        return {
            format: STATE_FORMAT,
            parameters: this.parameters(),
            series: [...this.series].map(([topic, s]) => ({
                topic,
                model: s.model.toJSON(),
                ...(s.resampler === undefined ? {} : { resampler: s.resampler.toJSON() }),
                failing: s.failing,
                recentTimes: [...s.recentTimes],
            })),
        };
    }

    /**
     * A bank restored from toJSON's output (parsed or not) for these settings. Throws a
     * ParametersChangedError when it was saved with other parameters (the horizon may differ),
     * a RangeError when it is malformed.
     */
    static fromJSON(state: unknown, settings: SeriesBankSettings): SeriesBank {
        const bank = new SeriesBank(settings);
        if (typeof state !== 'object' || state === null) throw new RangeError('series bank state must be an object');
        const saved = state as Partial<Record<keyof SeriesBankState, unknown>>;
        if (saved.format !== STATE_FORMAT)
            throw new RangeError(`series bank state format must be "${STATE_FORMAT}", got ${JSON.stringify(saved.format)}`);
        const changed = changedParameters(saved.parameters, bank.parameters());
        if (changed.length > 0) throw new ParametersChangedError(changed);
        if (!Array.isArray(saved.series)) throw new RangeError('series bank state: series must be an array');
        for (const entry of saved.series as unknown[]) {
            const s = (typeof entry === 'object' && entry !== null ? entry : {}) as Partial<Record<keyof SeriesState, unknown>>;
            if (typeof s.topic !== 'string') throw new RangeError(`series bank state: a series without a topic: ${JSON.stringify(entry)}`);
            if (bank.series.has(s.topic)) throw new RangeError(`series bank state: topic ${JSON.stringify(s.topic)} appears twice`);
            if (typeof s.failing !== 'boolean')
                throw new RangeError(`series bank state: ${JSON.stringify(s.topic)}: failing must be a boolean`);
            if (
                !Array.isArray(s.recentTimes) ||
                s.recentTimes.length > RECENT_TIMES ||
                !s.recentTimes.every((t) => typeof t === 'number' && Number.isFinite(t))
            ) {
                throw new RangeError(
                    `series bank state: ${JSON.stringify(s.topic)}: recentTimes must be at most ${RECENT_TIMES} finite numbers`,
                );
            }
            const model = HoltWinters.fromJSON(s.model);
            const modelChanged = changedParameters({ ...model.options, ...timingParameters(bank.options.timing) }, bank.parameters());
            if (modelChanged.length > 0)
                throw new RangeError(
                    `series bank state: ${JSON.stringify(s.topic)}: the model's options differ (${modelChanged.join(', ')})`,
                );
            const timing = bank.options.timing;
            const resampler = timing.kind === 'resample' ? Resampler.fromJSON(s.resampler, { stepSeconds: timing.stepSeconds }) : undefined;
            bank.series.set(s.topic, { model, resampler, failing: s.failing, recentTimes: [...(s.recentTimes as number[])] });
        }
        return bank;
    }

    private create(topic: string): Series {
        const timing = this.options.timing;
        const series: Series = {
            model: new HoltWinters(this.options.holtWinters),
            resampler: timing.kind === 'resample' ? new Resampler({ stepSeconds: timing.stepSeconds }) : undefined,
            failing: false,
            recentTimes: [],
        };
        this.series.set(topic, series);
        return series;
    }

    private step(series: Series, value: number, time: number): SeriesStep {
        const sample = Number.isFinite(value) ? value : NaN;
        const point = series.model.update(sample);
        const step: SeriesStep = { time, value: sample, point };
        if (this.options.horizon > 0) step.horizon = this.horizon(series, time);
        if (point.failure !== series.failing) {
            series.failing = point.failure;
            step.failure = {
                state: point.failure ? 'start' : 'end',
                time,
                value: sample,
                prediction: point.prediction,
                upper: point.upper,
                lower: point.lower,
                violations: series.model.violationCount,
                window: this.options.holtWinters.window,
            };
        }
        return step;
    }

    private horizon(series: Series, time: number): HorizonPoint[] {
        const spacing = series.resampler === undefined ? medianSpacing(series.recentTimes) : series.resampler.stepMs;
        return series.model.forecast(this.options.horizon).map((p, i) => ({ time: time + (i + 1) * spacing, ...p }));
    }

    private parameters(): SeriesParameters {
        return { ...this.options.holtWinters, ...timingParameters(this.options.timing) };
    }
}

function timingParameters(timing: SeriesTiming): Pick<SeriesParameters, 'timing' | 'stepSeconds'> {
    return timing.kind === 'resample' ? { timing: timing.kind, stepSeconds: timing.stepSeconds } : { timing: timing.kind };
}

/** The names of the parameters that differ between a saved set and the current one. */
function changedParameters(saved: unknown, current: SeriesParameters): string[] {
    if (typeof saved !== 'object' || saved === null) return ['all'];
    const before = saved as Record<string, unknown>;
    const after = current as unknown as Record<string, unknown>;
    const names = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...names].filter((name) => before[name] !== after[name]);
}

/** Keeps the last RECENT_TIMES increasing sample times: a time that goes back says nothing of the spacing. */
function rememberTime(times: number[], timeMs: number): void {
    if (times.length > 0 && timeMs <= times[times.length - 1]) return;
    times.push(timeMs);
    if (times.length > RECENT_TIMES) times.shift();
}

/** The median gap between consecutive times: robust to a late or a burst message. NaN with fewer than two. */
function medianSpacing(times: number[]): number {
    if (times.length < 2) return NaN;
    const gaps = times
        .slice(1)
        .map((t, i) => t - times[i])
        .sort((a, b) => a - b);
    const middle = gaps.length >> 1;
    return gaps.length % 2 === 1 ? gaps[middle] : (gaps[middle - 1] + gaps[middle]) / 2;
}
