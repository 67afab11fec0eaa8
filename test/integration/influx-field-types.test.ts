/**
 * Field types through a real Node-RED process and the real Debian influxd, with influx-store's
 * default settings, as a new user meets them:
 *
 * - `{ seq: i, v: i * 0.5 }` (v is 0 first, 0.5 next) for 3,000 messages, influxd stopped for a
 *   while in the middle: every v in InfluxDB, exact (it used to become an integer field at its
 *   first value and refuse every later one);
 * - influxd down when the store starts, with v already an integer field: the points the store
 *   spooled as floats all land once it is back, v as integers;
 * - text into a number field: a catchable error naming measurement, field and value, once per
 *   field within the minute, every lost value counted in the status.
 *
 * The messages' words are the real en-US locale's: Node-RED runs as a process, not in the helper.
 *
 * The flow:  http in POST /points ─> function (one message per point) ─> influx-store
 *            catch (influx-store) ─> function (records msg)        status (influx-store) ─> function (records the text)
 *            http in GET /seen ─> function (what was recorded) ─> http response
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { influxQuery, influxWrite, startInfluxd } from '../../scripts/stack/influxd';
import { deployFlows, startNodeRed, type NodeRedProcess } from '../../scripts/stack/node-red';
import { influxRows } from '../support/influx';
import { pointsEndpoint, processStack } from '../support/processes';
import { eventually } from '../support/wait';

const DATABASE = 'energy';
/** An hour ago, on a whole second: the points' own times, one every 100 ms. */
const FIRST_TIME = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

const running = processStack('influx-field-types-test-');

function flow(influxPort: number): unknown[] {
    const tab = 'types-tab';
    return [
        { id: tab, type: 'tab', label: 'field types' },
        { id: 'types-server', type: 'influx-server', host: '127.0.0.1', port: influxPort, database: DATABASE },
        ...pointsEndpoint(tab, 'msg.payload.map((p) => ({ payload: p.fields, timestamp: p.time }))', 'types-store'),
        // The node's defaults: no numbers setting, as a node dropped from the palette and saved.
        { id: 'types-store', type: 'influx-store', z: tab, server: 'types-server', measurement: 'points', flushInterval: 0.2, wires: [] },
        { id: 'store-catch', type: 'catch', z: tab, scope: ['types-store'], uncaught: false, wires: [['record-caught']] },
        {
            id: 'record-caught',
            type: 'function',
            z: tab,
            func: "const caught = global.get('caught') || [];\ncaught.push({ error: msg.error.message, topic: msg.topic, payload: msg.payload });\nglobal.set('caught', caught);\nreturn null;",
            outputs: 1,
            wires: [[]],
        },
        { id: 'store-status', type: 'status', z: tab, scope: ['types-store'], wires: [['record-status']] },
        {
            id: 'record-status',
            type: 'function',
            z: tab,
            func: "global.set('status', msg.status.text);\nreturn null;",
            outputs: 1,
            wires: [[]],
        },
        { id: 'seen-in', type: 'http in', z: tab, url: '/seen', method: 'get', upload: false, swaggerDoc: '', wires: [['seen']] },
        {
            id: 'seen',
            type: 'function',
            z: tab,
            func: "msg.payload = { caught: global.get('caught') || [], status: global.get('status') || '' };\nreturn msg;",
            outputs: 1,
            wires: [['seen-out']],
        },
        { id: 'seen-out', type: 'http response', z: tab, statusCode: '200', headers: {}, wires: [] },
    ];
}

async function startStore(influxPort: number): Promise<NodeRedProcess> {
    const nodeRed = await startNodeRed({ userDir: path.join(running.dir, `userDir-${influxPort}`), runtime: 'node-red' });
    running.nodeRed = nodeRed;
    await deployFlows(nodeRed.url, flow(influxPort));
    await eventually(async () => ((await post(nodeRed, [])).status === 204 ? true : undefined), 20_000);
    return nodeRed;
}

function post(nodeRed: NodeRedProcess, points: { fields: Record<string, unknown>; time: number }[]): Promise<Response> {
    return fetch(`${nodeRed.url}/points`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(points),
    });
}

/** POSTs the points of `fieldsOf(seq)` for seq in [from, to), 100 a request. */
async function stream(
    nodeRed: NodeRedProcess,
    from: number,
    to: number,
    fieldsOf: (seq: number) => Record<string, unknown>,
): Promise<void> {
    for (let start = from; start < to; start += 100) {
        const points = [];
        for (let seq = start; seq < Math.min(to, start + 100); seq++) points.push({ fields: fieldsOf(seq), time: FIRST_TIME + seq * 100 });
        const res = await post(nodeRed, points);
        assert.equal(res.status, 204, await res.text());
    }
}

async function seen(
    nodeRed: NodeRedProcess,
): Promise<{ caught: { error: string; topic: string; payload: Record<string, unknown> }[]; status: string }> {
    return (await fetch(`${nodeRed.url}/seen`)).json() as Promise<{
        caught: { error: string; topic: string; payload: Record<string, unknown> }[];
        status: string;
    }>;
}

async function fieldTypes(url: string): Promise<Record<string, string>> {
    const [result] = await influxQuery(url, DATABASE, 'SHOW FIELD KEYS FROM points');
    return Object.fromEntries((result.series?.[0]?.values ?? []) as [string, string][]);
}

/** The rows of seq ≥ 0, once there are `count`. */
function landed(url: string, count: number): Promise<Record<string, unknown>[]> {
    return eventually(
        async () => {
            const rows = await influxRows(url, DATABASE, `SELECT seq, v, w FROM points WHERE time >= ${FIRST_TIME}ms`);
            return rows.length >= count ? rows : undefined;
        },
        60_000,
        500,
    );
}

