/**
 * `influx-history` (with its `influx-server`) in a real Node-RED runtime (node-red-node-test-helper),
 * on Node-RED 4.1 and 5.0, reading the real Debian influxd started privately in a temp folder:
 * day / week / month / year charts from written data with known values (energy per local day
 * across both daylight saving changes of 2024 in Europe/Paris), the meter filter, errors, and
 * the samples output (epoch-aligned intervals, nulls where no point fell, the meter as topic), and
 * the managed retention: policies and continuous queries as the builder states them, their
 * SELECT … INTO run once by hand, and the views then read from the rollups.
 * `RED._` returns keys in the helper, so status texts and errors are asserted on their keys.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import influxHistory = require('../../nodes/influx-history/influx-history');
import influxServer = require('../../nodes/influx-server/influx-server');
import { type ChartPayload, type HistorySample } from '../../lib/store/history-query';
import { TimeZone } from '../../lib/util/time-zone';
import { continuousQueries, rollupStatements } from '../../lib/store/retention';
import { influxQuery, influxWrite, startInfluxd, type Influxd } from '../../scripts/stack/influxd';
import { freePort } from '../../scripts/stack/service';
import { describeOnEachRuntime, helper, received, spiedCalls, statusMatching } from '../support/node-red';
import { eventually, waitFor } from '../support/wait';

type Msg = Record<string, unknown>;

const paris = new TimeZone('Europe/Paris');
const at = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The history database: two meters from 1 December 2023 to 31 December 2024, a point every 10
 * minutes. m1's index grows 100 Wh a point (0.6 kWh an hour), m2's 50 Wh; PAPP is 100 × the
 * local hour, so that each hour's mean is known.
 */
const HISTORY_DB = 'history';
const DATA_START = at('2023-12-01T00:00:00+01:00');
const DATA_END = at('2025-01-01T00:00:00+01:00');

let workDir: string;
let influxd: Influxd;
let sequence = 0;

before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'influx-history-test-'));
    influxd = await startInfluxd({ dataDir: path.join(workDir, 'influxd'), continuousQueries: false });
    await influxQuery(influxd.url, undefined, `CREATE DATABASE ${HISTORY_DB}`);
    let lines: string[] = [];
    for (let time = DATA_START, i = 0; time < DATA_END; time += 10 * MINUTE, i++) {
        const papp = paris.wallClock(time).hour * 100;
        lines.push(
            `linky,meter=m1 BASE=${10_000_000 + i * 100}i,PAPP=${papp}i ${time}`,
            `linky,meter=m2 BASE=${20_000_000 + i * 50}i,PAPP=${papp / 2}i ${time}`,
        );
        if (lines.length >= 10_000) {
            await influxWrite(influxd.url, HISTORY_DB, lines.join('\n'), 'ms');
            lines = [];
        }
    }
    await influxWrite(influxd.url, HISTORY_DB, lines.join('\n'), 'ms');
});

after(async () => {
    await influxd.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
});

/** The local date (YYYY-MM-DD) of an interval's start, and its value. */
function byLocalDay(points: { x: number; y: number | null }[]): [string, number | null][] {
    return points.map((p) => [new Date(p.x + paris.offset(p.x)).toISOString().slice(0, 10), p.y]);
}

