/**
 * The bank of series behind the holt-winters node: one core per topic (its points are the core's
 * own), failure start/end edges, reset, the horizon's times, resample timing, and the saved state.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { HoltWinters, type HoltWintersPoint } from '../../lib/forecast/holt-winters';
import {
    ParametersChangedError,
    SeriesBank,
    validateSeriesBankSettings,
    type FailureEvent,
    type SeriesBankSettings,
} from '../../lib/forecast/series-bank';

const SEASON = 12;
const T0 = 1_700_000_000_000;
const messageTiming: SeriesBankSettings = { holtWinters: { seasonLength: SEASON }, timing: { kind: 'message' }, horizon: 0 };

/** A daily-like shape with deterministic noise, so the band has some width. */
function signal(count: number, seed = 1): number[] {
    let state = seed;
    const noise = () => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return state / 2147483648 - 0.5;
    };
    return Array.from({ length: count }, (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / SEASON) + 2 * noise());
}

/** Six seasons of warm-up, 10 samples 60 above normal, then normal again for four seasons. */
function withExcursion(): number[] {
    const values = signal(10 * SEASON);
    for (let i = 6 * SEASON; i < 6 * SEASON + 10; i++) values[i] += 60;
    return values;
}

function corePoints(values: number[]): HoltWintersPoint[] {
    const model = new HoltWinters({ seasonLength: SEASON });
    return values.map((v) => model.update(v));
}

test("message timing: one step per sample, whose point is the core's for the same samples", () => {
    const bank = new SeriesBank(messageTiming);
    const values = signal(4 * SEASON);
    values[30] = NaN;
    const want = corePoints(values);
    values.forEach((v, i) => {
        const result = bank.push('house', v, T0 + i * 60_000);
        assert.equal(result.steps.length, 1);
        assert.deepEqual(result.steps[0].point, want[i], `sample ${i}`);
        assert.equal(result.steps[0].time, T0 + i * 60_000);
        assert.equal(result.steps[0].horizon, undefined, 'no horizon asked');
    });
});

test('one series per topic, the empty topic included, each as if alone', () => {
    const bank = new SeriesBank(messageTiming);
    const a = signal(3 * SEASON, 1);
    const b = signal(3 * SEASON, 2).map((v) => v * 3);
    const [wantA, wantB] = [corePoints(a), corePoints(b)];
    for (let i = 0; i < a.length; i++) {
        assert.deepEqual(bank.push('', a[i], T0 + i).steps[0].point, wantA[i]);
        assert.deepEqual(bank.push('__proto__', b[i], T0 + i).steps[0].point, wantB[i]);
    }
    assert.deepEqual(bank.summary(), { series: 2, warmingUp: 0, failing: 0 }, 'both have a band after three seasons');
});

test("a sustained excursion gives exactly one failure start and one end, on the edges of the core's failure flag", () => {
    const bank = new SeriesBank(messageTiming);
    const values = withExcursion();
    const flags = corePoints(values).map((p) => p.failure);
    const events: { index: number; event: FailureEvent }[] = [];
    values.forEach((v, i) => {
        const step = bank.push('house', v, T0 + i * 1000).steps[0];
        if (step.failure !== undefined) events.push({ index: i, event: step.failure });
    });
    assert.deepEqual(
        events.map((e) => e.event.state),
        ['start', 'end'],
    );
    const [start, end] = events;
    assert.equal(flags.indexOf(true), start.index);
    assert.equal(flags.indexOf(false, start.index), end.index);
    assert.ok(start.index >= 6 * SEASON + 6 && start.index < 6 * SEASON + 10, `start at ${start.index}`);
    assert.equal(start.event.time, T0 + start.index * 1000);
    assert.equal(start.event.value, values[start.index]);
    assert.ok(start.event.value > start.event.upper);
    assert.equal(start.event.violations, 7);
    assert.equal(start.event.window, 9);
    assert.ok(end.event.violations < 7);
    assert.ok(Number.isFinite(end.event.prediction) && Number.isFinite(end.event.lower));
});

test('reset forgets a series (warm-up again) and leaves the others alone', () => {
    const bank = new SeriesBank(messageTiming);
    const values = signal(3 * SEASON);
    values.forEach((v, i) => {
        bank.push('a', v, i);
        bank.push('b', v, i);
    });
    assert.ok(Number.isFinite(bank.push('a', 100, 1e6).steps[0].point.prediction));
    assert.equal(bank.reset('a'), true);
    assert.equal(bank.reset('a'), false);
    assert.equal(bank.reset('never seen'), false);
    assert.ok(Number.isNaN(bank.push('a', 100, 1e6).steps[0].point.prediction));
    assert.ok(Number.isFinite(bank.push('b', 100, 1e6).steps[0].point.prediction));
});

