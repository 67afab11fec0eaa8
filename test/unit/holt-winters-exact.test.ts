/**
 * The Holt-Winters core against rrdtool's own outputs in shared/vectors/holt-winters (produced by
 * the reference runner, which drives librrd 1.7.2 one update per step with the canonical phase),
 * and its own contract: clean mode, options, persistence, warm-up, forecasts.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
    HoltWinters,
    validateHoltWintersOptions,
    type HoltWintersOptions,
    type HoltWintersPoint,
    type HoltWintersSettings,
} from '../../lib/forecast/holt-winters';
import { compareWithRunner, readRunnerCsv, RUNNER_COLUMNS, stepColumns, type RunnerRow } from '../support/holt-winters-runner';
import { sharedDir } from '../support/paths';

const vectorsDir = path.join(sharedDir, 'vectors', 'holt-winters');

interface RunnerMeta {
    file_version: string;
    params: {
        season: number;
        alpha: number;
        beta: number;
        gamma: number;
        gamma_dev: number;
        threshold: number;
        window: number;
        delta_pos: number;
        delta_neg: number;
        smoothing_window: number;
        mult: boolean;
    };
    params_as_stored: {
        alpha: number;
        beta: number;
        gamma: number;
        gamma_dev: number;
        smoothing_window_seasonal: number;
        smoothing_window_devseasonal: number;
        delta_pos: number;
        delta_neg: number;
        threshold: number;
        window: number;
    };
    phase_used: { seasonal_cur_row: number; devseasonal_cur_row: number; seasonal_smooth_idx: number; devseasonal_smooth_idx: number };
}

interface Sample {
    name: string;
    input: string;
    rows: RunnerRow[];
    meta: RunnerMeta;
}

function loadSample(name: string, input: string): Sample {
    return {
        name,
        input,
        rows: readRunnerCsv(path.join(vectorsDir, `sample_${name}_output.csv`)),
        meta: JSON.parse(fs.readFileSync(path.join(vectorsDir, `sample_${name}_meta.json`), 'utf8')) as RunnerMeta,
    };
}

const SAMPLES = [
    loadSample('tiny', 'sample_tiny_input.csv'),
    loadSample('daily', 'sample_daily_input.csv'),
    loadSample('daily_mhw', 'sample_daily_input.csv'),
];
const daily = SAMPLES[1];
const dailyMultiplicative = SAMPLES[2];

/** The options exactly as librrd stored them: a version-3 file smooths with a hard-coded 0.05. */
function storedOptions(meta: RunnerMeta): HoltWintersSettings {
    const stored = meta.params_as_stored;
    assert.equal(stored.smoothing_window_devseasonal, stored.smoothing_window_seasonal, 'one smoothing window for both profiles');
    return {
        model: meta.params.mult ? 'multiplicative' : 'additive',
        alpha: stored.alpha,
        beta: stored.beta,
        gamma: stored.gamma,
        gammaDeviation: stored.gamma_dev,
        seasonLength: meta.params.season,
        smoothingWindow: Number(meta.file_version) >= 4 ? stored.smoothing_window_seasonal : 0.05,
        deltaPos: stored.delta_pos,
        deltaNeg: stored.delta_neg,
        threshold: stored.threshold,
        window: stored.window,
        compat: 'rrdtool',
    };
}

function nominalOptions(meta: RunnerMeta): HoltWintersSettings {
    const p = meta.params;
    return {
        model: p.mult ? 'multiplicative' : 'additive',
        alpha: p.alpha,
        beta: p.beta,
        gamma: p.gamma,
        gammaDeviation: p.gamma_dev,
        seasonLength: p.season,
        smoothingWindow: p.smoothing_window,
        deltaPos: p.delta_pos,
        deltaNeg: p.delta_neg,
        threshold: p.threshold,
        window: p.window,
        compat: 'rrdtool',
    };
}

/** The sample's input CSV as JavaScript parses it, one value per runner step (absent rows unknown). */
function parsedValues(sample: Sample): number[] {
    const byTimestamp = new Map(
        readRunnerCsv(path.join(vectorsDir, sample.input)).map((r) => [r.timestamp, r.value === '' ? NaN : Number(r.value)]),
    );
    return sample.rows.map((r) => byTimestamp.get(r.timestamp) ?? NaN);
}

/** Runs the core over `inputs` and lists every cell that differs from the runner's row (at most a few shown). */
function assertMatchesRunner(rows: RunnerRow[], inputs: number[], settings: HoltWintersSettings, relative: number): void {
    const { differences, cells } = compareWithRunner(rows, inputs, settings, relative);
    assert.ok(cells > 0);
    assert.deepEqual(differences.slice(0, 8), [], `${differences.length} of ${cells} cells differ`);
}

