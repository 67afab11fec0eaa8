/**
 * `holt-winters` in a real Node-RED runtime (node-red-node-test-helper), on Node-RED 4.1 and 5.0:
 * outputs against the pure core, topics, reset, unknown and bad inputs, bad parameters, failure
 * start/end, horizon, resample timing, the state file across a redeploy and a restart, and close.
 * `RED._` returns keys in the helper, so status texts, errors and warnings are asserted on their keys.
 * The userDir is a fresh temporary folder per test, given to the runtime as the `userDir` setting.
 */
import { afterEach, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import holtWintersNode = require('../../nodes/holt-winters/holt-winters');
import { HoltWinters, type HoltWintersPoint, type HoltWintersSettings } from '../../lib/forecast/holt-winters';
import { describeOnEachRuntime, helper, pastCalls, received, statusMatching } from '../support/node-red';
import { waitFor } from '../support/wait';

type Msg = Record<string, unknown> & { forecast: Record<string, unknown> };
type Spied = { args: unknown[][] };

const SEASON = 12;
const T0 = 1_700_000_000_000;

/** A seasonal shape with deterministic noise, so the band has some width. */
function signal(count: number, seed = 1): number[] {
    let state = seed;
    const noise = () => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return state / 2147483648 - 0.5;
    };
    return Array.from({ length: count }, (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / SEASON) + 2 * noise());
}

function corePoints(values: number[], settings: Partial<HoltWintersSettings> = {}): HoltWintersPoint[] {
    const model = new HoltWinters({ seasonLength: SEASON, ...settings });
    return values.map((v) => model.update(v));
}

/** msg.forecast without the horizon, as the core's point. */
function pointOf(msg: Msg): HoltWintersPoint {
    const { prediction, deviation, upper, lower, seasonal, intercept, slope, violation, failure } =
        msg.forecast as unknown as HoltWintersPoint;
    return { prediction, deviation, upper, lower, seasonal, intercept, slope, violation, failure };
}

function calls(node: unknown, method: 'warn' | 'error'): unknown[][] {
    return (node as Record<string, Spied>)[method].args ?? [];
}

