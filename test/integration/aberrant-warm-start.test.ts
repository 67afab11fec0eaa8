/**
 * The shipped aberrant-consumption flow's warm start, in a real Node-RED 4.1 reading a real
 * InfluxDB (scripts/stack/influxd): fourteen days of the demo meter's household load curve are
 * written as the Home Linky flow's store writes them (measurement teleinfo, tag meter, field PAPP,
 * one frame a minute), then the first live samples arrive:
 *
 * - the history goes into holt-winters before them, so the very first live steps have a band
 *   (no two-day wait), and every seeded and live step is stored once;
 * - a meter without history starts cold, as before;
 * - after a redeploy and after a restart, the history is not replayed: the 'warmStart' flag in the
 *   'file' store says so, and holt-winters never warns about samples older than its last one.
 *
 * Live samples come through a test-only tab, as in aberrant-alert.test.ts; what the flow stored
 * is read back from InfluxDB, the flag through the admin API.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { influxQuery, influxWrite, startInfluxd, type Influxd } from '../../scripts/stack/influxd';
import { deployFlows, startNodeRed, type NodeRedProcess, flowContext as readFlowContext } from '../../scripts/stack/node-red';
import { HouseholdModel } from '../../sim/tic-frames';
import { projectRoot } from '../support/paths';
import { eventually } from '../support/wait';
import { sampleFeedTab } from '../support/sample-feed';

const FLOW = 'aberrant-consumption';
const METER = '021975348497';
/** A meter the store has never seen: no history to seed from. */
const NEW_METER = '021975340000';
const DATABASE = 'warm_start_test';

const MINUTE_MS = 60_000;
const STEP_MS = 5 * MINUTE_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;
const HISTORY_DAYS = 14;
/** The first live sample: local midnight in Paris, fourteen days after the history starts. */
const LIVE_START = Date.parse('2025-01-20T00:00:00+01:00');
const HISTORY_START = LIVE_START - HISTORY_DAYS * DAY_MS;

const feedTab = sampleFeedTab('warm-start-test', 'aberrant-link-in-papp');

const household = new HouseholdModel(1);
/** The Home meter's PAPP at a minute, to the nearest 10 VA as the meter reports it. */
const papp = (time: number) => Math.round(household.consumptionVa(new Date(time)) / 10) * 10;

let dir: string;
let userDir: string;
let flows: unknown[];
let influxd: Influxd;
let nodeRed: NodeRedProcess;
const earlierLogs: string[] = [];

function startFlows(): Promise<NodeRedProcess> {
    return startNodeRed({
        userDir,
        runtime: 'node-red',
        env: { INFLUX_HOST: influxd.host, INFLUX_PORT: String(influxd.port), INFLUX_DB: DATABASE },
    });
}

before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aberrant-warm-start-'));
    influxd = await startInfluxd({ dataDir: path.join(dir, 'influxdb') });
    await influxQuery(influxd.url, undefined, `CREATE DATABASE ${DATABASE}`);
    const lines: string[] = [];
    for (let time = HISTORY_START; time < LIVE_START; time += MINUTE_MS) lines.push(`teleinfo,meter=${METER} PAPP=${papp(time)}i ${time}`);
    // Another meter's frames in the same measurement: the history read must be this meter's only.
    for (let time = HISTORY_START; time < LIVE_START; time += 10 * MINUTE_MS) lines.push(`teleinfo,meter=021975349999 PAPP=99990i ${time}`);
    for (let i = 0; i < lines.length; i += 10_000) await influxWrite(influxd.url, DATABASE, lines.slice(i, i + 10_000).join('\n'), 'ms');

    userDir = path.join(dir, 'node-red');
    fs.mkdirSync(userDir);
    const shipped = JSON.parse(fs.readFileSync(path.join(projectRoot, 'flows', 'aberrant-consumption.json'), 'utf8')) as unknown[];
    flows = [...shipped, ...feedTab.nodes];
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
    nodeRed = await startFlows();
});

after(async () => {
    await nodeRed?.stop();
    await influxd?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

/** A value of the flow's 'file' context store, undefined when unset. */
function flowContext<T>(key: string): Promise<T | undefined> {
    return readFlowContext<T>(nodeRed.url, FLOW, key, 'file');
}

/** One sample a minute of `meter` from `from` to `to` (excluded). */
async function feed(meter: string, from: number, to: number): Promise<void> {
    const samples = [];
    for (let time = from; time < to; time += MINUTE_MS) samples.push({ topic: meter, payload: papp(time), timestamp: time });
    const res = await fetch(`${nodeRed.url}${feedTab.path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(samples),
    });
    assert.equal(res.status, 200, `POST samples: ${await res.text()}`);
}

/** Waits for the test tab's endpoint after a deploy: the flows start after the deploy is answered. */
async function feedOpen(): Promise<void> {
    await eventually(async () => {
        const res = await fetch(`${nodeRed.url}${feedTab.path}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: '[]',
        });
        await res.text();
        return res.status === 200 ? true : undefined;
    });
}

interface StoredStep {
    time: number;
    value: number | null;
    prediction: number | null;
    upper: number | null;
}