for (const sample of SAMPLES) {
    test(`${sample.name}: compat rrdtool, fed the pdp column and params_as_stored, equals rrdtool in every column bit for bit`, () => {
        assert.deepEqual(
            sample.meta.phase_used,
            {
                seasonal_cur_row: sample.meta.params.season - 1,
                devseasonal_cur_row: sample.meta.params.season - 1,
                seasonal_smooth_idx: 0,
                devseasonal_smooth_idx: 0,
            },
            'the runner used the canonical phase',
        );
        assertMatchesRunner(
            sample.rows,
            sample.rows.map((r) => Number(r.pdp)),
            storedOptions(sample.meta),
            0,
        );
    });

    test(`${sample.name}: compat rrdtool, fed the parsed input values and the nominal parameters, within 1e-9 relative`, () => {
        assertMatchesRunner(sample.rows, parsedValues(sample), nominalOptions(sample.meta), 1e-9);
    });
}

test('tiny: the hand-checkable step 4 of the reference (pred 10, I 10.5, T 0.05, s 0.25, d 1)', () => {
    const model = new HoltWinters({ seasonLength: 4, alpha: 0.5, beta: 0.1, gamma: 0.5, threshold: 2, window: 3 });
    for (const x of [10, 20, 30, 20]) model.update(x);
    const point = model.update(11);
    assert.deepEqual(
        {
            prediction: point.prediction,
            intercept: point.intercept,
            slope: point.slope,
            seasonal: point.seasonal,
            deviation: model.lastStep.deviationWritten,
        },
        { prediction: 10, intercept: 10.5, slope: 0.05, seasonal: 0.25, deviation: 1 },
    );
});

/** Mean |x − prediction| over the steps where both are known. */
function meanAbsoluteError(values: number[], predictions: number[]): { mae: number; steps: number } {
    let sum = 0;
    let steps = 0;
    values.forEach((x, i) => {
        if (Number.isNaN(x) || Number.isNaN(predictions[i])) return;
        sum += Math.abs(x - predictions[i]);
        steps++;
    });
    return { mae: sum / steps, steps };
}

for (const sample of [daily, dailyMultiplicative]) {
    test(`${sample.name}: compat clean's mean absolute one-step error is not worse than rrdtool's`, (t) => {
        const values = parsedValues(sample);
        const rrdtool = meanAbsoluteError(
            values,
            sample.rows.map((r) => Number(r.prediction)),
        );
        const model = new HoltWinters({ ...nominalOptions(sample.meta), compat: 'clean' });
        const clean = meanAbsoluteError(
            values,
            values.map((x) => model.update(x).prediction),
        );
        assert.equal(clean.steps, rrdtool.steps, 'the same steps are predicted');
        const line =
            `${sample.name} (${sample.meta.params.mult ? 'multiplicative' : 'additive'}, ${rrdtool.steps} predicted steps): ` +
            `MAE clean ${clean.mae.toFixed(4)} vs rrdtool ${rrdtool.mae.toFixed(4)} (${((1 - clean.mae / rrdtool.mae) * 100).toFixed(1)}% lower)`;
        t.diagnostic(line);
        assert.ok(clean.mae <= rrdtool.mae, line);
    });
}

test('compat clean fixes the stale look-ahead: identical to rrdtool up to the first smoothing, then uses the smoothed profile at once', () => {
    const values = parsedValues(daily);
    const rrdtool = new HoltWinters({ ...nominalOptions(daily.meta), compat: 'rrdtool' });
    const clean = new HoltWinters({ ...nominalOptions(daily.meta), compat: 'clean' });
    const P = daily.meta.params.season;
    for (let i = 0; i <= P; i++) assert.deepEqual(clean.update(values[i]), rrdtool.update(values[i]), `step ${i}`);
    assert.equal(clean.lastStep.smoothed, 'S');
    // What step P+1 will use: rrdtool read it before the smoothing (§5.1), clean after.
    const [cleanState, rrdtoolState] = [clean.toJSON(), rrdtool.toJSON()];
    assert.equal(cleanState.nextSeasonal, cleanState.seasonal[1]);
    assert.notEqual(rrdtoolState.nextSeasonal, rrdtoolState.seasonal[1]);
    const next = { clean: clean.update(values[P + 1]), rrdtool: rrdtool.update(values[P + 1]) };
    // rrdtool has already added the smoothing's mean to the level but uses the un-recentred coefficient.
    assert.ok(Math.abs(next.rrdtool.prediction - values[P + 1]) > 10, `rrdtool's spike at step ${P + 1}`);
    assert.ok(Math.abs(next.clean.prediction - values[P + 1]) < 3, `clean at step ${P + 1}: ${next.clean.prediction} for ${values[P + 1]}`);
});

