/**
 * The proof of issue 3: a real Node-RED process streams 10,000 points, each with its own
 * timestamp and sequence number, through influx-store into the real Debian influxd; influxd is
 * stopped for 60 s in the middle, Node-RED is restarted during the outage, influxd comes back on
 * the same data folder. Every point must then be in InfluxDB exactly once, and the spool must
 * have replayed them in arrival order. The order is read from the spool, never from InfluxDB
 * (which sorts by time): once from the spool's files while Node-RED is stopped, then from the
 * node's trace log of each batch it replays.
 *
 * The flow:  http in POST /points ─> function (one message per point) ─┬─> influx-store
 *                                                                      └─> http response
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { influxQuery, startInfluxd } from '../../scripts/stack/influxd';
import { deployFlows, startNodeRed, type NodeRedProcess } from '../../scripts/stack/node-red';
import { pointsEndpoint, processStack } from '../support/processes';
import { eventually } from '../support/wait';

const TOTAL = 10_000;
const POINTS_PER_POST = 100;
const OUTAGE_MS = 60_000;
const STORE_ID = 'outage-store';
const DATABASE = 'outage';
/** The points' own times: one every 100 ms, starting an hour ago. */
const FIRST_TIME = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

const running = processStack('influx-outage-test-');

function flow(influxPort: number): unknown[] {
    const tab = 'outage-tab';
    return [
        { id: tab, type: 'tab', label: 'outage' },
        { id: 'outage-server', type: 'influx-server', host: '127.0.0.1', port: influxPort, database: DATABASE },
        ...pointsEndpoint(tab, "msg.payload.map((p) => ({ topic: 'outage', payload: { seq: p.seq }, timestamp: p.time }))", STORE_ID),
        {
            id: STORE_ID,
            type: 'influx-store',
            z: tab,
            server: 'outage-server',
            measurement: 'points',
            batchSize: 500,
            flushInterval: 0.2,
            wires: [],
        },
    ];
}

/** POSTs the points [from, to) in chunks, spread over `spreadMs`. */
async function stream(nodeRed: NodeRedProcess, from: number, to: number, spreadMs: number): Promise<void> {
    const posts = Math.ceil((to - from) / POINTS_PER_POST);
    for (let post = 0; post < posts; post++) {
        const points = [];
        for (let seq = from + post * POINTS_PER_POST; seq < Math.min(to, from + (post + 1) * POINTS_PER_POST); seq++)
            points.push({ seq, time: FIRST_TIME + seq * 100 });
        const res = await fetch(`${nodeRed.url}/points`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(points),
        });
        assert.equal(res.status, 204, await res.text());
        await new Promise((resolve) => setTimeout(resolve, spreadMs / posts));
    }
}

