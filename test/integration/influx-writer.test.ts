/**
 * InfluxWriter against the real Debian influxd (1.6.7), started privately in a temp folder:
 * batching, integer and float fields, names with special characters read back as written, a bad
 * point alone rejected in a batch of good ones, lines in a field type conflict rewritten in the held
 * type (or without a value that has no exact equivalent), a missing database, an outage with a
 * Node-RED restart in the middle (nothing lost, nothing twice, replayed in arrival order, what was
 * drained reported), and the spool bound.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { influxQuery, influxWrite, startInfluxd, type Influxd } from '../../scripts/stack/influxd';
import { encodePoint, FieldTypes, type Point } from '../../lib/store/line-protocol';
import {
    InfluxWriteError,
    InfluxWriter,
    type DrainedSpool,
    type InfluxWriterOptions,
    type LostValue,
    type RejectedLine,
    type WrittenBatch,
} from '../../lib/store/influx-writer';
import { Spool, SpoolFullError } from '../../lib/store/spool';
import { waitFor } from '../support/wait';

/** A day ago, on a whole second: inside autogen's infinite retention. */
const BASE_MS = Math.floor(Date.now() / 1000) * 1000 - 86_400_000;

let workDir: string;
let influxd: Influxd;
const writers: InfluxWriter[] = [];
const spools: Spool[] = [];

before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'influx-writer-test-'));
    influxd = await startInfluxd({ dataDir: path.join(workDir, 'influxd'), continuousQueries: false });
});

after(async () => {
    for (const writer of writers) await writer.close();
    for (const spool of spools) await spool.close();
    await influxd.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
});

function openSpool(name: string, maxBytes?: number): Spool {
    const spool = new Spool(path.join(workDir, 'spool', name), { maxBytes });
    spools.push(spool);
    return spool;
}

interface Recorded {
    writer: InfluxWriter;
    written: WrittenBatch[];
    rejected: RejectedLine[];
    lost: LostValue[];
    drained: DrainedSpool[];
    errors: Error[];
}

function startWriter(options: Partial<InfluxWriterOptions> & { database: string; spool: Spool }): Recorded {
    const writer = new InfluxWriter({ url: influxd.url, precision: 'ms', retryMinMs: 100, retryMaxMs: 400, ...options });
    writers.push(writer);
    const recorded: Recorded = { writer, written: [], rejected: [], lost: [], drained: [], errors: [] };
    writer.on('written', (batch) => recorded.written.push(batch));
    writer.on('rejected', (line) => recorded.rejected.push(line));
    writer.on('lost', (value) => recorded.lost.push(value));
    writer.on('drained', (drained) => recorded.drained.push(drained));
    writer.on('error', (err) => recorded.errors.push(err));
    return recorded;
}

async function createDatabase(name: string): Promise<void> {
    await influxQuery(influxd.url, undefined, `CREATE DATABASE ${name}`);
}

async function rows(database: string, query: string): Promise<unknown[][]> {
    const [result] = await influxQuery(influxd.url, database, query);
    return result.series?.[0]?.values ?? [];
}

function encoded(point: Point, types?: FieldTypes): string {
    const { line } = encodePoint(point, 'ms', types);
    assert.ok(line !== undefined);
    return line;
}

function seqLine(measurement: string, seq: number): string {
    return `${measurement},run=1 seq=${seq}i ${BASE_MS + seq}`;
}

/** The seq fields of a batch's lines, in order. */
function seqsOf(text: string): number[] {
    return [...text.matchAll(/seq=(\d+)i/g)].map((m) => Number(m[1]));
}

test('batches by size, then by time for the rest', async () => {
    await createDatabase('batching');
    const { writer, written } = startWriter({ database: 'batching', spool: openSpool('batching'), batchSize: 1000, flushIntervalMs: 1000 });
    const start = Date.now();
    for (let seq = 0; seq < 2500; seq++) writer.write(seqLine('m', seq));
    await waitFor(() => written.length === 2);
    assert.deepEqual(
        written.map((b) => b.points),
        [1000, 1000],
        'two full batches at once',
    );
    assert.ok(Date.now() - start < 1000, 'full batches do not wait for the interval');
    await waitFor(() => written.length === 3);
    assert.ok(Date.now() - start >= 990, 'the rest waited for the flush interval');
    assert.deepEqual(
        written.map((b) => [b.points, b.replayed]),
        [
            [1000, false],
            [1000, false],
            [500, false],
        ],
    );
    assert.deepEqual(await rows('batching', 'SELECT count(seq), sum(seq) FROM m'), [['1970-01-01T00:00:00Z', 2500, (2499 * 2500) / 2]]);
    assert.deepEqual(writer.counters, { queued: 0, written: 2500, spooled: 0, failed: 0, refused: 0 });
});

