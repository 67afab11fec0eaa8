/**
 * `influx-store` (with its `influx-server`) in a real Node-RED runtime (node-red-node-test-helper),
 * on Node-RED 4.1 and 5.0, writing to the real Debian influxd started privately in a temp folder:
 * times (msg.timestamp, else arrival), numbers as floats by default (integers where asked, or with
 * a flow saved with numbers auto), tags, arrays of points, dropped fields, lost values (another type
 * than InfluxDB holds: catchable, once a minute per field, counted), a spool written before the
 * types were known, a point InfluxDB refuses, a full spool, credentials on the wire, and close.
 * `RED._` returns keys in the helper, so status texts and errors are asserted on their keys.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import influxServer = require('../../nodes/influx-server/influx-server');
import influxStore = require('../../nodes/influx-store/influx-store');
import { influxQuery, influxWrite, startInfluxd, type Influxd } from '../../scripts/stack/influxd';
import { Spool } from '../../lib/store/spool';
import { freePort } from '../../scripts/stack/service';
import { influxRows, landedRows } from '../support/influx';
import {
    describeOnEachRuntime,
    helper,
    pastCalls,
    received,
    recordingTranslations,
    spiedCalls,
    statusMatching,
    type Translation,
} from '../support/node-red';
import { projectRoot } from '../support/paths';
import { eventually, waitFor } from '../support/wait';

type Msg = Record<string, unknown>;

let workDir: string;
let influxd: Influxd;
/** Each test gets its own node ids (hence spool folders) and database. */
let sequence = 0;

before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'influx-store-test-'));
    influxd = await startInfluxd({ dataDir: path.join(workDir, 'influxd'), continuousQueries: false });
});

after(async () => {
    await influxd.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
});

const rows = (database: string, query: string) => influxRows(influxd.url, database, query);
const landed = (database: string, query: string, count: number, timeoutMs?: number) =>
    landedRows(influxd.url, database, query, count, { timeoutMs });

async function fieldTypes(database: string, measurement: string): Promise<Record<string, string>> {
    const [result] = await influxQuery(influxd.url, database, `SHOW FIELD KEYS FROM "${measurement}"`);
    return Object.fromEntries((result.series?.[0]?.values ?? []) as [string, string][]);
}