test("horizon in message timing: the core's forecast, dated by the median spacing of the recent samples", () => {
    const bank = new SeriesBank({ ...messageTiming, horizon: 3 });
    const reference = new HoltWinters({ seasonLength: SEASON });
    const values = signal(3 * SEASON);
    // Every 60 s, with one late message (90 s) and one burst (5 s): the median stays 60 s.
    const times = values.map((_, i) => T0 + i * 60_000 + (i === 30 ? 30_000 : i === 31 ? -25_000 : 0));
    let last;
    for (let i = 0; i < values.length; i++) {
        last = bank.push('house', values[i], times[i]).steps[0];
        reference.update(values[i]);
    }
    assert.ok(last?.horizon !== undefined, 'a horizon was forecast');
    const horizon = last.horizon;
    assert.deepEqual(
        horizon.map((h) => h.time),
        [1, 2, 3].map((k) => times[times.length - 1] + k * 60_000),
    );
    assert.deepEqual(
        horizon.map(({ prediction, upper, lower }) => ({ prediction, upper, lower })),
        reference.forecast(3),
    );
    const next = bank.push('house', 101, times[times.length - 1] + 60_000).steps[0].point;
    assert.deepEqual({ prediction: next.prediction, upper: next.upper, lower: next.lower }, reference.forecast(1)[0]);
    // With a single timestamp the spacing is unknown.
    assert.ok(Number.isNaN(bank.push('new', 1, T0).steps[0].horizon![0].time));
});

test('resample timing: the core fed the step averages, unknown steps included; horizon dated by the step', () => {
    const bank = new SeriesBank({ holtWinters: { seasonLength: 4 }, timing: { kind: 'resample', stepSeconds: 10 }, horizon: 2 });
    const model = new HoltWinters({ seasonLength: 4 });
    // One sample per 5 s, two per step; a 60 s silence in the middle.
    const times: number[] = [];
    for (let t = 0; t < 200; t += 5) times.push(t);
    for (let t = 260; t < 400; t += 5) times.push(t);
    const stepTimes: number[] = [];
    for (const t of times) {
        const result = bank.push('meter', t % 20 < 10 ? t : 2 * t, T0 + t * 1000);
        for (const step of result.steps) {
            stepTimes.push((step.time - T0) / 1000);
            assert.deepEqual(step.point, model.update(step.value));
            assert.deepEqual(
                step.horizon!.map((h) => h.time),
                [step.time + 10_000, step.time + 20_000],
            );
        }
    }
    assert.deepEqual(
        stepTimes,
        Array.from({ length: 39 }, (_, i) => 10 * (i + 1)),
    );
    assert.deepEqual(bank.push('meter', 1, T0).ignored, 'out-of-order');
    assert.deepEqual(bank.push('meter', 1, T0 + 395_000).ignored, 'duplicate');
});

test("resample timing: a step's value is the time-weighted average of its samples", () => {
    const bank = new SeriesBank({ holtWinters: { seasonLength: 4 }, timing: { kind: 'resample', stepSeconds: 10 }, horizon: 0 });
    bank.push('', 10, T0);
    bank.push('', 20, T0 + 4000);
    const steps = bank.push('', 0, T0 + 10_000).steps;
    assert.deepEqual(
        steps.map((s) => [s.time, s.value]),
        [[T0 + 10_000, 16]],
    );
});

test('the summary counts series, the ones without a band yet, and the failing ones', () => {
    const bank = new SeriesBank(messageTiming);
    const values = withExcursion();
    for (let i = 0; i < 2 * SEASON; i++) bank.push('long', values[i], i);
    bank.push('short', 1, 0);
    assert.deepEqual(bank.summary(), { series: 2, warmingUp: 1, failing: 0 });
    for (let i = 2 * SEASON; i < 6 * SEASON + 9; i++) bank.push('long', values[i], i);
    assert.deepEqual(bank.summary(), { series: 2, warmingUp: 1, failing: 1 });
});