describeOnEachRuntime('holt-winters', () => {
    let userDir: string;

    beforeEach(() => {
        userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'holt-winters-test-'));
        helper.settings({ userDir });
    });
    afterEach(() => {
        fs.rmSync(userDir, { recursive: true, force: true });
    });

    /** As the editor saves it: numbers as strings. */
    const flow = (extra: Record<string, unknown> = {}) => [
        {
            id: 'hw',
            type: 'holt-winters',
            name: '',
            property: 'payload',
            timing: 'message',
            step: '300',
            seasonLength: String(SEASON),
            model: 'additive',
            alpha: '0.1',
            beta: '0.0035',
            gamma: '0.1',
            gammaDeviation: '',
            smoothingWindow: '0.05',
            deltaPos: '2',
            deltaNeg: '2',
            threshold: '7',
            window: '9',
            compat: 'clean',
            horizon: '0',
            wires: [['forecasts'], ['failures']],
            ...extra,
        },
        { id: 'forecasts', type: 'helper' },
        { id: 'failures', type: 'helper' },
        { id: 'c1', type: 'catch', scope: ['hw'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
        { id: 'k1', type: 'complete', scope: ['hw'], uncaught: false, wires: [['completed']] },
        { id: 'completed', type: 'helper' },
    ];
    const stateFile = () => path.join(userDir, 'energy-holt-winters', 'hw.json');

    async function load(extra: Record<string, unknown> = {}) {
        await helper.load(holtWintersNode, flow(extra));
        return {
            hw: helper.getNode('hw'),
            forecasts: received<Msg>(helper.getNode('forecasts')),
            failures: received<Msg>(helper.getNode('failures')),
            caught: received<Msg>(helper.getNode('caught')),
            completed: received<Msg>(helper.getNode('completed')),
        };
    }

    test("every sample comes back with msg.forecast, equal to the pure core's point (NaN during warm-up)", async () => {
        const { hw, forecasts, completed } = await load();
        const values = signal(4 * SEASON);
        values.forEach((v, i) => hw.receive({ payload: v, topic: 'house', extra: i }));
        await waitFor(() => forecasts.length === values.length && completed.length === values.length);
        const want = corePoints(values);
        forecasts.forEach((m, i) => {
            assert.equal(m.payload, values[i]);
            assert.equal(m.extra, i, 'the input message travels on');
            assert.deepEqual(pointOf(m), want[i], `sample ${i}`);
            assert.equal('horizon' in m.forecast, false);
        });
        assert.ok(Number.isNaN(forecasts[SEASON - 1].forecast.prediction), 'no prediction in the first season');
        assert.ok(Number.isFinite(forecasts[SEASON].forecast.prediction));
        assert.ok(Number.isNaN(forecasts[2 * SEASON - 1].forecast.upper), 'no band in the second season');
        assert.ok(Number.isFinite(forecasts[2 * SEASON].forecast.upper));
        const status = await statusMatching(hw, (s) => s.text === 'holt-winters.status.summary' && s.fill === 'green');
        assert.equal(status.shape, 'dot');
    });

    test('one series per msg.topic, the missing topic included', async () => {
        const { hw, forecasts } = await load();
        const a = signal(3 * SEASON, 1);
        const b = signal(3 * SEASON, 2).map((v) => 3 * v);
        for (let i = 0; i < a.length; i++) {
            hw.receive({ payload: a[i], topic: 'a' });
            hw.receive({ payload: b[i] });
        }
        await waitFor(() => forecasts.length === 2 * a.length);
        const [wantA, wantB] = [corePoints(a), corePoints(b)];
        assert.deepEqual(forecasts.filter((m) => m.topic === 'a').map(pointOf), wantA);
        assert.deepEqual(forecasts.filter((m) => m.topic === undefined).map(pointOf), wantB);
    });

    test("msg.reset = true clears that topic's series only, sends nothing, and completes", async () => {
        const { hw, forecasts, completed } = await load();
        const values = signal(2 * SEASON + 1);
        for (const v of values) {
            hw.receive({ payload: v, topic: 'a' });
            hw.receive({ payload: v, topic: 'b' });
        }
        hw.receive({ reset: true, topic: 'a', payload: 1 });
        await waitFor(() => completed.length === 2 * values.length + 1);
        assert.equal(forecasts.length, 2 * values.length, 'a reset sends nothing');
        hw.receive({ payload: 100, topic: 'a' });
        hw.receive({ payload: 100, topic: 'b' });
        await waitFor(() => forecasts.length === 2 * values.length + 2);
        const [a, b] = forecasts.slice(-2);
        assert.deepEqual(pointOf(a), corePoints([100])[0], 'topic a starts again');
        assert.deepEqual(pointOf(b), corePoints([...values, 100])[values.length]);
    });

    test("NaN and null are unknown samples: the core's points for NaN, no error", async () => {
        const { hw, forecasts, caught } = await load();
        const values = signal(3 * SEASON);
        const sent: unknown[] = values.map((v, i) => (i === 5 ? null : i === 30 ? NaN : v));
        for (const v of sent) hw.receive({ payload: v });
        await waitFor(() => forecasts.length === values.length);
        assert.deepEqual(forecasts.map(pointOf), corePoints(values.map((v, i) => (i === 5 || i === 30 ? NaN : v))));
        assert.equal(forecasts[30].forecast.violation, true, 'an unknown sample counts as a violation once the band is known');
        assert.equal(caught.length, 0);
    });

    test('a value that is not a number: done(err) reaches Catch, red status, counted, and the node keeps working', async () => {
        const { hw, forecasts, caught } = await load({ property: 'reading.watts' });
        hw.receive({ reading: { watts: '42' } });
        await waitFor(() => caught.length === 1);
        assert.equal((caught[0].error as { message: string }).message, 'Error: holt-winters.errors.input');
        await statusMatching(hw, (s) => s.text === 'holt-winters.status.badInput' && s.fill === 'red');
        hw.receive({ reading: { watts: 42 }, timestamp: 'yesterday' });
        await waitFor(() => caught.length === 2);
        assert.equal((caught[1].error as { message: string }).message, 'Error: holt-winters.errors.timestamp');
        hw.receive({ reading: { watts: 42 } });
        await waitFor(() => forecasts.length === 1);
        assert.equal(forecasts[0].forecast.intercept, 42);
    });

    const badParameters: [string, Record<string, unknown>, string][] = [
        ['alpha = 1', { alpha: '1' }, 'holt-winters.errors.parameters'],
        ['beta > 1', { beta: '1.5' }, 'holt-winters.errors.parameters'],
        ['gamma = 0', { gamma: '0' }, 'holt-winters.errors.parameters'],
        ['threshold > window', { threshold: '10', window: '9' }, 'holt-winters.errors.parameters'],
        ['window > 28', { threshold: '7', window: '29' }, 'holt-winters.errors.parameters'],
        ['seasonLength < 2', { seasonLength: '1' }, 'holt-winters.errors.parameters'],
        ['an unknown model', { model: 'exponential' }, 'holt-winters.errors.parameters'],
        ['no season length', { seasonLength: '' }, 'holt-winters.errors.required'],
        ['resample without a step', { timing: 'resample', step: '' }, 'holt-winters.errors.required'],
        ['an unknown timing', { timing: 'hourly' }, 'holt-winters.errors.timing'],
        ['alpha not a number', { alpha: 'abc' }, 'holt-winters.errors.notANumber'],
        ['a bad property expression', { property: 'payload[' }, 'holt-winters.errors.property'],
    ];
    for (const [what, props, key] of badParameters) {
        test(`bad parameters (${what}): red status with the reason, a catchable error at start and for every message`, async () => {
            const { hw, forecasts } = await load(props);
            const status = await statusMatching(hw, (s) => s.fill === 'red');
            assert.equal(status.text, key);
            const [[startError, startMessage]] = pastCalls(hw, 'error');
            assert.ok(String(startError).startsWith(`${key} (`), String(startError));
            assert.equal((startMessage as { topic: string }).topic, 'holt-winters');
            hw.receive({ payload: 1 });
            // The Catch node gets the error raised at start, then the one the message was answered with.
            const c1 = helper.getNode('c1');
            await waitFor(() => pastCalls(c1, 'send').length === 2);
            const messages = pastCalls(c1, 'send').map(([caught]) => (caught as { error: { message: string } }).error.message);
            assert.deepEqual(messages, [startError, `Error: ${String(startError)}`]);
            assert.equal(forecasts.length, 0);
        });
    }

    test('output 2: exactly one "start" and one "end" around a sustained excursion', async () => {
        const { hw, forecasts, failures } = await load();
        const values = signal(10 * SEASON);
        for (let i = 6 * SEASON; i < 6 * SEASON + 10; i++) values[i] += 60;
        values.forEach((v, i) => hw.receive({ payload: v, topic: 'house', timestamp: T0 + i * 60_000 }));
        await waitFor(() => forecasts.length === values.length);
        await new Promise((r) => setTimeout(r, 50));
        const flags = corePoints(values).map((p) => p.failure);
        const start = flags.indexOf(true);
        const end = flags.indexOf(false, start);
        assert.ok(start > 0 && end > start && flags.indexOf(true, end) === -1, 'one failure in the core');
        assert.deepEqual(
            failures.map((m) => (m.payload as { state: string }).state),
            ['start', 'end'],
        );
        const [started, ended] = failures.map((m) => m.payload as Record<string, number>);
        assert.equal(failures[0].topic, 'house');
        assert.deepEqual(Object.keys(started), ['state', 'time', 'value', 'prediction', 'upper', 'lower', 'violations', 'window']);
        assert.equal(started.time, T0 + start * 60_000);
        assert.equal(started.value, values[start]);
        assert.equal(started.upper, forecasts[start].forecast.upper);
        assert.equal(started.violations, 7);
        assert.equal(started.window, 9);
        assert.equal(ended.time, T0 + end * 60_000);
        assert.ok(ended.violations < 7);
    });

    test('horizon: the next steps forecast, dated by the median spacing of the timestamps', async () => {
        const { hw, forecasts } = await load({ horizon: '3' });
        const values = signal(3 * SEASON);
        values.forEach((v, i) => hw.receive({ payload: v, timestamp: T0 + i * 300_000 }));
        await waitFor(() => forecasts.length === values.length);
        const model = new HoltWinters({ seasonLength: SEASON });
        values.forEach((v) => model.update(v));
        const horizon = forecasts[forecasts.length - 1].forecast.horizon as {
            time: number;
            prediction: number;
            upper: number;
            lower: number;
        }[];
        const last = T0 + (values.length - 1) * 300_000;
        assert.deepEqual(
            horizon.map((h) => h.time),
            [last + 300_000, last + 600_000, last + 900_000],
        );
        assert.deepEqual(
            horizon.map(({ prediction, upper, lower }) => ({ prediction, upper, lower })),
            model.forecast(3),
        );
    });

    test("resample timing: one message per completed step with its average, its end as msg.timestamp, and the core's point", async () => {
        const { hw, forecasts, completed } = await load({ timing: 'resample', step: '10', seasonLength: '4', horizon: '1' });
        // Two samples per 10 s step: 10 for the first 4 s, 20 for the last 6 s → 16 each step.
        const times: number[] = [];
        for (let step = 0; step < 12; step++) times.push(T0 + step * 10_000, T0 + step * 10_000 + 4_000);
        times.forEach((t, i) => hw.receive({ payload: i % 2 === 0 ? 10 : 20, topic: 'meter', timestamp: t, extra: true }));
        await waitFor(() => completed.length === times.length);
        assert.equal(forecasts.length, 11, 'the twelfth step is still open');
        const model = new HoltWinters({ seasonLength: 4 });
        forecasts.forEach((m, i) => {
            assert.equal(m.topic, 'meter');
            assert.equal(m.payload, 16);
            assert.equal(m.timestamp, T0 + (i + 1) * 10_000);
            assert.equal(m.extra, undefined, 'a step message is a new message');
            assert.deepEqual(pointOf(m), model.update(16));
            assert.equal((m.forecast.horizon as { time: number }[])[0].time, T0 + (i + 2) * 10_000);
        });
        // A gap: the open step completes, the last value holds for the heartbeat (20 s, to 134 s),
        // and the steps after it come out unknown, all at once.
        hw.receive({ payload: 30, topic: 'meter', timestamp: T0 + 160_000 });
        await waitFor(() => forecasts.length === 16);
        assert.deepEqual(
            forecasts.slice(11).map((m) => m.payload),
            [16, 20, 20, NaN, NaN],
        );
        // Out of order: ignored, one warning, counted in the status.
        hw.receive({ payload: 1, topic: 'meter', timestamp: T0 });
        hw.receive({ payload: 1, topic: 'meter', timestamp: T0 + 1 });
        await waitFor(() => completed.length === times.length + 3);
        assert.equal(forecasts.length, 16);
        assert.deepEqual(
            calls(hw, 'warn')
                .filter((a) => String(a[0]).startsWith('holt-winters.warnings.'))
                .map((a) => a[0]),
            ['holt-winters.warnings.out-of-order'],
        );
    });

    test('the state survives a redeploy and a restart, per topic, and goes on as if never stopped', async () => {
        const values = signal(5 * SEASON);
        const want = { a: corePoints(values), b: corePoints(values.map((v) => v * 2)) };
        const feed = (from: number, to: number) => {
            const hw = helper.getNode('hw');
            for (let i = from; i < to; i++) {
                hw.receive({ payload: values[i], topic: 'a' });
                hw.receive({ payload: values[i] * 2, topic: 'b' });
            }
        };
        let { forecasts } = await load();
        feed(0, 2 * SEASON);
        await waitFor(() => forecasts.length === 4 * SEASON);

        // Redeploy (full): the node closes, saves, and the new instance reads the file.
        await helper.setFlows(flow(), 'full');
        assert.ok(fs.existsSync(stateFile()), 'saved on close');
        forecasts = received<Msg>(helper.getNode('forecasts'));
        feed(2 * SEASON, 3 * SEASON);
        await waitFor(() => forecasts.length === 2 * SEASON);

        // Restart: the runtime stops, then starts again with the same flow.
        await helper.unload();
        ({ forecasts } = await load());
        feed(3 * SEASON, 5 * SEASON);
        await waitFor(() => forecasts.length === 4 * SEASON);
        assert.deepEqual(forecasts.filter((m) => m.topic === 'a').map(pointOf), want.a.slice(3 * SEASON));
        assert.deepEqual(forecasts.filter((m) => m.topic === 'b').map(pointOf), want.b.slice(3 * SEASON));
        assert.equal(calls(helper.getNode('hw'), 'warn').length, 0);
    });

    test('resample timing: the open step survives a restart too', async () => {
        const props = { timing: 'resample', step: '10', seasonLength: '4' };
        let { hw, forecasts } = await load(props);
        hw.receive({ payload: 10, timestamp: T0 });
        hw.receive({ payload: 20, timestamp: T0 + 4_000 });
        await helper.unload();
        ({ hw, forecasts } = await load(props));
        hw.receive({ payload: 0, timestamp: T0 + 10_000 });
        await waitFor(() => forecasts.length === 1);
        assert.equal(forecasts[0].payload, 16);
    });

    test('changed parameters: every series starts afresh, with a warning naming them', async () => {
        let { hw, forecasts } = await load();
        signal(2 * SEASON).forEach((v) => hw.receive({ payload: v }));
        await waitFor(() => forecasts.length === 2 * SEASON);
        await helper.unload();
        ({ hw, forecasts } = await load({ alpha: '0.2' }));
        assert.ok(
            calls(hw, 'warn').some((a) => a[0] === 'holt-winters.warnings.parametersChanged'),
            JSON.stringify(calls(hw, 'warn')),
        );
        hw.receive({ payload: 100 });
        await waitFor(() => forecasts.length === 1);
        assert.deepEqual(pointOf(forecasts[0]), corePoints([100], { alpha: 0.2 })[0]);
    });

    test('an unreadable state file: a warning, and a fresh start', async () => {
        fs.mkdirSync(path.dirname(stateFile()), { recursive: true });
        fs.writeFileSync(stateFile(), '{ not json');
        const { hw, forecasts } = await load();
        assert.ok(calls(hw, 'warn').some((a) => a[0] === 'holt-winters.warnings.unreadableState'));
        hw.receive({ payload: 5 });
        await waitFor(() => forecasts.length === 1);
    });

    test('deleting the node deletes its state file', async () => {
        const { hw, forecasts } = await load();
        hw.receive({ payload: 5 });
        await waitFor(() => forecasts.length === 1);
        await helper.setFlows(flow(), 'full');
        assert.ok(fs.existsSync(stateFile()));
        await helper.setFlows(
            flow().filter((n) => n.id !== 'hw' && n.id !== 'c1' && n.id !== 'k1'),
            'full',
        );
        assert.equal(fs.existsSync(stateFile()), false);
    });

    test('close releases the save and status timers and saves the state', async () => {
        const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
        const before = timers();
        const { hw, forecasts } = await load();
        for (let i = 0; i < 5; i++) hw.receive({ payload: i });
        await waitFor(() => forecasts.length === 5);
        assert.ok(timers() > before, 'a save (and a status) timer is pending');
        const started = Date.now();
        await helper.unload();
        assert.ok(Date.now() - started < 2000, 'close does not wait for the save timer');
        assert.equal(timers(), before);
        const saved = JSON.parse(fs.readFileSync(stateFile(), 'utf8')) as { format: string; series: { topic: string }[] };
        assert.equal(saved.format, 'energy-holt-winters/1');
        assert.deepEqual(
            saved.series.map((s) => s.topic),
            [''],
        );
    });
});