test('compat clean fixes the multiplicative re-centring: the level stays where the additive model has it', () => {
    const values = parsedValues(daily);
    const P = daily.meta.params.season;
    const levelAfterFirstSmoothing = (settings: HoltWintersSettings) => {
        const model = new HoltWinters(settings);
        let point: HoltWintersPoint | undefined;
        for (let i = 0; i <= P; i++) point = model.update(values[i]);
        assert.equal(model.lastStep.smoothed, 'S');
        return point!.intercept;
    };
    const base = { seasonLength: P };
    const additive = levelAfterFirstSmoothing({ ...base, compat: 'clean' });
    const cleanMultiplicative = levelAfterFirstSmoothing({ ...base, model: 'multiplicative', compat: 'clean' });
    const rrdtoolMultiplicative = levelAfterFirstSmoothing({ ...base, model: 'multiplicative', compat: 'rrdtool' });
    assert.ok(
        Math.abs(cleanMultiplicative / additive - 1) < 0.02,
        `clean multiplicative level ${cleanMultiplicative} vs additive ${additive}`,
    );
    assert.ok(
        Math.abs(rrdtoolMultiplicative / additive - 1) > 0.2,
        `rrdtool multiplicative level ${rrdtoolMultiplicative} vs additive ${additive}`,
    );
});

test('options: defaults, gammaDeviation following gamma, and every bad parameter refused with its name', () => {
    assert.deepEqual(validateHoltWintersOptions({ seasonLength: 288 }), {
        model: 'additive',
        alpha: 0.1,
        beta: 0.0035,
        gamma: 0.1,
        gammaDeviation: 0.1,
        seasonLength: 288,
        smoothingWindow: 0.05,
        deltaPos: 2,
        deltaNeg: 2,
        threshold: 7,
        window: 9,
        compat: 'clean',
    } satisfies HoltWintersOptions);
    assert.equal(validateHoltWintersOptions({ seasonLength: 288, gamma: 0.3 }).gammaDeviation, 0.3);
    assert.equal(validateHoltWintersOptions({ seasonLength: 288, gamma: 0.3, gammaDeviation: 0.2 }).gammaDeviation, 0.2);
    assert.equal(
        validateHoltWintersOptions({ seasonLength: 2, beta: 0, smoothingWindow: 0, threshold: 28, window: 28, deltaPos: 0.1 }).window,
        28,
    );
    assert.equal(validateHoltWintersOptions({ seasonLength: 2, beta: 1 }).beta, 1);

    const refused: [Partial<HoltWintersOptions> | Record<string, unknown>, RegExp][] = [
        [{ alpha: 0 }, /alpha must be in \(0, 1\), got 0/],
        [{ alpha: 1 }, /alpha must be in \(0, 1\), got 1/],
        [{ gamma: 1.5 }, /gamma must be in \(0, 1\), got 1.5/],
        [{ gammaDeviation: 0 }, /gammaDeviation must be in \(0, 1\)/],
        [{ beta: -0.01 }, /beta must be in \[0, 1\], got -0.01/],
        [{ beta: 1.01 }, /beta must be in \[0, 1\]/],
        [{ threshold: 8, window: 7 }, /threshold \(8\) must not exceed window \(7\)/],
        [{ window: 29, threshold: 7 }, /window must be an integer in 1 … 28, got 29/],
        [{ threshold: 0 }, /threshold must be an integer in 1 … 28, got 0/],
        [{ threshold: 2.5 }, /threshold must be an integer/],
        [{ seasonLength: 1 }, /seasonLength must be an integer ≥ 2, got 1/],
        [{ seasonLength: 12.5 }, /seasonLength must be an integer ≥ 2/],
        [{ seasonLength: undefined }, /seasonLength must be a finite number, got undefined/],
        [{ smoothingWindow: 1 }, /smoothingWindow must be in \[0, 1\), got 1/],
        [{ smoothingWindow: -0.1 }, /smoothingWindow must be in \[0, 1\)/],
        [{ deltaPos: 0.05 }, /deltaPos must be ≥ 0.1, got 0.05/],
        [{ deltaNeg: NaN }, /deltaNeg must be a finite number, got NaN/],
        [{ alpha: Infinity }, /alpha must be a finite number, got Infinity/],
        [{ beta: '0.1' }, /beta must be a finite number, got "0.1"/],
        [{ model: 'exponential' }, /model must be "additive" or "multiplicative", got "exponential"/],
        [{ compat: 'librrd' }, /compat must be "clean" or "rrdtool", got "librrd"/],
    ];
    for (const [bad, message] of refused) {
        const settings = { seasonLength: 288, ...bad } as HoltWintersSettings;
        assert.throws(
            () => validateHoltWintersOptions(settings),
            (e: unknown) => e instanceof RangeError && message.test(e.message),
            JSON.stringify(bad),
        );
        assert.throws(() => new HoltWinters(settings), RangeError);
    }
    assert.throws(
        () => validateHoltWintersOptions({ seasonLength: 0, alpha: 2, window: 30 }),
        /^RangeError: Invalid Holt-Winters options: alpha must be .*; seasonLength must be .*; window must be .*$/,
        'every problem at once',
    );
});