test('integers stay integers, floats floats; an integral value in a float field is written as a float', async () => {
    await createDatabase('types');
    const { writer, rejected } = startWriter({ database: 'types', spool: openSpool('types') });
    const types = new FieldTypes();
    const point = (fields: Point['fields'], i: number): Point => ({
        measurement: 'power',
        tags: { meter: '021861348497' },
        fields,
        time: BASE_MS + i,
    });
    writer.writeLines([
        encoded(point({ papp: 2840, iinst: 12.5, tension: 230.5, ok: true, tariff: 'HP' }, 0), types),
        encoded(point({ papp: 2900, iinst: 13, tension: 231, ok: false, tariff: 'HC' }, 1), types),
    ]);
    await writer.flush();
    assert.deepEqual(rejected, []);
    const [fieldKeys] = await influxQuery(influxd.url, 'types', 'SHOW FIELD KEYS');
    assert.deepEqual(fieldKeys.series?.[0].values, [
        ['iinst', 'float'],
        ['ok', 'boolean'],
        ['papp', 'integer'],
        ['tariff', 'string'],
        ['tension', 'float'],
    ]);
    assert.deepEqual(await rows('types', 'SELECT papp, iinst FROM power'), [
        [new Date(BASE_MS).toISOString().replace('.000', ''), 2840, 12.5],
        [new Date(BASE_MS + 1).toISOString(), 2900, 13],
    ]);

    // A new writer (a restart) learns the types from InfluxDB rather than from its own first point.
    const seeded = new FieldTypes();
    seeded.seed(fieldKeys.series ?? []);
    writer.write(encoded({ measurement: 'power', fields: { iinst: 14 }, time: BASE_MS + 2 }, seeded));
    await writer.flush();
    assert.deepEqual(rejected, [], 'iinst=14 went in as a float');
});

test('names and strings with special characters read back from influxd exactly as given', async () => {
    await createDatabase('escaping');
    const { writer, rejected } = startWriter({ database: 'escaping', spool: openSpool('escaping') });
    const measurements = ['a,b c=d', ' lead', 'q"m', 'énergie ⚡', 'C:\\temp', 'tab\there', 'x#y'];
    const tagKeys = ['k,e y=', 'a\\=b', 'a\\,b', 'a\\ b', 'a\\"b', '#t', 'q"k'];
    const tagValues = ['v a,l=ue', 'x\\,y', 'x\\ y', '\\x', 'say "hi"', '#v', 'C:\\dir'];
    const fieldKeys = ['f,i e=ld', 'f"k', '#f', 'a\\b', 'é ⚡', 'f=1', 'f,2'];
    const strings = ['say "hi" \\o/', 'two\nlines', 'back\\', '\\"', '', 'tab\tand ⚡', '\\\\'];
    measurements.forEach((measurement, i) => writer.write(encoded({ measurement, fields: { v: i }, time: BASE_MS + i })));
    tagKeys.forEach((key, i) =>
        writer.write(
            encoded({ measurement: 'rt', tags: { [key]: tagValues[i] }, fields: { [fieldKeys[i]]: strings[i] }, time: BASE_MS + i }),
        ),
    );
    await writer.flush();
    assert.deepEqual(rejected, []);

    const shown = (await rows('escaping', 'SHOW MEASUREMENTS')).map((row) => row[0]);
    assert.deepEqual(shown.sort(), [...measurements, 'rt'].sort());
    const [all] = await influxQuery(influxd.url, 'escaping', 'SELECT * FROM rt');
    const { columns, values } = all.series![0];
    tagKeys.forEach((key, i) => {
        const row = values[i];
        assert.equal(row[columns.indexOf(key)], tagValues[i], `tag ${JSON.stringify(key)}`);
        assert.equal(row[columns.indexOf(fieldKeys[i])], strings[i], `field ${JSON.stringify(fieldKeys[i])}`);
    });

    // What encodePoint refuses, influxd would indeed store under another name, or not at all.
    await influxWrite(influxd.url, 'escaping', 'a\\\\,b v=1i 1\nz a\\"b=1i 1', 'ms');
    assert.ok(
        (await rows('escaping', 'SHOW MEASUREMENTS')).some((row) => row[0] === 'a,b'),
        'measurement a\\,b lost its backslash',
    );
    assert.deepEqual(await rows('escaping', 'SHOW FIELD KEYS FROM z'), [['a"b', 'integer']], 'field key a\\"b lost its backslash');
    await assert.rejects(influxWrite(influxd.url, 'escaping', 'z,t=ends\\ v=1i 1', 'ms'), /invalid tag format/);
    await influxWrite(influxd.url, 'escaping', '#z v=1i 1', 'ms');
    assert.ok(
        !(await rows('escaping', 'SHOW MEASUREMENTS')).some((row) => row[0] === '#z'),
        '#z was taken for a comment, and answered 204',
    );
});