describeOnEachRuntime('influx-history', (runtime) => {
    async function historyFlow(history: Record<string, unknown> = {}, server: Record<string, unknown> = {}) {
        const n = ++sequence;
        const ids = { history: `history-${n}`, server: `server-${n}`, out: `out-${n}`, caught: `caught-${n}` };
        const flow: ({ id: string; type: string } & Record<string, unknown>)[] = [
            { id: ids.server, type: 'influx-server', host: '127.0.0.1', port: influxd.port, database: HISTORY_DB, ...server },
            {
                id: ids.history,
                type: 'influx-history',
                server: ids.server,
                measurement: 'linky',
                meter: 'm1',
                fields: [
                    { name: 'PAPP', kind: 'power', label: '' },
                    { name: 'BASE', kind: 'energy', label: 'Energy' },
                ],
                wires: [[ids.out]],
                ...history,
            },
            { id: ids.out, type: 'helper' },
            { id: `catch-${n}`, type: 'catch', scope: [ids.history], uncaught: false, wires: [[ids.caught]] },
            { id: ids.caught, type: 'helper' },
        ];
        await helper.load([influxServer, influxHistory], flow);
        return {
            ids,
            history: helper.getNode(ids.history),
            out: received(helper.getNode(ids.out)),
            caught: received(helper.getNode(ids.caught)),
        };
    }

    async function chart(msg: Msg, history: Record<string, unknown> = {}): Promise<{ chart: ChartPayload[0]; msg: Msg; node: unknown }> {
        const flow = await historyFlow(history);
        flow.history.receive(msg);
        await waitFor(() => flow.out.length === 1, 10_000);
        return { chart: (flow.out[0].payload as ChartPayload)[0], msg: flow.out[0], node: flow.history };
    }

    test('month across the spring change: energy per local day from index differences, 23 hours on 31 March', async () => {
        const { chart: month, msg, node } = await chart({ payload: 'month', end: '2024-04-05T12:00:00+02:00' });
        assert.deepEqual(month.series, ['PAPP', 'Energy']);
        assert.deepEqual(month.labels, ['']);
        const energy = byLocalDay(month.data[1]);
        assert.equal(energy.length, 31);
        assert.deepEqual(energy[0], ['2024-03-06', 14.4]);
        assert.deepEqual(
            energy.find(([day]) => day === '2024-03-31'),
            ['2024-03-31', 13.8],
        );
        assert.ok(
            energy.every(([day, kWh]) => kWh === (day === '2024-03-31' ? 13.8 : 14.4)),
            JSON.stringify(energy),
        );
        // 23 hours without 02:00: the mean of 0…23 but 2, × 100.
        assert.equal(month.data[0].find((p) => p.x === at('2024-03-31T00:00:00+01:00'))!.y, Number(((27_600 - 200) / 23).toPrecision(12)));
        assert.equal(month.data[0][0].y, 1150);
        assert.deepEqual(msg.history, {
            range: 'month',
            start: at('2024-03-06T00:00:00+01:00'),
            end: at('2024-04-06T00:00:00+02:00'),
            interval: '1d',
            source: 'raw',
            energyUnit: 'kWh',
            query: (msg.history as { query: string }).query,
        });
        await statusMatching(node, (s) => s.fill === 'green' && s.text === 'influx-history.status.done');
    });

    test('month across the autumn change: 25 hours on 27 October; energy in Wh', async () => {
        const { chart: month } = await chart(
            { range: 'month', payload: 'ignored when msg.range is set', end: at('2024-11-05T08:00:00+01:00') },
            { energyUnit: 'Wh' },
        );
        const energy = byLocalDay(month.data[1]);
        assert.deepEqual(
            energy.find(([day]) => day === '2024-10-27'),
            ['2024-10-27', 15_000],
        );
        assert.ok(
            energy.every(([day, wh]) => wh === (day === '2024-10-27' ? 15_000 : 14_400)),
            JSON.stringify(energy),
        );
    });

    test('day: 144 ten-minute intervals; week: 168 hours; power is the mean, energy the difference', async () => {
        const { chart: day, msg } = await chart({ payload: 'day', end: at('2024-06-15T12:05:00+02:00') });
        assert.equal(day.data[0].length, 144);
        assert.equal(day.data[1][0].x, at('2024-06-14T12:10:00+02:00'));
        assert.ok(
            day.data[1].every((p) => p.y === 0.1),
            'each 10 minutes: 100 Wh',
        );
        assert.deepEqual(
            day.data[0].slice(0, 6).map((p) => p.y),
            [1200, 1200, 1200, 1200, 1200, 1300],
        );
        assert.equal((msg.history as { interval: string }).interval, '10m');
        await helper.unload();

        const { chart: week } = await chart({ payload: 'WEEK ', end: at('2024-06-15T12:05:00+02:00') });
        assert.equal(week.data[1].length, 168);
        assert.equal(week.data[1][167].x, at('2024-06-15T12:00:00+02:00'));
        assert.ok(
            week.data[1].every((p) => p.y === 0.6),
            'each hour: 600 Wh',
        );
        assert.ok(week.data[0].every((p) => p.y === paris.wallClock(p.x).hour * 100));
    });

    test('year: twelve calendar months, the energy of each from its days', async () => {
        const { chart: year, msg } = await chart({ payload: 'year', end: at('2024-12-15T12:00:00+01:00') });
        const hours = [744, 696, 743, 720, 744, 720, 744, 744, 720, 745, 720, 744];
        assert.deepEqual(
            byLocalDay(year.data[1]).map(([month]) => month),
            hours.map((_, i) => `2024-${String(i + 1).padStart(2, '0')}-01`),
        );
        assert.deepEqual(
            year.data[1].map((p) => p.y),
            hours.map((h) => Number((h * 0.6).toPrecision(12))),
        );
        assert.equal((msg.history as { interval: string }).interval, 'month');
    });

    test("the meter: the node's, or msg.meter; another meter has its own energy", async () => {
        const { chart: m2 } = await chart({ payload: 'month', end: at('2024-06-15T12:00:00+02:00') }, { meter: 'm2' });
        assert.ok(m2.data[1].every((p) => p.y === 7.2));
        await helper.unload();
        const { chart: overridden } = await chart({ payload: 'month', meter: 'm2', end: at('2024-06-15T12:00:00+02:00') });
        assert.deepEqual(overridden.data[1], m2.data[1]);
    });

    test('samples: the first field per epoch-aligned interval, oldest first, null where no point fell, the meter as topic', async () => {
        const flow = await historyFlow({ output: 'samples', interval: 300, meter: 'm2' });
        // Points every 10 minutes in 5-minute intervals: every other interval is empty.
        flow.history.receive({ topic: 'ignored', days: 1, end: at('2024-06-15T12:07:00+02:00') });
        await waitFor(() => flow.out.length === 1, 10_000);
        const samples = flow.out[0].payload as HistorySample[];
        assert.equal(flow.out[0].topic, 'm2');
        assert.equal(samples.length, 288);
        assert.equal(samples[0].timestamp, at('2024-06-14T12:05:00+02:00'));
        assert.equal(samples[287].timestamp, at('2024-06-15T12:00:00+02:00'));
        assert.ok(samples.every((s, i) => i === 0 || s.timestamp - samples[i - 1].timestamp === 300_000));
        assert.deepEqual(
            samples.slice(0, 4).map((s) => s.value),
            [null, 600, null, 600],
        );
        assert.ok(samples.every((s) => s.value === (s.timestamp % 600_000 === 0 ? paris.wallClock(s.timestamp).hour * 50 : null)));
        const history = flow.out[0].history as Record<string, unknown>;
        assert.deepEqual(
            { ...history, query: undefined },
            {
                days: 1,
                start: at('2024-06-14T12:05:00+02:00'),
                end: at('2024-06-15T12:05:00+02:00'),
                interval: 300,
                field: 'PAPP',
                source: 'raw',
                energyUnit: 'kWh',
                query: undefined,
            },
        );
        await statusMatching(flow.history, (s) => s.fill === 'green' && s.text === 'influx-history.status.done');

        // A named range, hourly: each hour's mean of its six points.
        flow.history.receive({ payload: 'week', end: at('2024-06-15T12:07:00+02:00') });
        await waitFor(() => flow.out.length === 2, 10_000);
        const week = flow.out[1].payload as HistorySample[];
        assert.equal(week.length, 7 * 288);
        await helper.unload();
        const hourly = await historyFlow({ output: 'samples', interval: 3600 });
        hourly.history.receive({ payload: '7', end: at('2024-06-15T12:07:00+02:00') });
        await waitFor(() => hourly.out.length === 1, 10_000);
        const hours = hourly.out[0].payload as HistorySample[];
        assert.equal(hours.length, 168);
        assert.equal(hours[167].timestamp, at('2024-06-15T11:00:00+02:00'));
        assert.ok(hours.every((s) => s.value === paris.wallClock(s.timestamp).hour * 100));

        hourly.history.receive({ days: -3 });
        await waitFor(() => hourly.caught.length === 1);
        assert.equal((hourly.caught[0].error as { message: string }).message, 'Error: influx-history.errors.days');
        hourly.history.receive({ payload: 'fortnight' });
        await waitFor(() => hourly.caught.length === 2);
        assert.equal((hourly.caught[1].error as { message: string }).message, 'Error: influx-history.errors.days');
        assert.equal(hourly.out.length, 1);
    });

    test('a bad output or interval is refused at deploy', async () => {
        const flow = await historyFlow({ output: 'samples', interval: 2.5 });
        await statusMatching(flow.history, (s) => s.fill === 'red' && s.text === 'influx-history.errors.interval');
        await helper.unload();
        const other = await historyFlow({ output: 'table' });
        await statusMatching(other.history, (s) => s.fill === 'red' && s.text === 'influx-history.errors.output');
    });

    test('an unknown range or time: a catchable error, red status, nothing sent', async () => {
        const flow = await historyFlow();
        flow.history.receive({ payload: 'fortnight' });
        await waitFor(() => flow.caught.length === 1);
        assert.equal((flow.caught[0].error as { message: string }).message, 'Error: influx-history.errors.range');
        await statusMatching(flow.history, (s) => s.fill === 'red' && s.text === 'influx-history.errors.range');
        flow.history.receive({ payload: 'day', end: 'yesterday-ish' });
        await waitFor(() => flow.caught.length === 2);
        assert.equal((flow.caught[1].error as { message: string }).message, 'Error: influx-history.errors.end');
        assert.equal(flow.out.length, 0);
    });

    test('InfluxDB down: a catchable error with its reason, red status', async () => {
        const flow = await historyFlow({}, { port: await freePort() });
        flow.history.receive({ payload: 'day' });
        await waitFor(() => flow.caught.length === 1, 10_000);
        assert.match((flow.caught[0].error as { message: string }).message, /ECONNREFUSED/);
        await statusMatching(flow.history, (s) => s.fill === 'red' && s.text === 'influx-history.status.failed');
    });

    test('managed retention: policies and continuous queries as built, set up once; the rollups by hand, then read', async () => {
        const database = `managed_${runtime.name.replace(/\W/g, '')}`;
        const server = { database, manageRetention: true, rawDays: 30, rollup1mDays: 400, rollup1hDays: 0 };
        const first = await historyFlow({}, server);
        const statements = spiedCalls(helper.getNode(first.ids.server), 'call:log');
        const showQueries = async () => {
            const [result] = await influxQuery(influxd.url, database, 'SHOW CONTINUOUS QUERIES');
            return result.series?.find((s) => s.name === database)?.values;
        };
        const created = await eventually(async () => ((await showQueries())?.length === 2 ? showQueries() : undefined));
        assert.deepEqual(
            created,
            continuousQueries(database).map((cq) => [cq.name, cq.create]),
        );
        const [policies] = await influxQuery(influxd.url, database, `SHOW RETENTION POLICIES ON ${database}`);
        assert.deepEqual(
            policies.series![0].values.map(([name, duration, , , isDefault]) => [name, duration, isDefault]),
            [
                ['autogen', '0s', false],
                ['raw', '720h0m0s', true],
                ['rollup_1m', '9600h0m0s', false],
                ['rollup_1h', '0s', false],
            ],
        );
        assert.equal(statements.length, 6, 'database, three policies, two continuous queries');

        // A second start finds everything in place and changes nothing.
        await helper.unload();
        const second = await historyFlow({}, server);
        const secondStatements = spiedCalls(helper.getNode(second.ids.server), 'call:log');
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(secondStatements.length, 0);

        // Three hours of raw points, one every 10 s: PAPP cycles 0…500 each minute, the index grows 10 Wh a point.
        const start = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
        const lines = Array.from(
            { length: 3 * 360 },
            (_, i) => `linky,meter=m1 PAPP=${(i % 6) * 100}i,BASE=${1_000_000 + i * 10}i ${start + i * 10_000}`,
        );
        await influxWrite(influxd.url, database, lines.join('\n'), 'ms');
        for (const statement of rollupStatements(database, start - HOUR, start + 3 * HOUR))
            await influxQuery(influxd.url, database, statement);

        const [minutes] = await influxQuery(
            influxd.url,
            database,
            `SELECT * FROM rollup_1m.linky WHERE time >= ${start}ms AND time < ${start + MINUTE}ms`,
        );
        const minute = Object.fromEntries(minutes.series![0].columns.map((c, i) => [c, minutes.series![0].values[0][i]]));
        assert.deepEqual(
            { ...minute, time: undefined },
            {
                time: undefined,
                meter: 'm1',
                mean_PAPP: 250,
                min_PAPP: 0,
                max_PAPP: 500,
                first_PAPP: 0,
                last_PAPP: 500,
                mean_BASE: 1_000_025,
                min_BASE: 1_000_000,
                max_BASE: 1_000_050,
                first_BASE: 1_000_000,
                last_BASE: 1_000_050,
            },
        );
        const [hours] = await influxQuery(influxd.url, database, `SELECT * FROM rollup_1h.linky WHERE time >= ${start}ms`);
        assert.equal(hours.series![0].values.length, 3);
        const hour = Object.fromEntries(hours.series![0].columns.map((c, i) => [c, hours.series![0].values[0][i]]));
        assert.equal(hour.mean_mean_PAPP, 250);
        assert.equal(hour.max_max_PAPP, 500);
        assert.equal(hour.first_first_BASE, 1_000_000);
        assert.equal(hour.last_last_BASE, 1_003_590);

        second.history.receive({ payload: 'week' });
        await waitFor(() => second.out.length === 1, 10_000);
        const week = (second.out[0].payload as ChartPayload)[0];
        assert.equal((second.out[0].history as { source: string }).source, 'rollup_1m');
        const energy = (x: number) => week.data[1].find((p) => p.x === x)?.y;
        assert.equal(energy(start), null, 'no index before the first hour');
        assert.equal(energy(start + HOUR), 3.6);
        assert.equal(energy(start + 2 * HOUR), 3.6);
        assert.equal(week.data[0].find((p) => p.x === start)?.y, 250);

        for (const [range, source] of [
            ['day', 'raw'],
            ['month', 'rollup_1m'],
            ['year', 'rollup_1h'],
        ]) {
            second.history.receive({ payload: range });
            await waitFor(() => second.out.some((m) => (m.history as { range: string }).range === range), 10_000);
            assert.equal(
                (second.out.find((m) => (m.history as { range: string }).range === range)!.history as { source: string }).source,
                source,
                range,
            );
        }
    });
});