function sameOutputs(a: HoltWinters, b: HoltWinters, inputs: number[], where: string): void {
    inputs.forEach((x, i) => {
        const pa = stepColumns(a.update(x), a);
        const pb = stepColumns(b.update(x), b);
        for (const column of RUNNER_COLUMNS)
            assert.ok(Object.is(pa[column], pb[column]), `${where}, step ${i} ${column}: ${String(pa[column])} vs ${String(pb[column])}`);
    });
}

for (const [sample, compat] of [
    [daily, 'rrdtool'],
    [daily, 'clean'],
    [dailyMultiplicative, 'rrdtool'],
    [dailyMultiplicative, 'clean'],
] as const) {
    test(`${sample.name}, compat ${compat}: state through JSON text mid-series gives identical subsequent outputs`, () => {
        const values = parsedValues(sample);
        // In the first season (NaN everywhere), right after a smoothing (the stale look-ahead),
        // and inside the failure at 749–752 (a violation history to carry).
        for (const cut of [10, 577, 750]) {
            const original = new HoltWinters({ ...nominalOptions(sample.meta), compat });
            values.slice(0, cut).forEach((x) => original.update(x));
            const text = JSON.stringify(original);
            if (cut === 10) assert.match(text, /"deviations":\[null,/, 'unknown values survive as null');
            const restored = HoltWinters.fromJSON(JSON.parse(text));
            assert.deepEqual(restored.toJSON(), original.toJSON(), `cut ${cut}: state`);
            assert.equal(restored.violationCount, original.violationCount);
            sameOutputs(original, restored, values.slice(cut), `cut ${cut}`);
        }
    });
}

test('state JSON: NaN as null, infinities as strings, and malformed states refused with a clear error', () => {
    const model = new HoltWinters({ seasonLength: 4 });
    model.update(1);
    const state = model.toJSON();
    assert.equal(state.seasonal[0], 0);
    assert.equal(state.seasonal[1], null);
    assert.equal(state.deviations[0], null);
    assert.equal(state.nextSeasonal, null);
    const withInfinity = { ...state, intercept: 'Infinity' as const, slope: '-Infinity' as const };
    const restored = HoltWinters.fromJSON(JSON.parse(JSON.stringify(withInfinity)));
    assert.equal(restored.toJSON().intercept, 'Infinity');
    assert.equal(restored.toJSON().slope, '-Infinity');

    assert.throws(() => HoltWinters.fromJSON(null), /state must be an object/);
    assert.throws(() => HoltWinters.fromJSON({ ...state, format: 'holt-winters/0' }), /format must be "holt-winters\/1"/);
    assert.throws(() => HoltWinters.fromJSON({ ...state, options: undefined }), /options must be an object/);
    assert.throws(() => HoltWinters.fromJSON({ ...state, options: { ...state.options, alpha: 3 } }), /alpha must be in \(0, 1\)/);
    assert.throws(() => HoltWinters.fromJSON({ ...state, seasonal: [0, 1, 2] }), /seasonal must be an array of 4 numbers/);
    assert.throws(() => HoltWinters.fromJSON({ ...state, deviations: [0, 1, 'x', 3] }), /deviations\[2\] must be a number/);
    assert.throws(() => HoltWinters.fromJSON({ ...state, nextSlot: 4 }), /nextSlot must be an integer in 0 … 3/);
    assert.throws(() => HoltWinters.fromJSON({ ...state, nullCount: 0 }), /nullCount must be an integer ≥ 1/);
    assert.throws(() => HoltWinters.fromJSON({ ...state, violations: [0, 1] }), /violation history must be 9 flags of 0 or 1/);
});

test('warm-up: the first prediction comes after one season, the first band and failure after two', () => {
    for (const sample of [daily, dailyMultiplicative]) {
        for (const compat of ['rrdtool', 'clean'] as const) {
            const P = sample.meta.params.season;
            const model = new HoltWinters({ ...nominalOptions(sample.meta), compat });
            const points = parsedValues(sample).map((x) => model.update(x));
            const firstKnown = (field: 'prediction' | 'deviation' | 'upper' | 'lower') => points.findIndex((p) => !Number.isNaN(p[field]));
            const where = `${sample.name} ${compat}`;
            assert.equal(firstKnown('prediction'), P, `${where}: prediction`);
            for (const field of ['deviation', 'upper', 'lower'] as const) assert.equal(firstKnown(field), 2 * P, `${where}: ${field}`);
            assert.ok(
                points.slice(P).every((p) => !Number.isNaN(p.prediction)),
                `${where}: predictions known after the first season`,
            );
            assert.ok(
                points.slice(0, 2 * P).every((p) => !p.violation && !p.failure),
                `${where}: no violation before the band`,
            );
            assert.ok(
                points.some((p) => p.failure),
                `${where}: the sample's anomalies do raise failures`,
            );
            assert.ok(
                points.every((p) => !Number.isNaN(p.seasonal) && !Number.isNaN(p.intercept) && !Number.isNaN(p.slope)),
                `${where}: state known from the first sample`,
            );
        }
    }
});

test('unknown samples: NaN and infinities are unknown, count as violations once the band is known, and advance the season', () => {
    const P = 4;
    const model = new HoltWinters({ seasonLength: P, threshold: 2, window: 3, compat: 'rrdtool' });
    const profile = [10, 20, 30, 20];
    for (let i = 0; i < 3 * P; i++) model.update(profile[i % P]);
    const unknown = model.update(NaN);
    assert.equal(unknown.violation, true);
    assert.equal(model.lastStep.nullCount, 2, 'the null count grows');
    assert.equal(model.update(Infinity).failure, true, 'two unknowns in a window of 3 reach the threshold of 2');
    assert.equal(model.lastStep.nullCount, 3);
    assert.equal(model.slot, 2);
    const twin = new HoltWinters({ seasonLength: P, threshold: 2, window: 3, compat: 'rrdtool' });
    for (let i = 0; i < 3 * P; i++) twin.update(profile[i % P]);
    twin.update(NaN);
    twin.update(NaN);
    assert.deepEqual(twin.toJSON(), model.toJSON(), 'Infinity is the same as NaN');
});

test('forecast: the first step is exactly the next update, later steps follow the trend and the profile', () => {
    for (const compat of ['rrdtool', 'clean'] as const) {
        const model = new HoltWinters({ ...nominalOptions(daily.meta), compat });
        const P = daily.meta.params.season;
        assert.deepEqual(model.forecast(0), []);
        assert.ok(
            model.forecast(3).every((f) => Number.isNaN(f.prediction) && Number.isNaN(f.upper)),
            'nothing known yet',
        );
        parsedValues(daily).forEach((x, i) => {
            const [next] = model.forecast(1);
            const point = model.update(x);
            for (const field of ['prediction', 'upper', 'lower'] as const)
                assert.ok(Object.is(next[field], point[field]), `${compat} step ${i} ${field}`);
        });
        const horizon = model.forecast(P + 1);
        assert.equal(horizon.length, P + 1);
        assert.ok(
            horizon.every((f) => Number.isFinite(f.prediction) && f.lower < f.prediction && f.prediction < f.upper),
            `${compat}: a band every step`,
        );
        // One season on, the same slot: the same coefficient, one season of trend further.
        const slope = model.toJSON().slope as number;
        assert.ok(
            Math.abs(horizon[P].prediction - horizon[0].prediction - slope * P) <= 1e-9 * Math.abs(horizon[0].prediction),
            `${compat}: trend`,
        );
    }
    const model = new HoltWinters({ seasonLength: 4 });
    assert.throws(() => model.forecast(-1), /forecast steps must be an integer ≥ 0, got -1/);
    assert.throws(() => model.forecast(1.5), /forecast steps must be an integer ≥ 0/);
});

test('update into a reused point gives what a fresh point gets', () => {
    const values = parsedValues(daily);
    const fresh = new HoltWinters({ seasonLength: 288 });
    const reusing = new HoltWinters({ seasonLength: 288 });
    const reused: HoltWintersPoint = {
        prediction: 0,
        deviation: 0,
        upper: 0,
        lower: 0,
        seasonal: 0,
        intercept: 0,
        slope: 0,
        violation: false,
        failure: false,
    };
    for (const x of values) {
        const point = fresh.update(x);
        assert.equal(reusing.update(x, reused), reused);
        assert.deepEqual(reused, point);
    }
});
