/**
 * scripts/stack/influxd.ts against the real Debian influxd (1.6.7): a private server in a temp
 * folder, line-protocol writes and InfluxQL reads over HTTP, a continuous query that actually runs
 * (the store's downsampling depends on it), and a restart on the same data folder (the demo's
 * second run).
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { influxQuery, influxWrite, startInfluxd, type Influxd } from '../../scripts/stack/influxd';
import { eventually } from '../support/wait';
import { isRunning } from '../support/processes';

const DB = 'energy_test';
/** Ten minutes ago, on a whole minute: the points fall in one complete 1-minute bucket. */
const BASE_S = Math.floor(Date.now() / 60_000) * 60 - 600;
const POINTS = [
    `power,meter=021861348497 papp=2840i,iinst=12.5 ${BASE_S}`,
    `power,meter=021861348497 papp=3000i,iinst=13 ${BASE_S + 10}`,
    `power,meter=021861348497 papp=3160i,iinst=14 ${BASE_S + 20}`,
].join('\n');

let dataDir: string;
let influxd: Influxd | undefined;

async function powerRows(url: string): Promise<unknown[][]> {
    const [result] = await influxQuery(url, DB, 'SELECT papp, iinst, meter FROM power ORDER BY time');
    return result.series?.[0].values ?? [];
}

before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'influxd-test-'));
});

after(async () => {
    await influxd?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
});

test('starts a private influxd on loopback, answering /ping', async () => {
    influxd = await startInfluxd({ dataDir });
    assert.equal(influxd.host, '127.0.0.1');
    assert.equal(influxd.url, `http://127.0.0.1:${influxd.port}`);
    const ping = await fetch(`${influxd.url}/ping`);
    assert.equal(ping.status, 204);
    assert.match(ping.headers.get('x-influxdb-version') ?? '', /^1\./);
    const config = fs.readFileSync(path.join(dataDir, 'influxdb.conf'), 'utf8');
    assert.match(config, /^bind-address = "127\.0\.0\.1:\d+"$/m, 'the RPC port is on loopback too');
});

test('writes line protocol and reads the points back, integers as integers', async () => {
    assert.ok(influxd);
    await influxQuery(influxd.url, undefined, `CREATE DATABASE ${DB}`);
    await influxWrite(influxd.url, DB, POINTS, 's');
    for (const dir of ['meta', 'data', 'wal'])
        assert.ok(fs.existsSync(path.join(dataDir, dir, ...(dir === 'meta' ? [] : [DB]))), `${dir}/ is inside the data folder`);
    assert.deepEqual(await powerRows(influxd.url), [
        [new Date(BASE_S * 1000).toISOString().replace('.000', ''), 2840, 12.5, '021861348497'],
        [new Date((BASE_S + 10) * 1000).toISOString().replace('.000', ''), 3000, 13, '021861348497'],
        [new Date((BASE_S + 20) * 1000).toISOString().replace('.000', ''), 3160, 14, '021861348497'],
    ]);
    await assert.rejects(influxWrite(influxd.url, DB, `power,meter=021861348497 papp=1.5 ${BASE_S + 30}`, 's'), /field type conflict/);
    await assert.rejects(influxQuery(influxd.url, DB, 'SELECT FROM'), /InfluxDB query failed/);
});

test('runs continuous queries: a 1-minute mean appears in its target measurement', async () => {
    assert.ok(influxd);
    // RESAMPLE ... FOR 1h makes the service (which checks every second) cover buckets already past.
    await influxQuery(
        influxd.url,
        DB,
        `CREATE CONTINUOUS QUERY power_1m ON ${DB} RESAMPLE EVERY 1s FOR 1h BEGIN SELECT mean(papp) AS papp INTO ${DB}.autogen.power_1m FROM power GROUP BY time(1m), * END`,
    );
    const [shown] = await influxQuery(influxd.url, DB, 'SHOW CONTINUOUS QUERIES');
    const ours = shown.series?.find((s) => s.name === DB);
    assert.deepEqual(
        ours?.values.map((row) => row[0]),
        ['power_1m'],
    );
    const rows = await eventually(
        async () => (await influxQuery(influxd!.url, DB, 'SELECT papp, meter FROM power_1m'))[0].series?.[0].values,
        15_000,
    );
    assert.deepEqual(rows, [[new Date(BASE_S * 1000).toISOString().replace('.000', ''), 3000, '021861348497']]);
});

test('refuses a second influxd on the same data folder', async () => {
    assert.ok(influxd);
    await assert.rejects(startInfluxd({ dataDir }), new RegExp(`\\(pid ${influxd.pid}\\) is already running`));
});

test('restarts on the same data folder: databases, points and continuous queries are still there', async () => {
    assert.ok(influxd);
    const first = influxd;
    await first.stop();
    assert.equal(isRunning(first.pid), false, 'the first influxd exited');
    await assert.rejects(fetch(`${first.url}/ping`), 'nothing listens on the old port');

    influxd = await startInfluxd({ dataDir });
    assert.notEqual(influxd.pid, first.pid);
    assert.equal((await powerRows(influxd.url)).length, 3);
    const [shown] = await influxQuery(influxd.url, DB, 'SHOW CONTINUOUS QUERIES');
    assert.ok(shown.series?.some((s) => s.name === DB && s.values.some((row) => row[0] === 'power_1m')));
});

test('continuousQueries: false leaves continuous queries idle', async () => {
    assert.ok(influxd);
    await influxd.stop();
    influxd = await startInfluxd({ dataDir, continuousQueries: false });
    await influxWrite(influxd.url, DB, `power,meter=021861348497 papp=1000i,iinst=5 ${BASE_S + 60}`, 's');
    // Enabled, the service picked the first bucket up within about a second.
    await new Promise((r) => setTimeout(r, 3000));
    const [result] = await influxQuery(influxd.url, DB, 'SELECT papp FROM power_1m');
    assert.equal(result.series?.[0].values.length, 1, 'no new 1-minute bucket');
});

test('stop() ends the process and can be called twice', async () => {
    assert.ok(influxd);
    const last = influxd;
    await Promise.all([last.stop(), last.stop()]);
    assert.equal(isRunning(last.pid), false);
    await last.stop();
    assert.equal(fs.existsSync(path.join(dataDir, 'influxd.pid')), false, 'influxd removed its pid file');
});

test('says how to install influxd when it is not on the PATH', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-path-'));
    try {
        await assert.rejects(startInfluxd({ dataDir: path.join(dataDir, 'unused') }), /apt-get install influxdb/);
    } finally {
        fs.rmSync(process.env.PATH, { recursive: true, force: true });
        process.env.PATH = savedPath;
    }
});