for (const timing of [{ kind: 'message' }, { kind: 'resample', stepSeconds: 1 }] as const) {
    test(`${timing.kind} timing: the saved state (through JSON, NaN included) goes on exactly like the bank it came from`, () => {
        const settings: SeriesBankSettings = { holtWinters: { seasonLength: SEASON }, timing, horizon: 2 };
        const values = withExcursion();
        values[20] = NaN;
        const feed = (bank: SeriesBank, from: number, to: number) => {
            const out = [];
            for (let i = from; i < to; i++) {
                for (const topic of ['a', '__proto__', '']) out.push(bank.push(topic, values[i] * (topic.length + 1), T0 + i * 700));
            }
            return out;
        };
        for (const cut of [0, 5, SEASON * 2 + 3, 6 * SEASON + 8]) {
            const straight = new SeriesBank(settings);
            const want = feed(straight, 0, values.length);
            const first = new SeriesBank(settings);
            const got = feed(first, 0, cut);
            const restored = SeriesBank.fromJSON(JSON.parse(JSON.stringify(first)), settings);
            assert.deepEqual(restored.summary(), first.summary());
            got.push(...feed(restored, cut, values.length));
            assert.deepEqual(got, want, `cut at ${cut}`);
        }
    });
}

test('a state saved with other parameters is refused with their names; another horizon is fine', () => {
    const bank = new SeriesBank(messageTiming);
    bank.push('a', 1, 0);
    const state = JSON.parse(JSON.stringify(bank)) as unknown;
    assert.equal(SeriesBank.fromJSON(state, { ...messageTiming, horizon: 5 }).summary().series, 1);
    assert.throws(
        () => SeriesBank.fromJSON(state, { ...messageTiming, holtWinters: { seasonLength: SEASON, alpha: 0.2 } }),
        (err: unknown) => err instanceof ParametersChangedError && err.changed.join() === 'alpha',
    );
    assert.throws(
        () => SeriesBank.fromJSON(state, { ...messageTiming, holtWinters: { seasonLength: 24, compat: 'rrdtool' } }),
        (err: unknown) => err instanceof ParametersChangedError && err.changed.join() === 'seasonLength,compat',
    );
    assert.throws(
        () => SeriesBank.fromJSON(state, { ...messageTiming, timing: { kind: 'resample', stepSeconds: 60 } }),
        (err: unknown) => err instanceof ParametersChangedError && err.changed.join() === 'timing,stepSeconds',
    );
});

test('a malformed state is refused with a RangeError', () => {
    const bank = new SeriesBank(messageTiming);
    bank.push('a', 1, 0);
    const state = JSON.parse(JSON.stringify(bank)) as { series: Record<string, unknown>[] };
    const broken = (change: (s: typeof state) => unknown) => () =>
        SeriesBank.fromJSON(change(JSON.parse(JSON.stringify(state)) as typeof state), messageTiming);
    assert.throws(
        broken(() => null),
        RangeError,
    );
    assert.throws(
        broken((s) => ({ ...s, format: 'energy-holt-winters/0' })),
        RangeError,
    );
    assert.throws(
        broken((s) => ({ ...s, series: {} })),
        RangeError,
    );
    assert.throws(
        broken((s) => ({ ...s, series: [...s.series, ...s.series] })),
        /twice/,
    );
    assert.throws(
        broken((s) => ({ ...s, series: [{ ...s.series[0], topic: 3 }] })),
        RangeError,
    );
    assert.throws(
        broken((s) => ({ ...s, series: [{ ...s.series[0], failing: 'no' }] })),
        RangeError,
    );
    assert.throws(
        broken((s) => ({ ...s, series: [{ ...s.series[0], recentTimes: [null] }] })),
        RangeError,
    );
    assert.throws(
        broken((s) => ({ ...s, series: [{ ...s.series[0], model: { ...(s.series[0].model as object), nextSlot: 99 } }] })),
        RangeError,
    );
});

test('bad settings are refused, every problem named', () => {
    assert.throws(
        () =>
            validateSeriesBankSettings({
                holtWinters: { seasonLength: 1, alpha: 1, threshold: 9, window: 5 },
                timing: { kind: 'message' },
                horizon: -1,
            }),
        (err: unknown) =>
            err instanceof RangeError &&
            ['alpha', 'seasonLength', 'threshold (9) must not exceed window (5)', 'horizon'].every((p) => err.message.includes(p)),
    );
    assert.throws(
        () => validateSeriesBankSettings({ holtWinters: { seasonLength: 4 }, timing: { kind: 'resample', stepSeconds: 0 }, horizon: 0 }),
        /resample step/,
    );
    assert.throws(
        () => validateSeriesBankSettings({ holtWinters: { seasonLength: 4 }, timing: { kind: 'hourly' } as never, horizon: 0 }),
        /timing/,
    );
    assert.throws(
        () =>
            validateSeriesBankSettings({
                holtWinters: { seasonLength: 4, window: 29, threshold: 7 },
                timing: { kind: 'message' },
                horizon: 1.5,
            }),
        /window.*horizon/,
    );
});
