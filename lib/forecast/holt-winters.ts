/**
 * Holt-Winters forecasting with aberrant-behaviour detection (Brutlag 2000) for one series, as
 * librrd runs it for HWPREDICT / MHWPREDICT, SEASONAL, DEVSEASONAL, DEVPREDICT and FAILURES.
 * Pure: one sample per step goes in, the forecast and the failure flag come out.
 *
 * shared/reference/holt-winters.md describes the algorithm; the step below follows its §4 line by
 * line, operation order included, so that compat 'rrdtool' gives rrdtool's doubles bit for bit
 * (with the reference runner's canonical phase: smoothing after the steps 0, P, 2P, … counted from
 * the first update). Compat 'clean' is the same method with librrd's two quirks fixed (§5.1, §5.2):
 * the step after a smoothing uses the smoothed profile, and the multiplicative model re-centres
 * its level multiplicatively.
 */
import { MAX_FAILURE_WINDOW, ViolationWindow } from './failures';
import { describeLimits, withinLimits, type NumberLimits } from '../util/limits';
import { smoothingHalfWidth, smoothProfile } from './smoothing';

export type HoltWintersModel = 'additive' | 'multiplicative';
export type HoltWintersCompat = 'clean' | 'rrdtool';

export interface HoltWintersOptions {
    model: HoltWintersModel;
    /** Level smoothing, in (0, 1). */
    alpha: number;
    /** Trend smoothing, in [0, 1]. */
    beta: number;
    /** Seasonal-coefficient smoothing, in (0, 1). */
    gamma: number;
    /** Seasonal-deviation smoothing, in (0, 1). */
    gammaDeviation: number;
    /** Samples per season, ≥ 2. */
    seasonLength: number;
    /** Fraction of the season averaged by the periodic smoothing of both profiles, in [0, 1). */
    smoothingWindow: number;
    /** Band width above and below the prediction, in deviations (rrdtool refuses < 0.1). */
    deltaPos: number;
    deltaNeg: number;
    /** A failure is at least `threshold` violations among the last `window` samples (≤ 28). */
    threshold: number;
    window: number;
    compat: HoltWintersCompat;
}

/** What a caller gives: every option but the season length has a default. */
export type HoltWintersSettings = Partial<HoltWintersOptions> & Pick<HoltWintersOptions, 'seasonLength'>;

/** One update's result; the numbers are NaN while unknown (warm-up, or an unknown sample's effect). */
export interface HoltWintersPoint {
    /** The forecast of this sample, made before seeing it: known from the second season. */
    prediction: number;
    /** The seasonal deviation the band uses (RRDtool's DEVPREDICT): known from the third season. */
    deviation: number;
    /** prediction ± delta × deviation. */
    upper: number;
    lower: number;
    /** This slot's seasonal coefficient as this update left it, before any smoothing that follows (RRDtool's SEASONAL row). */
    seasonal: number;
    /** Level and trend after this update. */
    intercept: number;
    slope: number;
    /** The sample is outside the band (strictly), or unknown while the band is known: what FAILURES counts. */
    violation: boolean;
    /** At least `threshold` violations among the last `window` samples. */
    failure: boolean;
}

export interface HoltWintersForecastPoint {
    prediction: number;
    upper: number;
    lower: number;
}

/** A number as JSON can carry it: NaN as null, infinities as strings. */
export type JsonNumber = number | null | 'Infinity' | '-Infinity';

/** The whole state of a series, as plain JSON, for persistence. */
export interface HoltWintersState {
    format: typeof STATE_FORMAT;
    options: HoltWintersOptions;
    /** The slot the next sample falls in, 0 … seasonLength − 1. */
    nextSlot: number;
    intercept: JsonNumber;
    slope: JsonNumber;
    /** 1 + the number of unknown samples since the level was last updated. */
    nullCount: number;
    /** The coefficient and deviation already read for the next sample (librrd reads one step ahead). */
    nextSeasonal: JsonNumber;
    nextDeviation: JsonNumber;
    /** Per slot. */
    seasonal: JsonNumber[];
    deviations: JsonNumber[];
    /** Violation flags (0/1) of the last `window` samples, most recent first. */
    violations: number[];
}

const STATE_FORMAT = 'holt-winters/1';

export const HOLT_WINTERS_DEFAULTS: Readonly<Omit<HoltWintersOptions, 'seasonLength' | 'gammaDeviation'>> = {
    model: 'additive',
    alpha: 0.1,
    beta: 0.0035,
    gamma: 0.1,
    smoothingWindow: 0.05,
    deltaPos: 2,
    deltaNeg: 2,
    threshold: 7,
    window: 9,
    compat: 'clean',
};