/** The steps the flow stored for `meter` (apparent_power_forecast), oldest first, once there are `count`. */
async function storedSteps(meter: string, count: number): Promise<StoredStep[]> {
    let steps: StoredStep[] = [];
    try {
        return await eventually(
            async () => {
                const [result] = await influxQuery(
                    influxd.url,
                    DATABASE,
                    `SELECT value, prediction, upper FROM apparent_power_forecast WHERE meter = '${meter}'`,
                );
                steps = (result.series?.[0].values ?? []).map(([time, value, prediction, upper]) => ({
                    time: Date.parse(time as string),
                    value: value as number | null,
                    prediction: prediction as number | null,
                    upper: upper as number | null,
                }));
                return steps.length >= count ? steps : undefined;
            },
            60_000,
            250,
        );
    } catch {
        throw new Error(`${steps.length} steps stored for ${meter}, expected ${count}`);
    }
}

const SEEDED_STEPS = HISTORY_DAYS * 288;
let feedsUntil = LIVE_START;

test('the history seeds the model before the first live samples: a band from the first live step', { timeout: 120_000 }, async () => {
    // Two hours of live samples, in four posts: the later ones arrive while the history is still being read.
    for (let i = 1; i <= 4; i++) {
        await feed(METER, feedsUntil, LIVE_START + i * 30 * MINUTE_MS);
        feedsUntil = LIVE_START + i * 30 * MINUTE_MS;
    }
    // The last sample completes every step before its own.
    const liveSteps = ((feedsUntil - MINUTE_MS - LIVE_START) / STEP_MS) | 0;
    const steps = await storedSteps(METER, SEEDED_STEPS + liveSteps);
    assert.equal(steps.length, SEEDED_STEPS + liveSteps, 'each seeded and live step stored once');
    // A step is stored at its end.
    assert.equal(steps[0].time, HISTORY_START + STEP_MS);
    assert.ok(
        steps.every((s, i) => i === 0 || s.time - steps[i - 1].time === STEP_MS),
        'one step every 5 minutes, none missing',
    );

    // The seeded steps are this meter's 5-minute means, not the other meter's.
    const firstStep = Array.from({ length: 5 }, (_, i) => papp(HISTORY_START + i * MINUTE_MS));
    assert.ok(Math.abs(steps[0].value! - firstStep.reduce((a, b) => a + b) / 5) < 1e-9, `first step ${steps[0].value}`);
    assert.ok(steps.slice(0, SEEDED_STEPS).every((s) => s.value !== null && s.value < 20_000));

    const live = steps.filter((s) => s.time > LIVE_START);
    assert.equal(live.length, liveSteps);
    assert.ok(
        live.every((s) => Number.isFinite(s.upper) && Number.isFinite(s.prediction)),
        `bands from the first live step: ${JSON.stringify(live.slice(0, 3))}`,
    );
    // The night base of ~300 VA lies inside what the model learnt of the previous nights.
    assert.ok(
        live.every((s) => s.value! <= s.upper!),
        JSON.stringify(live.filter((s) => s.value! > s.upper!)),
    );

    assert.deepEqual(await flowContext('warmStart'), { [METER]: { until: LIVE_START, samples: SEEDED_STEPS } });
});

test('a meter without history starts cold: its samples go through, the band comes after two days', { timeout: 60_000 }, async () => {
    await feed(NEW_METER, LIVE_START, LIVE_START + 61 * MINUTE_MS);
    const steps = await storedSteps(NEW_METER, 12);
    assert.equal(steps.length, 12);
    assert.equal(steps[0].time, LIVE_START + STEP_MS);
    assert.ok(steps.every((s) => s.upper === null && s.prediction === null));
    const flags = await flowContext<Record<string, unknown>>('warmStart');
    assert.deepEqual(flags?.[NEW_METER], { until: LIVE_START, samples: 0 });
});

test('a redeploy and a restart do not replay the history', { timeout: 120_000 }, async () => {
    const before = await storedSteps(METER, 0);
    await deployFlows(nodeRed.url, flows);
    await feedOpen();
    await feed(METER, feedsUntil, feedsUntil + 30 * MINUTE_MS);
    feedsUntil += 30 * MINUTE_MS;
    await storedSteps(METER, before.length + 6);

    earlierLogs.push(nodeRed.logs());
    await nodeRed.stop();
    nodeRed = await startFlows();
    // Node-RED answers before its flows have started: the test tab's endpoint comes with them.
    await feedOpen();
    await feed(METER, feedsUntil, feedsUntil + 30 * MINUTE_MS);
    feedsUntil += 30 * MINUTE_MS;
    const steps = await storedSteps(METER, before.length + 12);
    assert.equal(steps.length, before.length + 12);
    assert.ok(
        steps.slice(before.length).every((s) => Number.isFinite(s.upper)),
        'the model kept its state',
    );

    const flags = await flowContext<Record<string, unknown>>('warmStart');
    assert.deepEqual(flags?.[METER], { until: LIVE_START, samples: SEEDED_STEPS });
    // A second seed would reach holt-winters after newer samples, and it would warn that they were ignored.
    const logs = [...earlierLogs, nodeRed.logs()].join('\n');
    assert.ok(
        !/was ignored/.test(logs),
        logs
            .split('\n')
            .filter((l) => /was ignored/.test(l))
            .join('\n'),
    );
    assert.deepEqual(
        logs.split('\n').filter((l) => /\[error\]/.test(l)),
        [],
    );
});