test('a bad point in a batch of good ones: the good ones are written, exactly that line is rejected; a line in a field type conflict is written in the held type', async () => {
    await createDatabase('bad_points');
    const types = new FieldTypes();
    const { writer, written, rejected, lost } = startWriter({
        database: 'bad_points',
        spool: openSpool('bad_points'),
        batchSize: 2000,
        fieldTypes: types,
    });
    await influxWrite(influxd.url, 'bad_points', `m,run=1 seq=1.5 ${BASE_MS - 1}`, 'ms'); // seq is a float field from now on
    const conflicting = `m,run=1 seq=1234i ${BASE_MS + 1234}`;
    const unparsable = `m,run=1 seq= ${BASE_MS + 1700}`;
    const lines = Array.from({ length: 2000 }, (_, i) => `m,run=1 seq=${i} ${BASE_MS + i}`);
    lines[1234] = conflicting;
    lines[1700] = unparsable;
    writer.writeLines(lines);
    await writer.flush();

    assert.deepEqual(
        rejected.map((r) => [r.line, r.status]),
        [[unparsable, 400]],
    );
    assert.match(rejected[0].message, /unable to parse/);
    assert.deepEqual(lost, []);
    assert.deepEqual(
        written.map((b) => b.points),
        [1999],
        'the conflicting line too, as a float',
    );
    assert.deepEqual(writer.counters, { queued: 0, written: 1999, spooled: 0, failed: 1, refused: 0 });
    assert.deepEqual(await rows('bad_points', `SELECT seq FROM m WHERE time = ${BASE_MS + 1234}ms`), [
        [new Date(BASE_MS + 1234).toISOString(), 1234],
    ]);
    const [[, count]] = await rows('bad_points', `SELECT count(seq) FROM m WHERE time >= ${BASE_MS}ms`);
    assert.equal(count, 1999);
    assert.equal(types.get('m', 'seq'), 'float', "the conflict taught the encoder's types");

    // Every line refused (a float field another program created): InfluxDB's dropped count says so, no
    // line-by-line search; every line is rewritten and sent again at once.
    const allConflicting = Array.from({ length: 2000 }, (_, i) => `m,run=1 seq=${i}i ${BASE_MS + 3000 + i}`);
    const start = Date.now();
    writer.writeLines(allConflicting);
    await writer.flush();
    assert.equal(rejected.length, 1);
    assert.ok(Date.now() - start < 1000, `${Date.now() - start} ms`);
    assert.deepEqual(writer.counters, { queued: 0, written: 3999, spooled: 0, failed: 1, refused: 0 });
    const stored = await rows('bad_points', `SELECT seq FROM m WHERE time >= ${BASE_MS + 3000}ms`);
    assert.deepEqual(
        stored.map((row) => row[1]),
        Array.from({ length: 2000 }, (_, i) => i),
    );
});