/** rrdtool's own lower limit for the band multipliers (`rrdtool tune --deltapos`). */
const MIN_DELTA = 0.1;

/** The numeric options' limits (the node's editor validates against them too). */
export const HOLT_WINTERS_LIMITS = {
    alpha: { above: 0, below: 1 },
    beta: { min: 0, max: 1 },
    gamma: { above: 0, below: 1 },
    gammaDeviation: { above: 0, below: 1 },
    seasonLength: { integer: true, min: 2 },
    smoothingWindow: { min: 0, below: 1 },
    deltaPos: { min: MIN_DELTA },
    deltaNeg: { min: MIN_DELTA },
    threshold: { integer: true, min: 1, max: MAX_FAILURE_WINDOW },
    window: { integer: true, min: 1, max: MAX_FAILURE_WINDOW },
} as const satisfies Record<string, NumberLimits>;

/**
 * The settings with their defaults filled in (`gammaDeviation` defaults to `gamma`); throws a
 * RangeError naming every bad parameter, with rrdtool's limits.
 */
export function validateHoltWintersOptions(settings: HoltWintersSettings): HoltWintersOptions {
    const gamma = settings.gamma ?? HOLT_WINTERS_DEFAULTS.gamma;
    const options: HoltWintersOptions = {
        model: settings.model ?? HOLT_WINTERS_DEFAULTS.model,
        alpha: settings.alpha ?? HOLT_WINTERS_DEFAULTS.alpha,
        beta: settings.beta ?? HOLT_WINTERS_DEFAULTS.beta,
        gamma,
        gammaDeviation: settings.gammaDeviation ?? gamma,
        seasonLength: settings.seasonLength,
        smoothingWindow: settings.smoothingWindow ?? HOLT_WINTERS_DEFAULTS.smoothingWindow,
        deltaPos: settings.deltaPos ?? HOLT_WINTERS_DEFAULTS.deltaPos,
        deltaNeg: settings.deltaNeg ?? HOLT_WINTERS_DEFAULTS.deltaNeg,
        threshold: settings.threshold ?? HOLT_WINTERS_DEFAULTS.threshold,
        window: settings.window ?? HOLT_WINTERS_DEFAULTS.window,
        compat: settings.compat ?? HOLT_WINTERS_DEFAULTS.compat,
    };
    const problems: string[] = [];
    const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));
    if (options.model !== 'additive' && options.model !== 'multiplicative')
        problems.push(`model must be "additive" or "multiplicative", got ${show(options.model)}`);
    if (options.compat !== 'clean' && options.compat !== 'rrdtool')
        problems.push(`compat must be "clean" or "rrdtool", got ${show(options.compat)}`);
    for (const [name, limits] of Object.entries(HOLT_WINTERS_LIMITS) as [keyof typeof HOLT_WINTERS_LIMITS, NumberLimits][]) {
        const value: unknown = options[name];
        if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${name} must be a finite number, got ${show(value)}`);
        else if (!withinLimits(value, limits)) problems.push(`${name} must be ${describeLimits(limits)}, got ${show(value)}`);
    }
    if (
        withinLimits(options.threshold, HOLT_WINTERS_LIMITS.threshold) &&
        withinLimits(options.window, HOLT_WINTERS_LIMITS.window) &&
        options.threshold > options.window
    ) {
        problems.push(`threshold (${options.threshold}) must not exceed window (${options.window})`);
    }
    if (problems.length > 0) throw new RangeError(`Invalid Holt-Winters options: ${problems.join('; ')}`);
    return options;
}

export class HoltWinters {
    readonly options: Readonly<HoltWintersOptions>;
    private readonly multiplicative: boolean;
    private readonly rrdtoolCompat: boolean;
    private readonly seasonLength: number;
    private readonly alpha: number;
    private readonly oneMinusAlpha: number;
    private readonly beta: number;
    private readonly oneMinusBeta: number;
    private readonly gamma: number;
    private readonly oneMinusGamma: number;
    private readonly gammaDeviation: number;
    private readonly oneMinusGammaDeviation: number;
    private readonly deltaPos: number;
    private readonly deltaNeg: number;
    private readonly threshold: number;
    private readonly smoothingHalfWidth: number;

    /** Seasonal coefficients and seasonal deviations, per slot (SEASONAL and DEVSEASONAL). */
    private readonly seasonal: Float64Array;
    private readonly deviations: Float64Array;
    /** The unsmoothed copy a smoothing works from. */
    private readonly smoothingScratch: Float64Array;
    private violations: ViolationWindow;

    private nextSlot = 0;
    private intercept = NaN;
    private slope = NaN;
    private nullCount = 1;
    /** librrd reads the next slot's coefficient and deviation one step early (lookup_seasonal). */
    private nextSeasonal = NaN;
    private nextDeviation = NaN;

    private seasonalUsed = NaN;
    private deviationWritten = NaN;
    private smoothed: '' | 'S' | 'D' | 'SD' = '';

    constructor(settings: HoltWintersSettings) {
        const options = validateHoltWintersOptions(settings);
        this.options = Object.freeze(options);
        this.multiplicative = options.model === 'multiplicative';
        this.rrdtoolCompat = options.compat === 'rrdtool';
        this.seasonLength = options.seasonLength;
        this.alpha = options.alpha;
        this.oneMinusAlpha = 1 - options.alpha;
        this.beta = options.beta;
        this.oneMinusBeta = 1 - options.beta;
        this.gamma = options.gamma;
        this.oneMinusGamma = 1 - options.gamma;
        this.gammaDeviation = options.gammaDeviation;
        this.oneMinusGammaDeviation = 1 - options.gammaDeviation;
        this.deltaPos = options.deltaPos;
        this.deltaNeg = options.deltaNeg;
        this.threshold = options.threshold;
        this.smoothingHalfWidth = smoothingHalfWidth(options.smoothingWindow, options.seasonLength);
        this.seasonal = new Float64Array(options.seasonLength).fill(NaN);
        this.deviations = new Float64Array(options.seasonLength).fill(NaN);
        this.smoothingScratch = new Float64Array(options.seasonLength);
        this.violations = new ViolationWindow(options.window);
    }

    /**
     * Feeds the next sample (NaN, or any non-finite number, means unknown) and returns its point.
     * Pass `into` to have it filled instead of a new object allocated (hot loops).
     */
    update(sample: number, into: HoltWintersPoint = emptyPoint()): HoltWintersPoint {
        const x = Number.isFinite(sample) ? sample : NaN;
        const slot = this.nextSlot;
        const followingSlot = slot + 1 === this.seasonLength ? 0 : slot + 1;
        // Read before this step writes or smooths anything, as librrd does.
        const followingSeasonal = this.seasonal[followingSlot];
        const followingDeviation = this.deviations[followingSlot];
        const s = this.nextSeasonal;
        const d = this.nextDeviation;

        // HWPREDICT (update_hwpredict)
        const level = this.intercept;
        const trend = this.slope;
        const nulls = this.nullCount;
        let lastLevel = level;
        let lastTrend = trend;
        let lastNulls = nulls;
        let prediction = NaN;
        if (Number.isNaN(level) || Number.isNaN(trend) || Number.isNaN(s)) {
            if (Number.isNaN(level) && !Number.isNaN(x)) {
                this.intercept = lastLevel = x;
                this.slope = lastTrend = 0;
                this.nullCount = lastNulls = 1;
            }
        } else {
            prediction = this.predict(level, trend, nulls, s);
            if (Number.isNaN(x)) {
                this.nullCount = nulls + 1;
            } else {
                this.intercept = this.multiplicative
                    ? s <= 0
                        ? NaN
                        : this.alpha * (x / s) + this.oneMinusAlpha * (level + trend * nulls)
                    : this.alpha * (x - s) + this.oneMinusAlpha * (level + trend * nulls);
                this.slope = this.beta * (this.intercept - level) + this.oneMinusBeta * trend;
                this.nullCount = 1;
            }
        }

        // SEASONAL (update_seasonal)
        let seasonalWritten: number;
        if (Number.isNaN(x)) seasonalWritten = s;
        else if (Number.isNaN(lastLevel) || Number.isNaN(lastTrend)) seasonalWritten = NaN;
        else if (Number.isNaN(s)) seasonalWritten = this.multiplicative ? (lastLevel <= 0 ? NaN : x / lastLevel) : x - lastLevel;
        else if (this.multiplicative)
            seasonalWritten = this.intercept <= 0 ? NaN : this.gamma * (x / this.intercept) + this.oneMinusGamma * s;
        else seasonalWritten = this.gamma * (x - this.intercept) + this.oneMinusGamma * s;
        this.seasonal[slot] = seasonalWritten;

        // DEVSEASONAL (update_devseasonal). Its prediction equals `prediction` except right after
        // the level was lost (a multiplicative coefficient ≤ 0) and bootstrapped again.
        const bandCentre = this.predict(lastLevel, lastTrend, lastNulls, s);
        let deviationWritten: number;
        if (Number.isNaN(lastLevel) || Number.isNaN(lastTrend) || Number.isNaN(s)) deviationWritten = NaN;
        else if (Number.isNaN(x)) deviationWritten = d;
        else if (Number.isNaN(d)) deviationWritten = Math.abs(bandCentre - x);
        else deviationWritten = this.gammaDeviation * Math.abs(bandCentre - x) + this.oneMinusGammaDeviation * d;
        this.deviations[slot] = deviationWritten;

        // FAILURES (update_failures, hw_is_violation): an unknown sample counts as a violation.
        const violation = !Number.isNaN(d) && (Number.isNaN(x) || x > bandCentre + this.deltaPos * d || x < bandCentre - this.deltaNeg * d);
        const failure = this.violations.push(violation) >= this.threshold;

        this.nextSlot = followingSlot;
        this.nextSeasonal = followingSeasonal;
        this.nextDeviation = followingDeviation;
        this.seasonalUsed = s;
        this.deviationWritten = deviationWritten;
        this.smoothed = slot === 0 ? this.smooth() : '';

        into.prediction = prediction;
        into.deviation = d;
        into.upper = prediction + this.deltaPos * d;
        into.lower = prediction - this.deltaNeg * d;
        into.seasonal = seasonalWritten;
        into.intercept = this.intercept;
        into.slope = this.slope;
        into.violation = violation;
        into.failure = failure;
        return into;
    }

    /**
     * The next `steps` samples as the model sees them now, should they all be unknown: the trend
     * runs on and each slot keeps its coefficient and deviation. The first one is exactly the
     * prediction and band the next update will return.
     */
    forecast(steps: number): HoltWintersForecastPoint[] {
        if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`forecast steps must be an integer ≥ 0, got ${steps}`);
        const points: HoltWintersForecastPoint[] = [];
        for (let ahead = 0; ahead < steps; ahead++) {
            const slot = (this.nextSlot + ahead) % this.seasonLength;
            const s = ahead === 0 ? this.nextSeasonal : this.seasonal[slot];
            const d = ahead === 0 ? this.nextDeviation : this.deviations[slot];
            const prediction = this.predict(this.intercept, this.slope, this.nullCount + ahead, s);
            points.push({ prediction, upper: prediction + this.deltaPos * d, lower: prediction - this.deltaNeg * d });
        }
        return points;
    }

    /** Violations among the last `window` samples (what FAILURES compares with the threshold). */
    get violationCount(): number {
        return this.violations.count;
    }

    /** The slot (0 … seasonLength − 1) the next sample falls in. */
    get slot(): number {
        return this.nextSlot;
    }

    /**
     * What the last update did beyond its point, the columns of the reference runner's output:
     * the coefficient its prediction used, the seasonal deviation it wrote (DEVSEASONAL), the null
     * count, and which profiles were smoothed after it ('S' seasonal, 'D' deviation).
     */
    get lastStep(): { seasonalUsed: number; deviationWritten: number; nullCount: number; smoothed: '' | 'S' | 'D' | 'SD' } {
        return {
            seasonalUsed: this.seasonalUsed,
            deviationWritten: this.deviationWritten,
            nullCount: this.nullCount,
            smoothed: this.smoothed,
        };
    }

    toJSON(): HoltWintersState {
        return {
            format: STATE_FORMAT,
            options: { ...this.options },
            nextSlot: this.nextSlot,
            intercept: toJsonNumber(this.intercept),
            slope: toJsonNumber(this.slope),
            nullCount: this.nullCount,
            nextSeasonal: toJsonNumber(this.nextSeasonal),
            nextDeviation: toJsonNumber(this.nextDeviation),
            seasonal: Array.from(this.seasonal, toJsonNumber),
            deviations: Array.from(this.deviations, toJsonNumber),
            violations: this.violations.toJSON(),
        };
    }

    /** A series restored from toJSON's output (parsed or not); throws a RangeError on a malformed state. */
    static fromJSON(state: unknown): HoltWinters {
        if (typeof state !== 'object' || state === null) throw new RangeError('Holt-Winters state must be an object');
        const saved = state as Partial<Record<keyof HoltWintersState, unknown>>;
        if (saved.format !== STATE_FORMAT)
            throw new RangeError(`Holt-Winters state format must be "${STATE_FORMAT}", got ${JSON.stringify(saved.format)}`);
        if (typeof saved.options !== 'object' || saved.options === null)
            throw new RangeError('Holt-Winters state: options must be an object');
        const model = new HoltWinters(saved.options as HoltWintersSettings);
        const length = model.seasonLength;
        if (!Number.isInteger(saved.nextSlot) || (saved.nextSlot as number) < 0 || (saved.nextSlot as number) >= length) {
            throw new RangeError(
                `Holt-Winters state: nextSlot must be an integer in 0 … ${length - 1}, got ${JSON.stringify(saved.nextSlot)}`,
            );
        }
        if (!Number.isInteger(saved.nullCount) || (saved.nullCount as number) < 1) {
            throw new RangeError(`Holt-Winters state: nullCount must be an integer ≥ 1, got ${JSON.stringify(saved.nullCount)}`);
        }
        model.nextSlot = saved.nextSlot as number;
        model.nullCount = saved.nullCount as number;
        model.intercept = fromJsonNumber(saved.intercept, 'intercept');
        model.slope = fromJsonNumber(saved.slope, 'slope');
        model.nextSeasonal = fromJsonNumber(saved.nextSeasonal, 'nextSeasonal');
        model.nextDeviation = fromJsonNumber(saved.nextDeviation, 'nextDeviation');
        restoreProfile(model.seasonal, saved.seasonal, 'seasonal');
        restoreProfile(model.deviations, saved.deviations, 'deviations');
        model.violations = ViolationWindow.fromJSON(saved.violations, model.options.window);
        return model;
    }

    private predict(level: number, trend: number, nulls: number, seasonal: number): number {
        return this.multiplicative ? (level + trend * nulls) * seasonal : level + trend * nulls + seasonal;
    }

    /** smooth_all_rras, after the step that wrote slot 0. */
    private smooth(): '' | 'S' | 'D' | 'SD' {
        const base = smoothProfile(this.seasonal, this.smoothingScratch, this.smoothingHalfWidth);
        const seasonalSmoothed = !Number.isNaN(base);
        if (seasonalSmoothed) {
            // Re-centre the profile on 0 (1 when multiplicative) and move its mean into the level.
            for (let slot = 0; slot < this.seasonLength; slot++) {
                const coefficient = this.seasonal[slot];
                this.seasonal[slot] = this.multiplicative ? (base <= 0 ? NaN : coefficient / base) : coefficient - base;
            }
            if (this.multiplicative && !this.rrdtoolCompat) {
                // Scaling level and trend alike leaves every prediction (level + trend × n) × s unchanged.
                this.intercept *= base;
                this.slope *= base;
            } else {
                // librrd adds the mean to the level even for the multiplicative model (§5.2).
                this.intercept += base;
            }
        }
        const deviationsSmoothed = !Number.isNaN(smoothProfile(this.deviations, this.smoothingScratch, this.smoothingHalfWidth));
        if (!this.rrdtoolCompat) {
            // librrd already read the next slot's values before smoothing and uses them stale (§5.1).
            this.nextSeasonal = this.seasonal[this.nextSlot];
            this.nextDeviation = this.deviations[this.nextSlot];
        }
        return seasonalSmoothed ? (deviationsSmoothed ? 'SD' : 'S') : deviationsSmoothed ? 'D' : '';
    }
}

function emptyPoint(): HoltWintersPoint {
    return {
        prediction: NaN,
        deviation: NaN,
        upper: NaN,
        lower: NaN,
        seasonal: NaN,
        intercept: NaN,
        slope: NaN,
        violation: false,
        failure: false,
    };
}

function toJsonNumber(value: number): JsonNumber {
    if (Number.isNaN(value)) return null;
    if (value === Infinity) return 'Infinity';
    if (value === -Infinity) return '-Infinity';
    return value;
}

function fromJsonNumber(value: unknown, name: string): number {
    if (value === null) return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    if (typeof value === 'number') return value;
    throw new RangeError(`Holt-Winters state: ${name} must be a number, null, "Infinity" or "-Infinity", got ${JSON.stringify(value)}`);
}

function restoreProfile(profile: Float64Array, saved: unknown, name: string): void {
    if (!Array.isArray(saved) || saved.length !== profile.length) {
        throw new RangeError(`Holt-Winters state: ${name} must be an array of ${profile.length} numbers`);
    }
    saved.forEach((value, slot) => {
        profile[slot] = fromJsonNumber(value, `${name}[${slot}]`);
    });
}