describeOnEachRuntime('influx-store', () => {
    before(() => {
        helper.settings({ userDir: path.join(workDir, 'userDir') });
    });

    /** A fresh database, and a flow: server → store, with a Catch node on the store. */
    async function storeFlow(store: Record<string, unknown> = {}, server: Record<string, unknown> = {}) {
        const n = ++sequence;
        const database = `store_${n}`;
        await influxQuery(influxd.url, undefined, `CREATE DATABASE ${database}`);
        const ids = { store: `store-${n}`, server: `server-${n}`, caught: `caught-${n}` };
        const flow: ({ id: string; type: string } & Record<string, unknown>)[] = [
            { id: ids.server, type: 'influx-server', host: '127.0.0.1', port: influxd.port, database, ...server },
            { id: ids.store, type: 'influx-store', server: ids.server, measurement: 'linky', flushInterval: 0.1, ...store },
            { id: `catch-${n}`, type: 'catch', scope: [ids.store], uncaught: false, wires: [[ids.caught]] },
            { id: ids.caught, type: 'helper' },
        ];
        return { database, ids, flow };
    }

    test('msg.timestamp when given, else the moment the message arrived (not the write); numbers are floats by default', async () => {
        const { database, ids, flow } = await storeFlow({ flushInterval: 1.5 });
        await helper.load([influxServer, influxStore], flow);
        const store = helper.getNode(ids.store);
        const stamped = Date.parse('2024-06-01T10:00:00.123Z');
        store.receive({ topic: '021861348497', payload: { PAPP: 1200, IINST: 5.5, PTEC: 'HP..', ADPS: false }, timestamp: stamped });
        const before = Date.now();
        store.receive({ topic: '021861348497', payload: { PAPP: 1300 } });
        const arrived = Date.now();
        const found = await landed(database, 'SELECT * FROM linky', 2);
        const writtenBy = Date.now();
        assert.deepEqual(found[0], {
            time: '2024-06-01T10:00:00.123Z',
            meter: '021861348497',
            PAPP: 1200,
            IINST: 5.5,
            PTEC: 'HP..',
            ADPS: false,
        });
        const time = Date.parse(found[1].time as string);
        assert.ok(time >= before && time <= arrived, `stamped on arrival (${time} in [${before}, ${arrived}])`);
        assert.ok(writtenBy - time >= 1000, 'written a flush interval later, with the arrival time');
        assert.deepEqual(await fieldTypes(database, 'linky'), { ADPS: 'boolean', IINST: 'float', PAPP: 'float', PTEC: 'string' });
        const status = await statusMatching(store, (s) => s.fill === 'green' && s.text === 'influx-store.status.counters');
        assert.equal(status.shape, 'dot');
    });

    test('default settings: a field whose first value is 0 and the next 0.5 keeps every value, exact (3,000 messages)', async () => {
        const { database, ids, flow } = await storeFlow();
        await helper.load([influxServer, influxStore], flow);
        const store = helper.getNode(ids.store);
        const warnings = spiedCalls(store, 'call:warn');
        const errors = spiedCalls(store, 'call:error');
        const t = Date.parse('2024-06-01T00:00:00Z');
        for (let i = 0; i < 3000; i++) store.receive({ payload: { seq: i, v: i * 0.5 }, timestamp: t + i });
        const found = await landed(database, 'SELECT seq, v FROM linky', 3000);
        assert.deepEqual(
            found.map((r) => [r.seq, r.v]),
            Array.from({ length: 3000 }, (_, i) => [i, i * 0.5]),
        );
        assert.deepEqual(await fieldTypes(database, 'linky'), { seq: 'float', v: 'float' });
        assert.deepEqual([warnings, errors], [[], []]);
        await statusMatching(store, (s) => s.fill === 'green' && s.text === 'influx-store.status.counters');
    });

    test('integers where asked: the integer fields listed, or every whole number in a flow saved with numbers auto', async () => {
        const { database, ids, flow } = await storeFlow({ integerFields: ' BASE , HCHC,', topicTag: '' });
        flow.push({
            id: `${ids.store}-auto`,
            type: 'influx-store',
            server: ids.server,
            measurement: 'auto',
            numbers: 'auto',
            flushInterval: 0.1,
        });
        await helper.load([influxServer, influxStore], flow);
        const t = Date.parse('2024-06-01T00:00:00Z');
        helper.getNode(ids.store).receive({ payload: { BASE: 12_345_678, HCHC: 0, PAPP: 1200 }, timestamp: t });
        helper.getNode(`${ids.store}-auto`).receive({ payload: { BASE: 12_345_678, PAPP: 1200, IINST: 5.5 }, timestamp: t });
        await landed(database, 'SELECT * FROM linky', 1);
        await landed(database, 'SELECT * FROM auto', 1);
        assert.deepEqual(await fieldTypes(database, 'linky'), { BASE: 'integer', HCHC: 'integer', PAPP: 'float' });
        assert.deepEqual(await fieldTypes(database, 'auto'), { BASE: 'integer', IINST: 'float', PAPP: 'integer' });
    });

    test("the shipped flows store what they stored before: home-linky's readings as integers (numbers auto), the forecasts as floats", async () => {
        const { database, ids, flow } = await storeFlow();
        for (const name of ['home-linky', 'aberrant-consumption']) {
            const store = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'flows', `${name}.json`), 'utf8')) as Msg[]).find(
                (node) => node.type === 'influx-store',
            );
            assert.ok(store, `an influx-store in ${name}.json`);
            // Every property as shipped, on this test's server, outside any tab.
            const properties = Object.fromEntries(Object.entries(store).filter(([key]) => !['z', 'x', 'y', 'wires'].includes(key)));
            flow.push({ ...properties, id: `${ids.store}-${name}`, type: 'influx-store', server: ids.server, flushInterval: 0.1 });
        }
        await helper.load([influxServer, influxStore], flow);
        const t = Date.parse('2024-06-01T00:00:00Z');
        helper
            .getNode(`${ids.store}-home-linky`)
            .receive({ topic: '021861348497', payload: { BASE: 12_345_678, PAPP: 1200, IINST: 5, PTEC: 'TH..' }, timestamp: t });
        helper.getNode(`${ids.store}-aberrant-consumption`).receive({
            topic: '021861348497',
            fields: { value: 1200, prediction: 1234, deviation: 10, upper: 1254.5, lower: 1213.5, violation: false, failure: false },
            timestamp: t,
        });
        await landed(database, 'SELECT * FROM teleinfo', 1);
        await landed(database, 'SELECT * FROM apparent_power_forecast', 1);
        assert.deepEqual(await fieldTypes(database, 'teleinfo'), { BASE: 'integer', IINST: 'integer', PAPP: 'integer', PTEC: 'string' });
        assert.deepEqual(await fieldTypes(database, 'apparent_power_forecast'), {
            deviation: 'float',
            failure: 'boolean',
            lower: 'float',
            prediction: 'float',
            upper: 'float',
            value: 'float',
            violation: 'boolean',
        });
    });

    test('a value InfluxDB cannot store in its field (text into a number field) is lost: a catchable error naming it, once a minute per field, counted', async () => {
        const { database, ids, flow } = await storeFlow();
        const translations: Translation[] = [];
        await helper.load([influxServer, recordingTranslations(influxStore, translations)], flow);
        const store = helper.getNode(ids.store);
        const caught = received(helper.getNode(ids.caught));
        const t = Date.parse('2024-06-01T00:00:00Z');
        store.receive({ payload: { PAPP: 1200, IINST: 5 }, timestamp: t });
        await landed(database, 'SELECT * FROM linky', 1);
        for (let i = 1; i <= 3; i++) store.receive({ payload: { PAPP: 'n/a', IINST: i }, timestamp: t + i });
        store.receive({ payload: { PAPP: 1300, IINST: 'n/a' }, timestamp: t + 4 });
        assert.deepEqual(
            (await landed(database, 'SELECT * FROM linky', 5)).map((r) => [r.PAPP, r.IINST]),
            [
                [1200, 5],
                [null, 1],
                [null, 2],
                [null, 3],
                [1300, null],
            ],
        );
        await waitFor(() => caught.length === 2);
        assert.deepEqual(
            caught.map((msg) => [(msg.error as { message: string }).message, msg.topic, msg.payload]),
            [
                [
                    'influx-store.errors.valueLost',
                    'influx-store',
                    { measurement: 'linky', field: 'PAPP', value: '"n/a"', fieldType: 'float', lostSinceLastReport: 0 },
                ],
                [
                    'influx-store.errors.valueLost',
                    'influx-store',
                    { measurement: 'linky', field: 'IINST', value: '"n/a"', fieldType: 'float', lostSinceLastReport: 0 },
                ],
            ],
        );
        assert.deepEqual(translations.find((tr) => tr.key === 'influx-store.errors.valueLost')?.values, {
            measurement: 'linky',
            field: 'PAPP',
            value: '"n/a"',
            type: 'float',
            more: 0,
        });
        await statusMatching(store, (s) => s.text?.endsWith('influx-store.status.lost') === true);
        assert.deepEqual(translations.filter((tr) => tr.key === 'influx-store.status.lost').pop()?.values, { lost: 4 });
        // No message failed: every point was stored, without its lost value.
        assert.equal(caught.length, 2);
    });

    test('a spool written before the types were known (InfluxDB holds v as integer): every point lands, its whole values as integers', async () => {
        const { database, ids, flow } = await storeFlow();
        const t = Date.parse('2024-06-01T00:00:00Z');
        await influxWrite(influxd.url, database, `linky v=7i ${t - 1}`, 'ms');
        const left = new Spool(path.join(workDir, 'userDir', 'energy-spool', ids.store));
        left.append({
            bytes: Buffer.from(Array.from({ length: 100 }, (_, i) => `linky seq=${i},v=${i * 10} ${t + i}`).join('\n')),
            points: 100,
        });
        await left.close();
        await helper.load([influxServer, influxStore], flow);
        const store = helper.getNode(ids.store);
        const caught = received(helper.getNode(ids.caught));
        const found = await landed(database, `SELECT seq, v FROM linky WHERE time >= ${t}ms`, 100);
        assert.deepEqual(
            found.map((r) => [r.seq, r.v]),
            Array.from({ length: 100 }, (_, i) => [i, i * 10]),
        );
        // New points follow the type InfluxDB holds; a fractional one cannot be written and is reported.
        store.receive({ payload: { seq: 100, v: 1000 }, timestamp: t + 100 });
        store.receive({ payload: { seq: 101, v: 0.5 }, timestamp: t + 101 });
        const next = await landed(database, `SELECT seq, v FROM linky WHERE time >= ${t + 100}ms`, 2);
        assert.deepEqual(
            next.map((r) => [r.seq, r.v]),
            [
                [100, 1000],
                [101, null],
            ],
        );
        assert.deepEqual(await fieldTypes(database, 'linky'), { seq: 'float', v: 'integer' });
        await waitFor(() => caught.length === 1);
        assert.deepEqual(caught[0].payload, {
            measurement: 'linky',
            field: 'v',
            value: '0.5',
            fieldType: 'integer',
            lostSinceLastReport: 0,
        });
    });

    test('a value payload is the field `value`; the topic tag, msg.tags, msg.measurement and another fields property', async () => {
        const { database, ids, flow } = await storeFlow();
        flow.push(
            {
                id: `${ids.store}-notopic`,
                type: 'influx-store',
                server: ids.server,
                measurement: 'plain',
                topicTag: '',
                flushInterval: 0.1,
            },
            {
                id: `${ids.store}-forecast`,
                type: 'influx-store',
                server: ids.server,
                measurement: 'forecast',
                topicTag: 'series',
                fieldsProperty: 'forecast',
                tagsProperty: 'labels',
                flushInterval: 0.1,
            },
        );
        await helper.load([influxServer, influxStore], flow);
        const time = Date.parse('2024-06-01T00:00:00Z');
        helper
            .getNode(ids.store)
            .receive({ topic: 'm1', payload: 42, tags: { phase: 1, site: 'home', ignored: { x: 1 } }, timestamp: time });
        helper.getNode(ids.store).receive({ topic: 'm1', payload: 43, measurement: 'other', timestamp: time });
        helper.getNode(`${ids.store}-notopic`).receive({ topic: 'm1', payload: 7, timestamp: time });
        helper
            .getNode(`${ids.store}-forecast`)
            .receive({ topic: 'PAPP', payload: 1, forecast: { predicted: 1.5, upper: 2 }, labels: { model: 'hw' }, timestamp: time });
        assert.deepEqual(await landed(database, 'SELECT * FROM linky', 1), [
            { time: '2024-06-01T00:00:00Z', meter: 'm1', phase: '1', site: 'home', value: 42 },
        ]);
        assert.deepEqual(await landed(database, 'SELECT * FROM other', 1), [{ time: '2024-06-01T00:00:00Z', meter: 'm1', value: 43 }]);
        assert.deepEqual(await landed(database, 'SELECT * FROM plain', 1), [{ time: '2024-06-01T00:00:00Z', value: 7 }]);
        assert.deepEqual(await landed(database, 'SELECT * FROM forecast', 1), [
            { time: '2024-06-01T00:00:00Z', series: 'PAPP', model: 'hw', predicted: 1.5, upper: 2 },
        ]);
    });

    test('an array is several points, each with its own fields, tags, time and measurement; a bad element is a catchable error', async () => {
        const { database, ids, flow } = await storeFlow();
        await helper.load([influxServer, influxStore], flow);
        const store = helper.getNode(ids.store);
        const caught = received(helper.getNode(ids.caught));
        const t = Date.parse('2024-06-01T00:00:00Z');
        store.receive({
            topic: 'm1',
            timestamp: t + 5000,
            payload: [
                { fields: { EAST: 1000 }, timestamp: t },
                { payload: 2, tags: { phase: '2' }, measurement: 'phases', timestamp: t + 1000 },
                { fields: { EAST: 1001 } },
                'not a point',
            ],
        });
        await waitFor(() => caught.length === 1);
        assert.equal((caught[0].error as { message: string }).message, 'Error: influx-store.errors.pointsNotStored');
        assert.deepEqual(await landed(database, 'SELECT * FROM linky', 2), [
            { time: '2024-06-01T00:00:00Z', meter: 'm1', EAST: 1000 },
            { time: '2024-06-01T00:00:05Z', meter: 'm1', EAST: 1001 },
        ]);
        assert.deepEqual(await landed(database, 'SELECT * FROM phases', 1), [
            { time: '2024-06-01T00:00:01Z', meter: 'm1', phase: '2', value: 2 },
        ]);
    });

    test('NaN, ±Infinity, null and nested values are never sent: counted, one warning per field key', async () => {
        const { database, ids, flow } = await storeFlow();
        await helper.load([influxServer, influxStore], flow);
        const store = helper.getNode(ids.store);
        const warnings = spiedCalls(store, 'call:warn');
        const caught = received(helper.getNode(ids.caught));
        const t = Date.parse('2024-06-01T00:00:00Z');
        for (let i = 0; i < 3; i++)
            store.receive({
                payload: { PAPP: i, BAD: NaN, UP: Infinity, DOWN: -Infinity, NONE: null, NESTED: { a: 1 } },
                timestamp: t + i,
            });
        store.receive({ payload: { BAD: NaN }, timestamp: t + 10 });
        assert.deepEqual(
            (await landed(database, 'SELECT * FROM linky', 3)).map((r) => r.PAPP),
            [0, 1, 2],
        );
        assert.deepEqual(Object.keys(await fieldTypes(database, 'linky')), ['PAPP']);
        await waitFor(() => caught.length === 1);
        assert.equal((caught[0].error as { message: string }).message, 'Error: influx-store.errors.pointNotStored');
        assert.equal(warnings.length, 5, 'one warning for each of BAD, UP, DOWN, NONE and NESTED');
        assert.ok(warnings.every(([text]) => text === 'influx-store.errors.droppedField'));
        await statusMatching(store, (s) => s.text?.includes('influx-store.status.dropped') === true);
    });

    test('a number InfluxDB refuses for a text field (400) is a lost value, reported with its field and learnt; the next is left out here', async () => {
        const { database, ids, flow } = await storeFlow();
        await helper.load([influxServer, influxStore], flow);
        const store = helper.getNode(ids.store);
        const caught = received(helper.getNode(ids.caught));
        const t = Date.parse('2024-06-01T00:00:00Z');
        store.receive({ payload: { PAPP: 1 }, timestamp: t });
        await landed(database, 'SELECT * FROM linky', 1);
        // Another writer made OPTARIF a string after the store read the field types.
        await influxWrite(influxd.url, database, `tariff OPTARIF="BASE" ${t}`, 'ms');
        store.receive({ payload: { OPTARIF: 4 }, measurement: 'tariff', timestamp: t + 1 });
        await waitFor(() => caught.length === 1);
        assert.equal((caught[0].error as { message: string }).message, 'influx-store.errors.valueLost');
        assert.deepEqual(caught[0].payload, {
            measurement: 'tariff',
            field: 'OPTARIF',
            value: '4',
            fieldType: 'string',
            lostSinceLastReport: 0,
        });
        // Now known as a string: the next number for it is left out here, not sent to be refused again;
        // the point has no other field, so the message fails (its lost value is not reported again within the minute).
        store.receive({ payload: { OPTARIF: 5 }, measurement: 'tariff', timestamp: t + 2 });
        await waitFor(() => caught.length === 2);
        assert.equal((caught[1].error as { message: string }).message, 'Error: influx-store.errors.pointNotStored');
        assert.deepEqual(await rows(database, 'SELECT * FROM tariff'), [{ time: '2024-06-01T00:00:00Z', OPTARIF: 'BASE' }]);
        await statusMatching(store, (s) => s.text?.includes('influx-store.status.lost') === true);
    });

    test('a point InfluxDB refuses for another reason (older than its retention policy) is reported with its line and counted, never retried', async () => {
        const { database, ids, flow } = await storeFlow();
        await influxQuery(influxd.url, database, `ALTER RETENTION POLICY autogen ON ${database} DURATION 1h SHARD DURATION 1h`);
        await helper.load([influxServer, influxStore], flow);
        const store = helper.getNode(ids.store);
        const caught = received(helper.getNode(ids.caught));
        const old = Date.parse('2024-06-01T00:00:00Z');
        store.receive({ payload: { PAPP: 1 }, timestamp: old });
        await waitFor(() => caught.length === 1);
        assert.equal(caught[0].payload, `linky PAPP=1 ${old}`);
        assert.equal(caught[0].statusCode, 400);
        assert.match(caught[0].influxError as string, /beyond retention policy/);
        assert.equal((caught[0].error as { message: string }).message, 'influx-store.errors.rejected');
        await statusMatching(store, (s) => s.fill === 'green' && s.text === 'influx-store.status.counters');
    });

    test('a field InfluxDB holds as a float takes an integral value as a float (types read at start)', async () => {
        const { database, ids, flow } = await storeFlow();
        const t = Date.parse('2024-06-01T00:00:00Z');
        await influxWrite(influxd.url, database, `linky IINST=2.5 ${t}`, 'ms');
        await helper.load([influxServer, influxStore], flow);
        const store = helper.getNode(ids.store);
        const caught = received(helper.getNode(ids.caught));
        // The types are read when the node starts: give that query its moment.
        await new Promise((resolve) => setTimeout(resolve, 300));
        store.receive({ payload: { IINST: 3 }, timestamp: t + 1 });
        assert.deepEqual(
            (await landed(database, 'SELECT IINST FROM linky', 2)).map((r) => r.IINST),
            [2.5, 3],
        );
        assert.equal(caught.length, 0);
    });

    test('InfluxDB unreachable and the spool full: points refused with a catchable error, a red status, counted', async () => {
        const closedPort = await freePort();
        const { ids, flow } = await storeFlow({ spoolMaxMB: 0.001, batchSize: 5, flushInterval: 0.02 }, { port: closedPort });
        await helper.load([influxServer, influxStore], flow);
        const store = helper.getNode(ids.store);
        const caught = received(helper.getNode(ids.caught));
        for (let i = 0; i < 1000 && caught.length === 0; i++) {
            store.receive({ payload: { PAPP: i }, timestamp: 1_700_000_000_000 + i });
            await new Promise((resolve) => setTimeout(resolve, 5));
        }
        assert.equal(caught.length, 1);
        assert.equal((caught[0].error as { message: string }).message, 'Error: influx-store.errors.pointNotStored');
        const status = await statusMatching(store, (s) => s.fill === 'red' && s.text?.startsWith('influx-store.status.spoolFull') === true);
        assert.equal(status.shape, 'ring');
        assert.ok(status.text!.includes('influx-store.status.refused'));
        const spoolDir = path.join(workDir, 'userDir', 'energy-spool', ids.store);
        assert.ok(
            fs.readdirSync(spoolDir).some((name) => name.endsWith('.seg')),
            'what was accepted is in the spool',
        );
    });

    test('credentials reach InfluxDB on writes and queries: Basic with a username and password; a token alone on 2.x in the Token scheme', async () => {
        const seen: { path: string; authorization?: string }[] = [];
        const fake = http.createServer((req, res) => {
            seen.push({ path: (req.url ?? '').split('?')[0], authorization: req.headers.authorization });
            req.resume();
            req.on('end', () => {
                if (req.url?.startsWith('/query')) {
                    res.writeHead(200, { 'content-type': 'application/json' });
                    res.end('{"results":[{"statement_id":0}]}');
                } else {
                    res.writeHead(204);
                    res.end();
                }
            });
        });
        await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
        try {
            const port = (fake.address() as { port: number }).port;
            const n = ++sequence;
            const flow = [
                { id: `user-${n}`, type: 'influx-server', host: '127.0.0.1', port, database: 'energy' },
                { id: `token-${n}`, type: 'influx-server', host: '127.0.0.1', port, database: 'energy', version: '2.x-v1' },
                { id: `store-user-${n}`, type: 'influx-store', server: `user-${n}`, measurement: 'linky', flushInterval: 0.05 },
                { id: `store-token-${n}`, type: 'influx-store', server: `token-${n}`, measurement: 'linky', flushInterval: 0.05 },
            ];
            await helper.load([influxServer, influxStore], flow, {
                [`user-${n}`]: { username: 'meter', password: 's3cret' },
                [`token-${n}`]: { password: 'my-api-token' },
            });
            helper.getNode(`store-user-${n}`).receive({ payload: 1 });
            helper.getNode(`store-token-${n}`).receive({ payload: 2 });
            const basic = `Basic ${Buffer.from('meter:s3cret').toString('base64')}`;
            await waitFor(
                () => seen.filter((r) => r.path === '/write').length === 2 && seen.filter((r) => r.path === '/query').length === 2,
            );
            for (const [path_, authorization] of [
                ['/write', basic],
                ['/query', basic],
                ['/write', 'Token my-api-token'],
                ['/query', 'Token my-api-token'],
            ]) {
                assert.ok(
                    seen.some((r) => r.path === path_ && r.authorization === authorization),
                    `${path_} with ${authorization}`,
                );
            }
            assert.ok(
                seen.every((r) => r.authorization !== undefined),
                'no request without credentials',
            );
        } finally {
            await helper.unload();
            await new Promise((resolve) => fake.close(resolve));
        }
    });

    test('a spool left by the last run is written first; with managed retention its points are then rolled up', async () => {
        const { database, ids, flow } = await storeFlow({}, { manageRetention: true });
        const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
        const left = new Spool(path.join(workDir, 'userDir', 'energy-spool', ids.store));
        left.append({
            bytes: Buffer.from(Array.from({ length: 120 }, (_, i) => `linky,meter=m1 PAPP=${i}i ${start + i * 30_000}`).join('\n')),
            points: 120,
        });
        await left.close();
        await helper.load([influxServer, influxStore], flow);
        const logs = spiedCalls(helper.getNode(ids.store), 'call:log');
        // The server sets up the policies meanwhile; the writer retries until `raw` exists.
        await eventually(async () =>
            (await rows(database, 'SHOW RETENTION POLICIES')).some((p) => p.name === 'rollup_1h') ? true : undefined,
        );
        assert.equal((await landed(database, 'SELECT * FROM raw.linky', 120, 15_000)).length, 120);
        const minutes = await landed(database, 'SELECT mean_PAPP FROM rollup_1m.linky', 60);
        assert.deepEqual(
            minutes.slice(0, 2).map((r) => r.mean_PAPP),
            [0.5, 2.5],
        );
        assert.deepEqual(
            (await landed(database, 'SELECT max_max_PAPP FROM rollup_1h.linky', 1)).map((r) => r.max_max_PAPP),
            [119],
        );
        assert.ok(logs.some(([text]) => text === 'influx-store.log.spoolEmptied'));
    });

    test('close sends what is still in memory', async () => {
        const { database, ids, flow } = await storeFlow({ flushInterval: 60 });
        await helper.load([influxServer, influxStore], flow);
        const store = helper.getNode(ids.store);
        for (let i = 0; i < 10; i++) store.receive({ payload: { PAPP: i }, timestamp: 1_700_000_000_000 + i });
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(await rows(database, 'SELECT * FROM linky'), [], 'nothing written before the flush interval');
        await helper.unload();
        assert.equal((await rows(database, 'SELECT * FROM linky')).length, 10);
    });

    test('unusable properties: red status with the reason, a catchable error at start and for each message', async () => {
        const { ids, flow } = await storeFlow({ precision: 'minutes' });
        await helper.load([influxServer, influxStore], flow);
        const store = helper.getNode(ids.store);
        const status = await statusMatching(store, (s) => s.fill === 'red');
        assert.equal(status.text, 'influx-store.errors.precision');
        store.receive({ payload: 1 });
        const catchNode = helper.getNode(flow.find((n) => n.type === 'catch')!.id);
        await waitFor(() => pastCalls(catchNode, 'send').length === 2);
        const caught = pastCalls(catchNode, 'send').map(([msg]) => (msg as { error: { message: string } }).error.message);
        assert.deepEqual(caught, [
            'influx-store.errors.precision (precision: "minutes")',
            'Error: influx-store.errors.precision (precision: "minutes")',
        ]);
    });
});
