/**
 * The resample timing's time-weighted step averages, on examples computed by hand: a value holds
 * from its time until the next sample or the heartbeat, steps are aligned on the epoch, unknown
 * parts are left out of the average, and a step with no known part is NaN.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Resampler, type ResampledStep } from '../../lib/forecast/resampler';

/** A multiple of every step used here, so steps start at T0. */
const T0 = 1_700_000_000_000;
const s = (seconds: number) => T0 + Math.round(seconds * 1000);

/** Feeds [seconds after T0, value] pairs and returns every completed step, as [seconds after T0 of the step end, value]. */
function run(resampler: Resampler, samples: [number, number][]): [number, number][] {
    const steps: ResampledStep[] = [];
    for (const [seconds, value] of samples) {
        const result = resampler.push(value, s(seconds));
        assert.equal(result.ignored, undefined, `sample at ${seconds} s accepted`);
        steps.push(...result.steps);
    }
    return steps.map((step) => [(step.time - T0) / 1000, step.value]);
}

/** Same values, NaN matching NaN, within 1e-12 relative (a weighted average's last bits depend on the order of the sums). */
function assertSteps(got: [number, number][], want: [number, number][]): void {
    assert.equal(got.length, want.length, `${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
    got.forEach(([time, value], i) => {
        assert.equal(time, want[i][0], `step ${i} end`);
        const expected = want[i][1];
        const close = Object.is(value, expected) || Math.abs(value - expected) <= 1e-12 * Math.abs(expected);
        assert.ok(close, `step ending at ${time} s: ${value}, expected ${expected}`);
    });
}

test('a step is the time-weighted average of the values holding in it', () => {
    // 10 for 4 s, then 20 for 6 s: (40 + 120) / 10.
    assertSteps(
        run(new Resampler({ stepSeconds: 10 }), [
            [0, 10],
            [4, 20],
            [10, 30],
        ]),
        [[10, 16]],
    );
});

test('a step completes when a sample at or after its end arrives, not before', () => {
    const resampler = new Resampler({ stepSeconds: 10 });
    assert.deepEqual(resampler.push(1, s(0)).steps, []);
    assert.deepEqual(resampler.push(2, s(9.999)).steps, []);
    // 1 for 9.999 s, 2 for 0.001 s.
    assertSteps(run(resampler, [[10, 3]]), [[10, (1 * 9.999 + 2 * 0.001) / 10]]);
    assertSteps(run(resampler, [[20, 4]]), [[20, 3]]);
});

test('steps are aligned on multiples of the step since the epoch; the first one averages only from the first sample', () => {
    // The first sample at 3 s: the step [0, 10) is known from 3 s only, so it is 5, not 3.5.
    assertSteps(
        run(new Resampler({ stepSeconds: 10 }), [
            [3, 5],
            [12, 7],
            [20, 0],
        ]),
        [
            [10, 5],
            [20, (5 * 2 + 7 * 8) / 10],
        ],
    );
    // Before the epoch too: -5 s lies in the step [-10 s, 0).
    const early = new Resampler({ stepSeconds: 10 });
    early.push(1, -5000);
    assert.deepEqual(early.push(2, 1000).steps, [{ time: 0, value: 1 }]);
});

test('a gap: the value holds for the heartbeat (2 × step), the steps after it are unknown, and all come out at once', () => {
    // 10 holds from 0 to 20 s; nothing is known from 20 to 55 s; 50 from 55 s.
    assertSteps(
        run(new Resampler({ stepSeconds: 10 }), [
            [0, 10],
            [55, 50],
            [60, 0],
        ]),
        [
            [10, 10],
            [20, 10],
            [30, NaN],
            [40, NaN],
            [50, NaN],
            [60, 50],
        ],
    );
});

test('a heartbeat ending inside a step leaves only its unknown part out of the average', () => {
    // Heartbeat 15 s: 10 holds from 0 to 15 s; unknown from 15 to 18 s; 40 from 18 s. Step [10, 20): (10 × 5 + 40 × 2) / 7.
    assertSteps(
        run(new Resampler({ stepSeconds: 10, heartbeatSeconds: 15 }), [
            [0, 10],
            [18, 40],
            [20, 0],
        ]),
        [
            [10, 10],
            [20, 130 / 7],
        ],
    );
    // With the default heartbeat (20 s), a sample at 25 s: the step [20, 30) is known from 25 s only.
    assertSteps(
        run(new Resampler({ stepSeconds: 10 }), [
            [0, 10],
            [25, 40],
            [30, 0],
        ]),
        [
            [10, 10],
            [20, 10],
            [30, 40],
        ],
    );
});

test('an unknown sample (NaN, or any non-finite number) makes the signal unknown until the next sample', () => {
    // 10 from 0 to 5 s, unknown from 5 to 8 s, 30 from 8 to 10 s: (50 + 60) / 7.
    assertSteps(
        run(new Resampler({ stepSeconds: 10 }), [
            [0, 10],
            [5, NaN],
            [8, 30],
            [10, 0],
        ]),
        [[10, 110 / 7]],
    );
    assertSteps(
        run(new Resampler({ stepSeconds: 10 }), [
            [0, 10],
            [5, Infinity],
            [10, 0],
        ]),
        [[10, 10]],
    );
});

test('a step with no known value at all is NaN; the series goes on after it', () => {
    assertSteps(
        run(new Resampler({ stepSeconds: 10 }), [
            [0, NaN],
            [10, NaN],
            [20, 1],
            [30, 2],
        ]),
        [
            [10, NaN],
            [20, NaN],
            [30, 1],
        ],
    );
});

test('a long gap gives one step per missed step, so that Holt-Winters counts its unknown samples', () => {
    const steps = run(new Resampler({ stepSeconds: 10 }), [
        [0, 7],
        [1000, 8],
    ]);
    assert.equal(steps.length, 100);
    assert.deepEqual(
        steps.slice(0, 3).map(([, v]) => v),
        [7, 7, NaN],
    );
    assert.ok(steps.slice(2).every(([, v]) => Number.isNaN(v)));
    assert.deepEqual(
        steps.map(([t]) => t),
        Array.from({ length: 100 }, (_, i) => 10 * (i + 1)),
    );
});

test('duplicate and out-of-order samples are ignored and reported, and change nothing', () => {
    const resampler = new Resampler({ stepSeconds: 10 });
    resampler.push(10, s(0));
    resampler.push(20, s(5));
    assert.deepEqual(resampler.push(99, s(5)), { steps: [], ignored: 'duplicate' });
    assert.deepEqual(resampler.push(99, s(2)), { steps: [], ignored: 'out-of-order' });
    assertSteps(run(resampler, [[10, 0]]), [[10, 15]]);
});

test('sub-second steps work to the millisecond', () => {
    assertSteps(
        run(new Resampler({ stepSeconds: 0.5 }), [
            [0, 1],
            [0.25, 3],
            [0.5, 0],
            [1, 0],
        ]),
        [
            [0.5, 2],
            [1, 0],
        ],
    );
});

test('bad options are refused', () => {
    for (const stepSeconds of [0, -10, NaN, Infinity, 0.0001]) {
        assert.throws(() => new Resampler({ stepSeconds }), RangeError, `step ${stepSeconds}`);
    }
    assert.throws(() => new Resampler({ stepSeconds: 10, heartbeatSeconds: 5 }), RangeError);
    assert.throws(() => new Resampler({ stepSeconds: 10, heartbeatSeconds: NaN }), RangeError);
    assert.throws(() => new Resampler({ stepSeconds: 10 }).push(1, NaN), RangeError);
});

test('the state survives JSON in the middle of a step, unknown value included, and goes on exactly as without it', () => {
    const samples: [number, number][] = [
        [1, 10],
        [4, 20],
        [7, NaN],
        [12, 30],
        [16, 5],
        [41, 6],
        [50, 0],
    ];
    for (let cut = 0; cut <= samples.length; cut++) {
        const straight = run(new Resampler({ stepSeconds: 10 }), samples);
        const first = new Resampler({ stepSeconds: 10 });
        const before = run(first, samples.slice(0, cut));
        const restored = Resampler.fromJSON(JSON.parse(JSON.stringify(first)), { stepSeconds: 10 });
        assert.deepEqual([...before, ...run(restored, samples.slice(cut))], straight, `cut after ${cut} samples`);
    }
});

test('a state saved with another step or heartbeat, or malformed, is refused', () => {
    const resampler = new Resampler({ stepSeconds: 10 });
    resampler.push(1, s(3));
    const state = JSON.parse(JSON.stringify(resampler)) as Record<string, unknown>;
    assert.throws(() => Resampler.fromJSON(state, { stepSeconds: 60 }), /step of 10000 ms/);
    assert.throws(() => Resampler.fromJSON(state, { stepSeconds: 10, heartbeatSeconds: 30 }), RangeError);
    assert.throws(() => Resampler.fromJSON({ ...state, format: 'other' }, { stepSeconds: 10 }), RangeError);
    assert.throws(() => Resampler.fromJSON({ ...state, stepStart: s(20) }, { stepSeconds: 10 }), /open step/);
    assert.throws(() => Resampler.fromJSON({ ...state, knownMs: 'x' }, { stepSeconds: 10 }), RangeError);
    assert.throws(() => Resampler.fromJSON(null, { stepSeconds: 10 }), RangeError);
    const fresh = Resampler.fromJSON(JSON.parse(JSON.stringify(new Resampler({ stepSeconds: 10 }))), { stepSeconds: 10 });
    assert.deepEqual(fresh.push(1, s(0)), { steps: [] });
});