test(
    'default settings: 0 then 0.5 into one field, 3,000 messages, influxd stopped in the middle: every value stored, exact',
    { timeout: 180_000 },
    async () => {
        const influxDir = path.join(running.dir, 'influxd-sequence');
        running.influxd = await startInfluxd({ dataDir: influxDir, continuousQueries: false });
        const port = running.influxd.port;
        await influxQuery(running.influxd.url, undefined, `CREATE DATABASE ${DATABASE}`);
        const nodeRed = await startStore(port);
        const values = (seq: number) => ({ seq, v: seq * 0.5 });

        await stream(nodeRed, 0, 1500, values);
        await running.influxd.stop();
        await stream(nodeRed, 1500, 3000, values);
        await new Promise((resolve) => setTimeout(resolve, 3000));
        running.influxd = await startInfluxd({ dataDir: influxDir, port, continuousQueries: false });

        const rows = await landed(running.influxd.url, 3000);
        assert.deepEqual(
            rows.map((row) => [Date.parse(row.time as string), row.seq, row.v]),
            Array.from({ length: 3000 }, (_, i) => [FIRST_TIME + i * 100, i, i * 0.5]),
        );
        assert.deepEqual(await fieldTypes(running.influxd.url), { seq: 'float', v: 'float' });
        const logs = nodeRed.logs();
        // The outage (or, as it is stopped, influxd's 500), in the en-US words the node gives the writer's data.
        assert.match(
            logs,
            new RegExp(
                `InfluxDB did not take \\d+ points \\(InfluxDB did not take them: InfluxDB 127\\.0\\.0\\.1:${port}/${DATABASE} ` +
                    '(unreachable: connect ECONNREFUSED|answered 5\\d\\d: )',
            ),
        );
        assert.match(logs, /spool emptied: \d+ points written from it/);
        assert.doesNotMatch(logs, /not stored|left out|\[error\]/);
        assert.deepEqual((await seen(nodeRed)).caught, []);
        await running.stop();
    },
);

test(
    'influxd down when the store starts, v already an integer field: every point spooled as a float lands as an integer once influxd is back',
    { timeout: 180_000 },
    async () => {
        const influxDir = path.join(running.dir, 'influxd-down');
        running.influxd = await startInfluxd({ dataDir: influxDir, continuousQueries: false });
        const port = running.influxd.port;
        await influxQuery(running.influxd.url, undefined, `CREATE DATABASE ${DATABASE}`);
        await influxWrite(running.influxd.url, DATABASE, `points v=7i ${FIRST_TIME - 1}`, 'ms');
        await running.influxd.stop();

        const nodeRed = await startStore(port);
        await stream(nodeRed, 0, 1000, (seq) => ({ seq, v: seq * 2 }));
        await new Promise((resolve) => setTimeout(resolve, 2000));
        running.influxd = await startInfluxd({ dataDir: influxDir, port, continuousQueries: false });
        const url = running.influxd.url;

        const rows = await landed(url, 1000);
        assert.deepEqual(
            rows.map((row) => [row.seq, row.v]),
            Array.from({ length: 1000 }, (_, i) => [i, i * 2]),
        );
        assert.deepEqual(await fieldTypes(url), { seq: 'float', v: 'integer' });
        // The points that come next are encoded with the type InfluxDB holds, and land at once.
        await stream(nodeRed, 1000, 1100, (seq) => ({ seq, v: seq * 2 }));
        assert.deepEqual(
            (await landed(url, 1100)).slice(1000).map((row) => [row.seq, row.v]),
            Array.from({ length: 100 }, (_, i) => [1000 + i, (1000 + i) * 2]),
        );
        assert.doesNotMatch(nodeRed.logs(), /not stored|left out|\[error\]/);
        assert.deepEqual((await seen(nodeRed)).caught, []);

        // Text into the number fields: lost values, each field reported once in the minute, every one counted.
        await stream(nodeRed, 1100, 1103, (seq) => ({ seq, v: 'n/a' }));
        await stream(nodeRed, 1103, 1104, (seq) => ({ seq: 'unknown', v: seq * 2 }));
        const rowsAfter = (await landed(url, 1104)).slice(1100).map((row) => [row.seq, row.v]);
        assert.deepEqual(
            rowsAfter,
            [
                [1100, null],
                [1101, null],
                [1102, null],
                [null, 2206],
            ],
            'the rest of each point is stored',
        );
        const { caught, status } = await eventually(async () => {
            const now = await seen(nodeRed);
            return now.caught.length === 2 && now.status.includes('values lost 4') ? now : undefined;
        });
        assert.deepEqual(caught, [
            {
                error: 'value "n/a" of field v in points not stored: InfluxDB holds v as integer, and "n/a" has no exact integer equivalent',
                topic: 'influx-store',
                payload: { measurement: 'points', field: 'v', value: '"n/a"', fieldType: 'integer', lostSinceLastReport: 0 },
            },
            {
                error: 'value "unknown" of field seq in points not stored: InfluxDB holds seq as float, and "unknown" has no exact float equivalent',
                topic: 'influx-store',
                payload: { measurement: 'points', field: 'seq', value: '"unknown"', fieldType: 'float', lostSinceLastReport: 0 },
            },
        ]);
        assert.match(status, /^queued 0 · written 1,?104 · spooled 0 · failed 0 · values lost 4$/);
        await running.stop();
    },
);
