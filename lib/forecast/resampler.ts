/**
 * The holt-winters node's `timing: "resample"` mode: samples at arbitrary times in, one value per
 * fixed step out, the time-weighted average of the signal over the step, as an RRDtool GAUGE data
 * source computes its primary data points. Holt-Winters counts samples, not seconds, so it needs
 * exactly one value per step, unknown ones included (they drive its null count).
 *
 * The signal: a sample's value holds from its timestamp until the next sample, but for at most
 * `heartbeat` (2 × step unless told): past it, and from an unknown sample (NaN) on, the signal is
 * unknown. (RRDtool gives an update's value to the interval before it, which suits counters read
 * at the end of the interval; a metered power is an instantaneous reading, which holds forward.)
 * A step's value is the average over its known part, so a step known for 10 s of 300 s is the
 * value of those 10 s (RRDtool's rule with a heartbeat ≥ step); a step with no known part is NaN.
 * Steps are aligned on multiples of the step since the epoch, and one is complete when a sample
 * at or after its end arrives: there is no clock here.
 */
import type { JsonNumber } from './holt-winters';

export interface ResamplerOptions {
    /** Step length, in seconds (kept to the millisecond). */
    stepSeconds: number;
    /** How long a value holds at most, in seconds, ≥ the step; default 2 × step. */
    heartbeatSeconds?: number;
}

export interface ResampledStep {
    /** End of the step, ms since the epoch (a multiple of the step). */
    time: number;
    /** Time-weighted average over the step's known part; NaN when no part of it is known. */
    value: number;
}

export interface ResamplerPush {
    /** The steps this sample completed, oldest first; several after a gap, unknown ones included. */
    steps: ResampledStep[];
    /** Set when the sample was dropped: its timestamp equals ('duplicate') or precedes ('out-of-order') the last one accepted. */
    ignored?: 'duplicate' | 'out-of-order';
}

export interface ResamplerState {
    format: typeof STATE_FORMAT;
    stepMs: number;
    heartbeatMs: number;
    /** The last accepted sample (its value holds on), or null before the first. */
    last: { time: number; value: JsonNumber } | null;
    /** Start of the open step, ms. */
    stepStart: number;
    /** ∫ value dt over the open step's known part (value × ms), and that part's length in ms. */
    weightedSum: JsonNumber;
    knownMs: number;
}

const STATE_FORMAT = 'resampler/1';

export class Resampler {
    readonly stepMs: number;
    readonly heartbeatMs: number;
    private lastTime = NaN;
    private lastValue = NaN;
    private stepStart = NaN;
    private weightedSum = 0;
    private knownMs = 0;

    constructor(options: ResamplerOptions) {
        const stepMs = Math.round(options.stepSeconds * 1000);
        if (!Number.isFinite(options.stepSeconds) || stepMs < 1)
            throw new RangeError(`resample step must be at least 0.001 s, got ${options.stepSeconds}`);
        const heartbeatMs = options.heartbeatSeconds === undefined ? 2 * stepMs : Math.round(options.heartbeatSeconds * 1000);
        if (!(heartbeatMs >= stepMs) || !Number.isFinite(heartbeatMs))
            throw new RangeError(`resample heartbeat must be at least the step (${stepMs / 1000} s), got ${options.heartbeatSeconds}`);
        this.stepMs = stepMs;
        this.heartbeatMs = heartbeatMs;
    }

    /** Feeds the sample `value` (NaN, or any non-finite number, means unknown) taken at `timeMs`. */
    push(value: number, timeMs: number): ResamplerPush {
        if (!Number.isFinite(timeMs)) throw new RangeError(`sample time must be a finite number of ms, got ${timeMs}`);
        const sample = Number.isFinite(value) ? value : NaN;
        if (Number.isNaN(this.lastTime)) {
            this.lastTime = timeMs;
            this.lastValue = sample;
            this.stepStart = Math.floor(timeMs / this.stepMs) * this.stepMs;
            return { steps: [] };
        }
        if (timeMs === this.lastTime) return { steps: [], ignored: 'duplicate' };
        if (timeMs < this.lastTime) return { steps: [], ignored: 'out-of-order' };

        const steps: ResampledStep[] = [];
        const heldUntil = Number.isNaN(this.lastValue) ? this.lastTime : this.lastTime + this.heartbeatMs;
        let from = this.lastTime;
        for (;;) {
            const stepEnd = this.stepStart + this.stepMs;
            const to = Math.min(timeMs, stepEnd);
            const knownTo = Math.min(to, heldUntil);
            if (knownTo > from) {
                this.weightedSum += this.lastValue * (knownTo - from);
                this.knownMs += knownTo - from;
            }
            if (stepEnd > timeMs) break;
            steps.push({ time: stepEnd, value: this.knownMs > 0 ? this.weightedSum / this.knownMs : NaN });
            this.stepStart = stepEnd;
            this.weightedSum = 0;
            this.knownMs = 0;
            from = stepEnd;
        }
        this.lastTime = timeMs;
        this.lastValue = sample;
        return { steps };
    }

    toJSON(): ResamplerState {
        return {
            format: STATE_FORMAT,
            stepMs: this.stepMs,
            heartbeatMs: this.heartbeatMs,
            last: Number.isNaN(this.lastTime) ? null : { time: this.lastTime, value: Number.isNaN(this.lastValue) ? null : this.lastValue },
            stepStart: Number.isNaN(this.stepStart) ? 0 : this.stepStart,
            weightedSum: Number.isFinite(this.weightedSum) ? this.weightedSum : null,
            knownMs: this.knownMs,
        };
    }

    /** A resampler restored from toJSON's output, which must have been made with the same options; throws a RangeError otherwise. */
    static fromJSON(state: unknown, options: ResamplerOptions): Resampler {
        const resampler = new Resampler(options);
        if (typeof state !== 'object' || state === null) throw new RangeError('resampler state must be an object');
        const saved = state as Partial<Record<keyof ResamplerState, unknown>>;
        if (saved.format !== STATE_FORMAT)
            throw new RangeError(`resampler state format must be "${STATE_FORMAT}", got ${JSON.stringify(saved.format)}`);
        if (saved.stepMs !== resampler.stepMs || saved.heartbeatMs !== resampler.heartbeatMs) {
            throw new RangeError(
                `resampler state was saved for a step of ${String(saved.stepMs)} ms and a heartbeat of ${String(saved.heartbeatMs)} ms`,
            );
        }
        if (saved.last === null) return resampler;
        // Read from a state file: checked field by field, whatever its declared type says.
        const last: { time?: unknown; value?: unknown } | undefined = saved.last;
        const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
        if (
            typeof last !== 'object' ||
            !finite(last.time) ||
            !(last.value === null || finite(last.value)) ||
            !finite(saved.stepStart) ||
            !(saved.weightedSum === null || finite(saved.weightedSum)) ||
            !finite(saved.knownMs) ||
            saved.knownMs < 0
        ) {
            throw new RangeError(`malformed resampler state: ${JSON.stringify(state)}`);
        }
        if (saved.stepStart % resampler.stepMs !== 0 || saved.stepStart > last.time || last.time >= saved.stepStart + resampler.stepMs) {
            throw new RangeError(`resampler state: the open step (${saved.stepStart}) does not hold the last sample (${last.time})`);
        }
        resampler.lastTime = last.time;
        resampler.lastValue = last.value ?? NaN;
        resampler.stepStart = saved.stepStart;
        resampler.weightedSum = saved.weightedSum ?? NaN;
        resampler.knownMs = saved.knownMs;
        return resampler;
    }
}