test('a spool written before the types were known: whole values are rewritten for the integer field InfluxDB holds, a fractional one alone is lost', async () => {
    await createDatabase('spooled_types');
    await influxWrite(influxd.url, 'spooled_types', `m v=7i ${BASE_MS - 1}`, 'ms'); // v is an integer field
    const spool = openSpool('spooled_types');
    // What an encoder writing every number as a float spooled while InfluxDB was away.
    const lines = Array.from({ length: 1000 }, (_, i) => `m,meter=a seq=${i},v=${i === 500 ? 2.5 : i} ${BASE_MS + i}`);
    lines.push(`m,meter=a v=3.5 ${BASE_MS + 1000}`);
    spool.append({ bytes: Buffer.from(lines.join('\n')), points: lines.length });
    const types = new FieldTypes();
    const { writer, written, rejected, lost, drained } = startWriter({ database: 'spooled_types', spool, fieldTypes: types });
    await waitFor(() => drained.length === 1, 10_000);
    assert.deepEqual(lost, [
        { measurement: 'm', field: 'v', value: '2.5', held: 'integer', line: lines[500], pointLost: false },
        { measurement: 'm', field: 'v', value: '3.5', held: 'integer', line: lines[1000], pointLost: true },
    ]);
    assert.deepEqual(rejected, []);
    assert.deepEqual(
        written.map((b) => [b.points, b.replayed]),
        [[1000, true]],
    );
    assert.deepEqual(drained, [{ points: 1000, from: BASE_MS, to: BASE_MS + 1000 }]);
    assert.deepEqual(writer.counters, { queued: 0, written: 1000, spooled: 0, failed: 1, refused: 0 });
    assert.equal(types.get('m', 'v'), 'integer');
    const stored = await rows('spooled_types', `SELECT seq, v FROM m WHERE time >= ${BASE_MS}ms`);
    assert.deepEqual(
        stored.map((row) => [row[1], row[2]]),
        Array.from({ length: 1000 }, (_, i) => [i, i === 500 ? null : i]),
    );
    const [fieldKeys] = await influxQuery(influxd.url, 'spooled_types', 'SHOW FIELD KEYS FROM m');
    assert.deepEqual(fieldKeys.series?.[0]?.values, [
        ['seq', 'float'],
        ['v', 'integer'],
    ]);
});

test('a missing database is a configuration error: reported, points kept in the spool, written once it exists', async () => {
    const spool = openSpool('missing_db');
    const { writer, written, errors } = startWriter({ database: 'created_later', spool });
    for (let seq = 0; seq < 10; seq++) writer.write(seqLine('m', seq));
    await writer.flush();
    await waitFor(() => errors.length > 0);
    assert.ok(errors[0] instanceof InfluxWriteError);
    assert.deepEqual(
        { ...errors[0].problem, detail: undefined },
        { server: `InfluxDB ${new URL(influxd.url).host}/created_later`, status: 404, detail: undefined, credentials: false },
    );
    assert.match(errors[0].problem.detail, /database not found/);
    assert.equal(writer.stats.state, 'misconfigured');
    assert.equal(spool.points, 10);
    await createDatabase('created_later');
    await waitFor(() => writer.counters.spooled === 0);
    assert.deepEqual(
        written.map((b) => [b.points, b.replayed]),
        [[10, true]],
    );
    assert.equal(writer.stats.state, 'ok');
    assert.equal(errors.length, 1, 'reported once, not at every retry');
    assert.deepEqual(await rows('created_later', 'SELECT count(seq) FROM m'), [['1970-01-01T00:00:00Z', 10]]);
});