/** Resolves once the flow's endpoint answers (a deploy or a start returns before the flows run). */
async function serving(nodeRed: NodeRedProcess): Promise<void> {
    await eventually(async () => {
        const res = await fetch(`${nodeRed.url}/points`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
        return res.status === 204 ? true : undefined;
    }, 20_000);
}

function seqOf(line: string): number {
    // The flow keeps the store's default: every number a float.
    const match = /\bseq=(\d+) /.exec(line);
    assert.ok(match, `a point line with seq: ${line}`);
    return Number(match[1]);
}

/**
 * The batches waiting in a spool folder, oldest first, read from its files as spool.ts lays them
 * out ([payload bytes u32][points u32][crc32 u32][payload] records, cursor.json at the oldest
 * unacknowledged one) without opening a Spool, which would write its cursor.
 */
function spooledBatches(dir: string): { points: number; seqs: number[] }[] {
    const cursor = JSON.parse(fs.readFileSync(path.join(dir, 'cursor.json'), 'utf8')) as { segment: number; offset: number };
    const batches: { points: number; seqs: number[] }[] = [];
    for (const name of fs
        .readdirSync(dir)
        .filter((n) => /^\d{12}\.seg$/.test(n))
        .sort()) {
        const segment = Number(name.slice(0, 12));
        if (segment < cursor.segment) continue;
        const data = fs.readFileSync(path.join(dir, name));
        for (let offset = segment === cursor.segment ? cursor.offset : 0; offset + 12 <= data.length;) {
            const bytes = data.readUInt32LE(offset);
            const points = data.readUInt32LE(offset + 4);
            const text = data.subarray(offset + 12, offset + 12 + bytes).toString('utf8');
            batches.push({ points, seqs: text.split('\n').map(seqOf) });
            offset += 12 + bytes;
        }
    }
    return batches;
}

/** The batches the store replayed, in order, from its trace log: [first seq, last seq, points]. */
function replayedBatches(logs: string): [number, number, number][] {
    return [...logs.matchAll(/replayed (\d+) points from the spool: first (.*), last (.*)$/gm)].map((m) => [
        seqOf(m[2]),
        seqOf(m[3]),
        Number(m[1]),
    ]);
}

test(
    '10,000 points, influxd down for 60 s, Node-RED restarted meanwhile: all in InfluxDB once, replayed in arrival order',
    { timeout: 240_000 },
    async (t) => {
        const influxDir = path.join(running.dir, 'influxd');
        const userDir = path.join(running.dir, 'userDir');
        // Trace level: the store logs each batch it replays from the spool.
        const settingsOverrides = { logging: { console: { level: 'trace', metrics: false, audit: false } } };

        running.influxd = await startInfluxd({ dataDir: influxDir, continuousQueries: false });
        const influxPort = running.influxd.port;
        await influxQuery(running.influxd.url, undefined, `CREATE DATABASE ${DATABASE}`);
        running.nodeRed = await startNodeRed({ userDir, runtime: 'node-red', settingsOverrides });
        await deployFlows(running.nodeRed.url, flow(influxPort));
        await serving(running.nodeRed);

        await stream(running.nodeRed, 0, 3000, 3000);
        await running.influxd.stop();
        const outageStart = Date.now();
        await stream(running.nodeRed, 3000, 6000, 3000);

        await running.nodeRed.stop();
        const firstRunLogs = running.nodeRed.logs();
        const atRestart = spooledBatches(path.join(userDir, 'energy-spool', STORE_ID));
        const spooledSeqs = atRestart.flatMap((b) => b.seqs);
        assert.ok(spooledSeqs.length >= 3000, `${spooledSeqs.length} points in the spool at the restart`);
        assert.deepEqual(
            spooledSeqs,
            Array.from({ length: spooledSeqs.length }, (_, i) => 6000 - spooledSeqs.length + i),
            'the spool holds the last points in arrival order',
        );
        assert.ok(atRestart.every((b) => b.points === b.seqs.length));
        assert.equal(replayedBatches(firstRunLogs).length, 0, 'nothing replayed while InfluxDB was down');

        running.nodeRed = await startNodeRed({ userDir, runtime: 'node-red', settingsOverrides });
        await serving(running.nodeRed);
        await stream(running.nodeRed, 6000, TOTAL, OUTAGE_MS - (Date.now() - outageStart) - 5000);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - outageStart))));
        running.influxd = await startInfluxd({ dataDir: influxDir, port: influxPort, continuousQueries: false });
        const outageSeconds = (Date.now() - outageStart) / 1000;

        const url = running.influxd.url;
        await eventually(
            async () => {
                const [result] = await influxQuery(url, DATABASE, 'SELECT count(seq) FROM points');
                return result.series?.[0]?.values[0][1] === TOTAL ? true : undefined;
            },
            90_000,
            500,
        );

        const [result] = await influxQuery(url, DATABASE, 'SELECT seq FROM points');
        const rows = result.series![0].values as [string, number][];
        assert.equal(rows.length, TOTAL);
        assert.deepEqual(
            rows.map(([, seq]) => seq).sort((a, b) => a - b),
            Array.from({ length: TOTAL }, (_, i) => i),
            'each sequence number once',
        );
        assert.ok(
            rows.every(([time, seq]) => Date.parse(time) === FIRST_TIME + seq * 100),
            'each point at its own time',
        );

        // The replay, batch by batch, from the second run's log: what was spooled at the restart first,
        // in the same batches, then what arrived during the outage after it; contiguous, in order.
        const replayed = await eventually(() => {
            const batches = replayedBatches(running.nodeRed!.logs());
            return batches.reduce((n, [, , points]) => n + points, 0) === TOTAL - spooledSeqs[0] ? batches : undefined;
        }, 10_000);
        assert.deepEqual(
            replayed.slice(0, atRestart.length),
            atRestart.map((b) => [b.seqs[0], b.seqs[b.seqs.length - 1], b.points]),
        );
        replayed.forEach(([first, last, points], i) => {
            assert.equal(last - first + 1, points, `replayed batch ${i} is a run of consecutive points`);
            assert.equal(first, i === 0 ? spooledSeqs[0] : replayed[i - 1][1] + 1, `replayed batch ${i} follows the one before`);
        });
        assert.equal(replayed[replayed.length - 1][1], TOTAL - 1);
        assert.match(running.nodeRed.logs(), /spool emptied: \d+ points written from it/);
        t.diagnostic(
            `${spooledSeqs[0]} points written directly, ${TOTAL - spooledSeqs[0]} replayed from the spool in ${replayed.length} batches ` +
                `(${spooledSeqs.length} spooled at the restart); influxd down ${outageSeconds.toFixed(1)} s`,
        );
    },
);