test('outage with a restart in the middle: every point lands exactly once, the spool replays in arrival order', async (t) => {
    const TOTAL = 20_000;
    await createDatabase('outage');
    const spoolDir = path.join(workDir, 'spool', 'outage');
    const options = { database: 'outage', batchSize: 500, flushIntervalMs: 50 };
    let spool = new Spool(spoolDir);
    spools.push(spool);
    let current = startWriter({ ...options, spool });
    const runs = [current];
    const spooledPoints: number[] = [];
    current.writer.on('spooled', (b) => spooledPoints.push(b.points));

    const stream = async (from: number, to: number) => {
        for (let seq = from; seq < to; seq++) {
            current.writer.write(seqLine('m', seq));
            if (seq % 250 === 249) await new Promise((r) => setTimeout(r, 2));
        }
    };
    await stream(0, 6000);
    await influxd.stop();
    await stream(6000, 12_000);
    await waitFor(() => current.writer.stats.state === 'retrying');

    // Node-RED restarts during the outage: the node closes, its writer and spool go, new ones open on the same folder.
    await current.writer.close();
    assert.equal(current.writer.counters.queued, 0, 'nothing left in memory');
    await spool.close();
    spool = new Spool(spoolDir);
    spools.push(spool);
    const atRestart = spool.points;
    assert.ok(atRestart >= 6000, `${atRestart} points found in the spool at restart`);
    current = startWriter({ ...options, spool });
    runs.push(current);
    await stream(12_000, TOTAL);
    await current.writer.flush();
    assert.equal(current.writer.counters.written, 0, 'InfluxDB is still down');

    influxd = await startInfluxd({ dataDir: path.join(workDir, 'influxd'), port: influxd.port, continuousQueries: false });
    await waitFor(() => current.writer.counters.spooled === 0 && current.writer.counters.queued === 0, 30_000);
    await current.writer.close();
    await spool.close();

    const direct = runs.flatMap((run) => run.written.filter((b) => !b.replayed).flatMap((b) => seqsOf(b.bytes.toString())));
    const replayed = runs.flatMap((run) => run.written.filter((b) => b.replayed).flatMap((b) => seqsOf(b.bytes.toString())));
    assert.ok(replayed.length >= TOTAL - 6000, `${replayed.length} points replayed`);
    assert.ok(
        replayed.every((seq, i) => i === 0 || seq > replayed[i - 1]),
        'the spool replayed in arrival order',
    );
    assert.deepEqual(
        [...direct, ...replayed].sort((a, b) => a - b),
        Array.from({ length: TOTAL }, (_, i) => i),
        'each point written once',
    );
    assert.ok(runs.every((run) => run.errors.length === 0 && run.rejected.length === 0));
    // The second run replayed the spool it found, and what came during the outage: it says what it drained, once.
    const replayedByRestart = runs[1].written.filter((b) => b.replayed).flatMap((b) => seqsOf(b.bytes.toString()));
    assert.deepEqual(runs[1].drained, [
        { points: replayedByRestart.length, from: BASE_MS + replayedByRestart[0], to: BASE_MS + TOTAL - 1 },
    ]);
    const replayedBatches = runs.reduce((n, run) => n + run.written.filter((b) => b.replayed).length, 0);
    t.diagnostic(
        `${direct.length} points written directly, ${replayed.length} replayed from the spool in ${replayedBatches} batches (${atRestart} there at the restart)`,
    );

    const [[, count, sum]] = await rows('outage', 'SELECT count(seq), sum(seq) FROM m');
    assert.equal(count, TOTAL);
    assert.equal(sum, ((TOTAL - 1) * TOTAL) / 2);
    const stored = (await rows('outage', 'SELECT seq FROM m')).map((row) => row[1]);
    assert.deepEqual(
        stored,
        Array.from({ length: TOTAL }, (_, i) => i),
        'every point, each with its own time',
    );
});

test('a full spool refuses points with SpoolFullError and counts them; what it accepted is all kept', async () => {
    const closedPort = await new Promise<number>((resolve) => {
        const server = net.createServer().listen(0, '127.0.0.1', () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
    const spool = openSpool('full', 20_000);
    const { writer } = startWriter({
        database: 'nowhere',
        spool,
        url: `http://127.0.0.1:${closedPort}`,
        batchSize: 100,
        flushIntervalMs: 20,
    });
    const statsSeen: number[] = [];
    writer.on('stats', (stats) => statsSeen.push(stats.refused));
    for (let seq = 0; seq < 100; seq++) writer.write(seqLine('m', seq));
    await waitFor(() => writer.counters.spooled === 100);
    assert.equal(writer.stats.state, 'retrying');
    assert.deepEqual(
        { ...writer.stats.problem, detail: undefined },
        { server: `InfluxDB 127.0.0.1:${closedPort}/nowhere`, status: 0, detail: undefined, credentials: false },
    );
    assert.match(writer.stats.problem?.detail ?? '', /ECONNREFUSED/);

    let accepted = 100;
    let refusal: unknown;
    for (let seq = 100; seq < 10_000 && refusal === undefined; seq++) {
        try {
            writer.write(seqLine('m', seq));
            accepted++;
        } catch (err) {
            refusal = err;
        }
    }
    assert.ok(refusal instanceof SpoolFullError, `refused with ${String(refusal)}`);
    assert.match(refusal.message, /spool is full/);
    assert.throws(() => writer.write(seqLine('m', 99_999)), SpoolFullError);
    assert.equal(writer.counters.refused, 2);
    await waitFor(() => statsSeen.includes(2));

    await writer.close();
    assert.equal(spool.points, accepted, 'every accepted point is in the spool');
    assert.ok(spool.size <= 20_000);
    assert.deepEqual(writer.counters, { queued: 0, written: 0, spooled: accepted, failed: 0, refused: 2 });
});

/** An HTTP server that answers each POST /write with the next scripted reply (204 once the script is done). */
async function scriptedInflux(replies: ('hang' | { status: number; error: string })[]) {
    const requests: { method: string; url: string; authorization?: string; body: string }[] = [];
    const hanging: http.ServerResponse[] = [];
    const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        req.on('end', () => {
            requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
            if (req.method === 'GET') return res.writeHead(204).end();
            const reply = replies.shift();
            if (reply === 'hang') return hanging.push(res);
            if (reply === undefined) return res.writeHead(204).end();
            res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: reply.error }));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    return {
        url: `http://127.0.0.1:${port}/influx/`,
        requests,
        /** Answers the requests left hanging. */
        release: (status: number) => {
            for (const res of hanging.splice(0)) res.writeHead(status).end(status === 204 ? undefined : '{"error":"timeout"}');
        },
        close: () => {
            for (const res of hanging) res.destroy();
            server.closeAllConnections();
            return new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

test('a 5xx, a timeout and a 401 each keep the batch in the spool; the same bytes are replayed until one is taken', async () => {
    const influx = await scriptedInflux([
        { status: 500, error: 'engine: cache-max-memory-size exceeded' },
        'hang',
        { status: 401, error: 'authorization failed' },
    ]);
    try {
        const { writer, written, errors } = startWriter({
            url: influx.url,
            database: 'energy',
            retentionPolicy: 'raw',
            username: 'node-red',
            password: 'a-token',
            precision: 'us',
            spool: openSpool('scripted'),
            requestTimeoutMs: 300,
            retryMinMs: 50,
            retryMaxMs: 100,
        });
        const states: string[] = [];
        writer.on('stats', (stats) => states.push(stats.state));
        writer.writeLines(['m v=1i 1000', 'm v=2i 2000', 'm s="a\nb" 3000']);
        await writer.flush();
        await waitFor(() => written.length === 1, 10_000);

        const writes = influx.requests.filter((r) => r.method === 'POST');
        assert.equal(writes.length, 4);
        for (const request of writes) {
            assert.equal(
                request.url,
                '/influx/write?db=energy&precision=u&rp=raw',
                'precision us is sent as u: influxd 1.x reads "us" as ns',
            );
            assert.equal(request.authorization, `Basic ${Buffer.from('node-red:a-token').toString('base64')}`);
            assert.equal(request.body, 'm v=1i 1000\nm v=2i 2000\nm s="a\nb" 3000');
        }
        assert.ok(
            influx.requests.some((r) => r.method === 'GET' && r.url === '/influx/ping'),
            'probed before retrying',
        );
        assert.deepEqual(
            written.map((b) => [b.points, b.replayed]),
            [[3, true]],
        );
        assert.equal(errors.length, 1, "only the 401 is the user's business");
        assert.ok(errors[0] instanceof InfluxWriteError);
        assert.deepEqual(errors[0].problem, {
            server: `InfluxDB ${new URL(influx.url).host}/influx/energy`,
            status: 401,
            detail: 'authorization failed',
            credentials: true,
        });
        assert.ok(states.includes('ok'));
        assert.deepEqual(writer.counters, { queued: 0, written: 3, spooled: 0, failed: 0, refused: 0 });
        await writer.close();
    } finally {
        await influx.close();
    }
});

test('a 400 is sorted out by halving, unless InfluxDB says it dropped every point sent', async () => {
    const conflict = (dropped: number) => ({ status: 400, error: `partial write: points beyond retention policy dropped=${dropped}` });
    const influx = await scriptedInflux([conflict(3), conflict(1), conflict(1), conflict(1)]);
    try {
        const { writer, rejected } = startWriter({ url: influx.url, database: 'energy', spool: openSpool('sorting-out'), batchSize: 3 });
        writer.writeLines(['m v=1i 1', 'm v=2i 2', 'm v=3i 3']);
        await writer.flush();
        assert.deepEqual(
            rejected.map((r) => r.line),
            ['m v=1i 1', 'm v=2i 2', 'm v=3i 3'],
        );
        assert.equal(influx.requests.length, 1, 'one request: dropped=3 of 3');

        writer.writeLines(['m v=4i 4', 'm v=5i 5', 'm v=6i 6']);
        await writer.flush();
        const sent = influx.requests.slice(1).map((r) =>
            r.body
                .split('\n')
                .map((line) => line.split(' ')[2])
                .join(','),
        );
        // [4,5,6] dropped 1 of 3: halved; [4] alone is refused; [5,6] is refused too, so each is tried alone, and taken.
        assert.deepEqual(sent, ['4,5,6', '4', '5,6', '5', '6']);
        assert.deepEqual(
            rejected.slice(3).map((r) => r.line),
            ['m v=4i 4'],
        );
        assert.deepEqual(writer.counters, { queued: 0, written: 2, spooled: 0, failed: 4, refused: 0 });
    } finally {
        await influx.close();
    }
});

test('field type conflicts: a line the message is not about gets its own answer; a type InfluxDB keeps changing its mind about ends in a rejection', async () => {
    const conflict = (field: string, sent: string, held: string, dropped: number) => ({
        status: 400,
        error: `partial write: field type conflict: input field "${field}" on measurement "m" is type ${sent}, already exists as type ${held} dropped=${dropped}`,
    });
    const taken = { status: 204, error: '' };
    const influx = await scriptedInflux([
        conflict('v', 'float', 'integer', 3),
        conflict('w', 'float', 'string', 1),
        taken,
        conflict('w', 'float', 'string', 1),
        conflict('w', 'float', 'string', 1),
        taken,
        conflict('x', 'float', 'integer', 1),
        conflict('x', 'integer', 'float', 1),
        conflict('x', 'float', 'integer', 1),
    ]);
    try {
        const { writer, rejected, lost } = startWriter({
            url: influx.url,
            database: 'energy',
            spool: openSpool('conflicts'),
            batchSize: 3,
        });
        writer.writeLines(['m v=1 1', 'm w=2 2', 'm v=3 3']);
        await writer.flush();
        const bodies = () => influx.requests.filter((r) => r.method === 'POST').map((r) => r.body.split('\n'));
        assert.deepEqual(bodies(), [
            ['m v=1 1', 'm w=2 2', 'm v=3 3'],
            // InfluxDB named v for all three: the two with v are rewritten, the third goes along for its own answer.
            ['m v=1i 1', 'm w=2 2', 'm v=3i 3'],
            ['m v=1i 1'],
            ['m w=2 2', 'm v=3i 3'],
            ['m w=2 2'],
            ['m v=3i 3'],
        ]);
        assert.deepEqual(lost, [{ measurement: 'm', field: 'w', value: '2', held: 'string', line: 'm w=2 2', pointLost: true }]);
        assert.equal(rejected.length, 0);

        writer.write('m x=1 4');
        await writer.flush();
        assert.deepEqual(bodies().slice(6), [['m x=1 4'], ['m x=1i 4'], ['m x=1 4']]);
        assert.deepEqual(
            rejected.map((r) => r.line),
            ['m x=1 4'],
            'the line it had tried already is not sent again',
        );
        assert.deepEqual(writer.counters, { queued: 0, written: 2, spooled: 0, failed: 2, refused: 0 });
    } finally {
        await influx.close();
    }
});

for (const fate of [204, 503]) {
    test(`InfluxDB slower than the input: batches overflow to the spool behind the one in flight, which is then ${fate === 204 ? 'taken' : 'refused'}`, async () => {
        const influx = await scriptedInflux(['hang']);
        try {
            const spool = openSpool(`overflow-${fate}`);
            const { writer, written } = startWriter({
                url: influx.url,
                database: 'energy',
                spool,
                batchSize: 10,
                maxQueuedBatches: 2,
                retryMinMs: 20,
                retryMaxMs: 40,
            });
            for (let seq = 0; seq < 10; seq++) writer.write(seqLine('m', seq));
            await waitFor(() => influx.requests.length === 1);
            for (let seq = 10; seq < 40; seq++) writer.write(seqLine('m', seq));
            assert.equal(spool.batches, 4, 'the batch in flight and the three behind it');
            assert.deepEqual(writer.counters, { queued: 0, written: 0, spooled: 40, failed: 0, refused: 0 });

            influx.release(fate);
            await waitFor(() => writer.counters.written === 40);
            const bodies = influx.requests.filter((r) => r.method === 'POST').map((r) => seqsOf(r.body)[0]);
            assert.deepEqual(bodies, fate === 204 ? [0, 10, 20, 30] : [0, 0, 10, 20, 30], 'each batch sent once more only if refused');
            assert.deepEqual(
                written.flatMap((b) => seqsOf(b.bytes.toString())),
                Array.from({ length: 40 }, (_, i) => i),
            );
            assert.equal(spool.batches, 0);
        } finally {
            await influx.close();
        }
    });
}

test('a spooled record the disk corrupted is reported and counted as failed; the replay goes on', async () => {
    const influx = await scriptedInflux([]);
    try {
        const dir = path.join(workDir, 'spool', 'corrupt');
        const before = new Spool(dir, { segmentBytes: 200 });
        for (let n = 0; n < 4; n++) before.append({ bytes: Buffer.from([0, 1].map((i) => seqLine('m', n * 2 + i)).join('\n')), points: 2 });
        await before.close();
        const first = path.join(
            dir,
            fs
                .readdirSync(dir)
                .filter((name) => name.endsWith('.seg'))
                .sort()[0],
        );
        const bytes = fs.readFileSync(first);
        bytes[15] ^= 0x20;
        fs.writeFileSync(first, bytes);

        const spool = openSpool('corrupt');
        const { writer, written, errors } = startWriter({ url: influx.url, database: 'energy', spool });
        await waitFor(() => spool.batches === 0);
        assert.equal(errors.length, 1);
        assert.match(errors[0].message, /corrupt.*2 points are lost/);
        assert.deepEqual(
            written.flatMap((b) => seqsOf(b.bytes.toString())),
            [2, 3, 4, 5, 6, 7],
        );
        assert.deepEqual(writer.counters, { queued: 0, written: 6, spooled: 0, failed: 2, refused: 0 });
    } finally {
        await influx.close();
    }
});

test('close() gives up on a request InfluxDB does not answer and spools its batch, within closeTimeoutMs', async () => {
    const influx = await scriptedInflux(['hang']);
    try {
        const spool = openSpool('close-timeout');
        const { writer } = startWriter({
            url: influx.url,
            database: 'energy',
            spool,
            requestTimeoutMs: 10_000,
            closeTimeoutMs: 300,
            flushIntervalMs: 10,
        });
        for (let seq = 0; seq < 10; seq++) writer.write(seqLine('m', seq));
        await waitFor(() => influx.requests.length === 1);
        writer.write(seqLine('m', 10));
        const start = Date.now();
        await writer.close();
        assert.ok(Date.now() - start < 1000, `close took ${Date.now() - start} ms`);
        assert.equal(spool.points, 11, 'the batch in flight and the one in memory, in order');
        assert.deepEqual(seqsOf(spool.peek()!.bytes.toString()), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert.throws(() => writer.write(seqLine('m', 11)), /closed/);
    } finally {
        await influx.close();
    }
});

test('rate into influxd with 5,000-point batches, against raw POSTs of the same batches', async (t) => {
    await createDatabase('rate');
    const POINTS = 200_000;
    const types = new FieldTypes();
    const encodeStart = process.hrtime.bigint();
    const lines = Array.from({ length: POINTS }, (_, i) =>
        encoded(
            {
                measurement: 'power',
                tags: { meter: '021861348497' },
                fields: { papp: 2000 + (i % 1000), iinst: 9.5, seq: i },
                time: BASE_MS + i,
            },
            types,
        ),
    );
    const encodeSeconds = Number(process.hrtime.bigint() - encodeStart) / 1e9;

    const rawStart = process.hrtime.bigint();
    for (let i = 0; i < POINTS; i += 5000)
        await influxWrite(
            influxd.url,
            'rate',
            lines
                .slice(i, i + 5000)
                .join('\n')
                .replace(/power,/g, 'raw,'),
            'ms',
        );
    const rawSeconds = Number(process.hrtime.bigint() - rawStart) / 1e9;

    const { writer } = startWriter({ database: 'rate', spool: openSpool('rate'), batchSize: 5000 });
    const start = process.hrtime.bigint();
    for (let i = 0; i < POINTS; i += 5000) {
        // A producer that yields, like Node-RED delivering messages; the writer keeps up without spooling.
        while (writer.counters.queued >= 20_000) await once(writer, 'written');
        writer.writeLines(lines.slice(i, i + 5000));
    }
    await writer.flush();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    assert.deepEqual(writer.counters, { queued: 0, written: POINTS, spooled: 0, failed: 0, refused: 0 });
    assert.deepEqual(await rows('rate', 'SELECT count(seq) FROM power'), [['1970-01-01T00:00:00Z', POINTS]]);
    const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en')} points/s`;
    t.diagnostic(`encode ${rate(POINTS, encodeSeconds)}; InfluxWriter ${rate(POINTS, seconds)}; raw POSTs ${rate(POINTS, rawSeconds)}`);
});
