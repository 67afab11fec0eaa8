/**
 * Points per second into a local influxd through influx-store, against the raw limit and against
 * node-red-contrib-influxdb, all in one run (the figures of issue 3).
 *
 *   node dist/bench/influx-store.js      BENCH_ROUNDS (default 3) rounds; BENCH_MESSAGES (default
 *                                        200,000) one-point messages, BENCH_POINTS (default
 *                                        1,000,000) points for the batch variants, BENCH_OUT
 *                                        (default 20,000) messages for `influxdb out`
 *
 * influxd 1.6.7 runs privately in a temp folder; Node-RED 4.1 runs embedded in this process (no
 * editor, no HTTP nodes) from a temporary userDir, loading this package from dist/ and
 * node-red-contrib-influxdb 0.7.0 from node_modules. bench-source and bench-count are node types
 * this file registers: the bench calls a source's send() and Node-RED delivers the messages along
 * its wire, as it delivers any node's output. Every variant writes the same points (measurement
 * `bench`, tag meter=bench, integer fields power, index and seq, one millisecond apart: the store's
 * default numbers with these three as its integer fields) into a database of its own, and its rate only counts once every point is in InfluxDB (checked by count):
 *
 *   do-nothing      one-point messages to bench-count, which calls done(): what the runtime itself
 *                   delivers, messages per second; sent BURST messages per event-loop turn
 *   store           the same messages to influx-store; the clock stops when the last point is in
 *                   InfluxDB (polling last(seq)); batches of 5,000, flush every second
 *   store arrays    messages carrying 5,000 points each (msg.payload an array) to influx-store
 *   raw             line protocol written beforehand, POSTed in 5,000-point batches, one request
 *                   at a time on a kept-alive connection: what influxd takes, the limit
 *   client          the `influx` client's writePoints, 5,000 points a call, one call at a time
 *                   (with a schema, so that the fields are integers as elsewhere)
 *   influxdb batch  node-red-contrib-influxdb's batch node, 5,000-point messages, at most
 *                   BATCH_WINDOW in flight (it answers done() once InfluxDB did)
 *   influxdb out    its out node, one point per message, at most OUT_WINDOW in flight: unbounded,
 *                   thousands of concurrent requests exhaust influxd (reference §10)
 *
 * Each round runs the variants in the order above, each from a collected heap, with every database
 * dropped and created again between rounds. Rates are medians over the rounds; ratios are medians of
 * each round's ratio.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { FieldType, InfluxDB, type IPoint } from 'influx';
import type { Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { influxQuery, startInfluxd, type Influxd } from '../scripts/stack/influxd';
import { median, processCpuSeconds, stealSeconds } from './stats';
import { NODE_RED_VERSION, RED, runtimeNodes, startEmbeddedNodeRed } from './embedded-node-red';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 1_000_000);
const OUT_MESSAGES = Number(process.env.BENCH_OUT ?? 20_000);
/** Points per request, message or call in the batch variants: InfluxDB's recommended maximum. */
const BATCH_POINTS = 5000;
/** One-point messages sent before the event loop turns (the teleinfo bench's bursts of ~1,000 frames). */
const BURST = 1000;
const BATCH_WINDOW = 4;
/** The store's integer fields: every field of the bench's points. */
const INTEGER_FIELDS = 'power, index, seq';
const OUT_WINDOW = 16;
/** The issue's targets. */
const TARGET = { storeToDoNothing: 0.8, storeToDoNothingFunction: 0.8, storeToInfluxdbOut: 10, arraysToRaw: 0.6 };
const DATABASES = ['bench_store', 'bench_arrays', 'bench_raw', 'bench_client', 'bench_batch', 'bench_out'] as const;
/** Two days ago on a whole second: every point at its own millisecond after it. */
const FIRST_TIME = Math.floor(Date.now() / 1000) * 1000 - 2 * 86_400_000;
const LANDING_TIMEOUT_MS = 120_000;

/** The hooks API of the runtime module (Node-RED 2+), which @types/node-red does not describe. */
interface RuntimeHooks {
    add(name: string, hook: (event: { node: { id: string } }) => void): void;
    remove(name: string): void;
}

const runtimeHooks = (RED as unknown as { hooks: RuntimeHooks }).hooks;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const sink = { received: 0 };

function CountingSink(this: Node, def: NodeDef): void {
    runtimeNodes.createNode(this, def);
    this.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: () => void) => {
        sink.received++;
        done();
    });
}

function Source(this: Node, def: NodeDef): void {
    runtimeNodes.createNode(this, def);
}

function fields(i: number): { power: number; index: number; seq: number } {
    return { power: i % 9000, index: 1_000_000_000 + i, seq: i };
}

function line(i: number): string {
    return `bench,meter=bench power=${i % 9000}i,index=${1_000_000_000 + i}i,seq=${i}i ${FIRST_TIME + i}`;
}

function benchFlow(influxPort: number): unknown[] {
    const tab = 'bench-flow';
    const server = (id: string, database: string) => ({ id, type: 'influx-server', host: '127.0.0.1', port: influxPort, database });
    const contribServer = (id: string, database: string) => ({
        id,
        type: 'influxdb',
        hostname: '127.0.0.1',
        port: influxPort,
        database,
        name: '',
        usetls: false,
        influxdbVersion: '1.x',
    });
    return [
        { id: tab, type: 'tab', label: 'influx-store bench' },
        server('server-store', 'bench_store'),
        server('server-arrays', 'bench_arrays'),
        contribServer('contrib-batch', 'bench_batch'),
        contribServer('contrib-out', 'bench_out'),
        { id: 'source-nothing', type: 'bench-source', z: tab, wires: [['do-nothing']] },
        { id: 'do-nothing', type: 'bench-count', z: tab, wires: [] },
        { id: 'source-function', type: 'bench-source', z: tab, wires: [['do-nothing-function']] },
        { id: 'do-nothing-function', type: 'function', z: tab, func: 'return null;', outputs: 1, wires: [[]] },
        { id: 'source-store', type: 'bench-source', z: tab, wires: [['store']] },
        {
            id: 'store',
            type: 'influx-store',
            z: tab,
            server: 'server-store',
            measurement: 'bench',
            integerFields: INTEGER_FIELDS,
            batchSize: BATCH_POINTS,
            flushInterval: 1,
            wires: [],
        },
        { id: 'source-arrays', type: 'bench-source', z: tab, wires: [['store-arrays']] },
        {
            id: 'store-arrays',
            type: 'influx-store',
            z: tab,
            server: 'server-arrays',
            measurement: 'bench',
            integerFields: INTEGER_FIELDS,
            batchSize: BATCH_POINTS,
            flushInterval: 1,
            wires: [],
        },
        { id: 'source-batch', type: 'bench-source', z: tab, wires: [['influxdb-batch']] },
        {
            id: 'influxdb-batch',
            type: 'influxdb batch',
            z: tab,
            influxdb: 'contrib-batch',
            precision: 'ms',
            retentionPolicy: '',
            wires: [],
        },
        { id: 'source-out', type: 'bench-source', z: tab, wires: [['influxdb-out']] },
        {
            id: 'influxdb-out',
            type: 'influxdb out',
            z: tab,
            influxdb: 'contrib-out',
            measurement: 'bench',
            precision: 'ms',
            retentionPolicy: '',
            wires: [],
        },
    ];
}

async function startRuntime(userDir: string, influxPort: number): Promise<void> {
    await startEmbeddedNodeRed({
        userDir,
        flows: benchFlow(influxPort),
        types: { 'bench-count': CountingSink, 'bench-source': Source },
        expect: ['source-nothing', 'do-nothing', 'do-nothing-function', 'store', 'store-arrays', 'influxdb-batch', 'influxdb-out'],
    });
}

/** Sends the messages from a source node, `burst` per event-loop turn, or with at most `window` not yet done by `target`. */
async function feed(
    sourceId: string,
    messages: NodeMessage[],
    pace: { burst: number } | { window: number; target: string },
): Promise<void> {
    const source = runtimeNodes.getNode(sourceId)!;
    if ('burst' in pace) {
        for (let i = 0; i < messages.length; i++) {
            source.send(messages[i]);
            if ((i + 1) % pace.burst === 0) await nextTurn();
        }
        return;
    }
    let outstanding = 0;
    let credit: (() => void) | undefined;
    runtimeHooks.add('onComplete.bench', (event) => {
        if (event.node.id !== pace.target) return;
        outstanding--;
        credit?.();
    });
    try {
        for (const msg of messages) {
            while (outstanding >= pace.window) await new Promise<void>((resolve) => (credit = resolve));
            outstanding++;
            source.send(msg);
        }
        while (outstanding > 0) await new Promise<void>((resolve) => (credit = resolve));
    } finally {
        runtimeHooks.remove('onComplete.bench');
    }
}

/** Waits until the point with the last sequence number is in the database (the writes are in order). */
async function landed(url: string, database: string, points: number): Promise<number> {
    const deadline = Date.now() + LANDING_TIMEOUT_MS;
    for (;;) {
        const [result] = await influxQuery(url, database, 'SELECT last(seq) FROM bench');
        if (result.series?.[0]?.values[0][1] === points - 1) return performance.now();
        if (Date.now() > deadline) throw new Error(`${database}: the last point did not land within ${LANDING_TIMEOUT_MS / 1000} s`);
        await sleep(10);
    }
}

async function countPoints(url: string, database: string): Promise<number> {
    const [result] = await influxQuery(url, database, 'SELECT count(seq) FROM bench');
    return Number(result.series?.[0]?.values[0][1] ?? 0);
}

interface Figure {
    points: number;
    seconds: number;
    /** influx-store one point per message: until the last message was handled (the clock of do-nothing). */
    handledSeconds?: number;
}

/**
 * A variant, its input made: runs and times it. Making the input (messages, line protocol) is
 * left out of both the clock and the CPU times, which would otherwise charge the sending of a
 * point with building it (the raw variant reported four times the CPU the sending costs).
 */
type Measure = () => Promise<Figure>;

function onePointMessages(): NodeMessage[] {
    return Array.from({ length: MESSAGES }, (_, i) => ({ topic: 'bench', payload: fields(i), timestamp: FIRST_TIME + i }));
}

function doNothing(): Measure {
    const messages = onePointMessages();
    return async () => {
        sink.received = 0;
        const start = performance.now();
        await feed('source-nothing', messages, { burst: BURST });
        // Deliveries are setImmediate callbacks, run in order: this turn comes after the last one.
        await nextTurn();
        assert.equal(sink.received, MESSAGES);
        return { points: MESSAGES, seconds: (performance.now() - start) / 1000 };
    };
}

/** The same through a function node that returns nothing: the kind of node the reference measured (46,000–78,000 msg/s). */
function doNothingFunction(): Measure {
    const messages = onePointMessages();
    return async () => {
        const start = performance.now();
        await feed('source-function', messages, { burst: BURST });
        await nextTurn();
        return { points: MESSAGES, seconds: (performance.now() - start) / 1000 };
    };
}

/** Two clocks: until influx-store has handled the last message (as do-nothing), and until its point is in InfluxDB. */
function storePerMessage(url: string): Measure {
    const messages = onePointMessages();
    return async () => {
        const start = performance.now();
        await feed('source-store', messages, { burst: BURST });
        await nextTurn();
        const handled = performance.now();
        const end = await landed(url, 'bench_store', MESSAGES);
        return { points: MESSAGES, seconds: (end - start) / 1000, handledSeconds: (handled - start) / 1000 };
    };
}

function storeArrays(url: string): Measure {
    const messages: NodeMessage[] = [];
    for (let first = 0; first < POINTS; first += BATCH_POINTS) {
        messages.push({
            topic: 'bench',
            payload: Array.from({ length: BATCH_POINTS }, (_, k) => ({ fields: fields(first + k), timestamp: FIRST_TIME + first + k })),
        });
    }
    return async () => {
        const start = performance.now();
        await feed('source-arrays', messages, { burst: 1 });
        const end = await landed(url, 'bench_arrays', POINTS);
        return { points: POINTS, seconds: (end - start) / 1000 };
    };
}

function rawPosts(influxd: Influxd): Measure {
    // Bytes, as influx-store sends them, made before the measure starts: what this process spends then is the sending alone.
    const batches: Buffer[] = [];
    for (let first = 0; first < POINTS; first += BATCH_POINTS)
        batches.push(Buffer.from(Array.from({ length: BATCH_POINTS }, (_, k) => line(first + k)).join('\n')));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: Buffer) =>
        new Promise<void>((resolve, reject) => {
            const req = http.request(
                { host: influxd.host, port: influxd.port, method: 'POST', path: '/write?db=bench_raw&precision=ms', agent },
                (res) => {
                    res.resume();
                    res.on('end', () => (res.statusCode === 204 ? resolve() : reject(new Error(`raw POST answered ${res.statusCode}`))));
                },
            );
            req.on('error', reject);
            req.end(body);
        });
    return async () => {
        try {
            const start = performance.now();
            for (const body of batches) await post(body);
            return { points: POINTS, seconds: (performance.now() - start) / 1000 };
        } finally {
            agent.destroy();
        }
    };
}

function clientWritePoints(influxd: Influxd): Measure {
    const client = new InfluxDB({
        host: influxd.host,
        port: influxd.port,
        database: 'bench_client',
        schema: [
            {
                measurement: 'bench',
                fields: { power: FieldType.INTEGER, index: FieldType.INTEGER, seq: FieldType.INTEGER },
                tags: ['meter'],
            },
        ],
    });
    const batches: IPoint[][] = [];
    for (let first = 0; first < POINTS; first += BATCH_POINTS) {
        batches.push(
            Array.from({ length: BATCH_POINTS }, (_, k) => ({
                measurement: 'bench',
                tags: { meter: 'bench' },
                fields: fields(first + k),
                timestamp: FIRST_TIME + first + k,
            })),
        );
    }
    return async () => {
        const start = performance.now();
        for (const batch of batches) await client.writePoints(batch, { precision: 'ms' });
        return { points: POINTS, seconds: (performance.now() - start) / 1000 };
    };
}

function influxdbBatch(): Measure {
    const messages: NodeMessage[] = [];
    for (let first = 0; first < POINTS; first += BATCH_POINTS) {
        messages.push({
            payload: Array.from({ length: BATCH_POINTS }, (_, k) => ({
                measurement: 'bench',
                tags: { meter: 'bench' },
                fields: fields(first + k),
                timestamp: FIRST_TIME + first + k,
            })),
        });
    }
    return async () => {
        const start = performance.now();
        await feed('source-batch', messages, { window: BATCH_WINDOW, target: 'influxdb-batch' });
        return { points: POINTS, seconds: (performance.now() - start) / 1000 };
    };
}

function influxdbOut(): Measure {
    const messages: NodeMessage[] = Array.from({ length: OUT_MESSAGES }, (_, i) => ({ payload: { ...fields(i), time: FIRST_TIME + i } }));
    return async () => {
        const start = performance.now();
        await feed('source-out', messages, { window: OUT_WINDOW, target: 'influxdb-out' });
        return { points: OUT_MESSAGES, seconds: (performance.now() - start) / 1000 };
    };
}

type Variant = 'doNothing' | 'doNothingFunction' | 'store' | 'storeArrays' | 'raw' | 'client' | 'influxdbBatch' | 'influxdbOut';
/** What is reported: the variants' rates, and the rate at which influx-store handles one-point messages. */
type Rate = Variant | 'storeHandled';

async function recreateDatabases(url: string): Promise<void> {
    for (const database of DATABASES) {
        await influxQuery(url, undefined, `DROP DATABASE ${database}`);
        await influxQuery(url, undefined, `CREATE DATABASE ${database}`);
    }
}

async function main(): Promise<void> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'influx-store-bench-'));
    let influxd: Influxd | undefined;
    let runtimeStarted = false;
    try {
        influxd = await startInfluxd({ dataDir: path.join(workDir, 'influxd'), continuousQueries: false });
        const url = influxd.url;
        await recreateDatabases(url);
        const userDir = path.join(workDir, 'userDir');
        fs.mkdirSync(userDir);
        await startRuntime(userDir, influxd.port);
        runtimeStarted = true;
        const influxVersion = (await fetch(`${url}/ping`)).headers.get('x-influxdb-version');
        console.log(
            `influxd ${influxVersion}, Node-RED ${NODE_RED_VERSION}, node ${process.version}, ${os.cpus().length} cores; ${ROUNDS} rounds: ` +
                `${MESSAGES} one-point messages, ${POINTS} points in ${BATCH_POINTS}-point batches, ${OUT_MESSAGES} messages to influxdb out`,
        );

        const variants: [Variant, string | undefined, () => Measure][] = [
            ['doNothing', undefined, doNothing],
            ['doNothingFunction', undefined, doNothingFunction],
            ['store', 'bench_store', () => storePerMessage(url)],
            ['storeArrays', 'bench_arrays', () => storeArrays(url)],
            ['raw', 'bench_raw', () => rawPosts(influxd!)],
            ['client', 'bench_client', () => clientWritePoints(influxd!)],
            ['influxdbBatch', 'bench_batch', influxdbBatch],
            ['influxdbOut', 'bench_out', influxdbOut],
        ];
        const rates = Object.fromEntries(
            [...variants.map(([name]) => name), 'storeHandled'].map((name) => [name, [] as number[]]),
        ) as Record<Rate, number[]>;
        const loads = Object.fromEntries(variants.map(([name]) => [name, [] as CpuLoad[]])) as Record<Variant, CpuLoad[]>;
        const note = (round: number, name: Rate, rate: number, load?: CpuLoad) => {
            rates[name].push(rate);
            console.log(
                `  round ${round}  ${name.padEnd(13)} ${Math.round(rate).toLocaleString('en-US').padStart(9)} /s${load === undefined ? '' : `   ${describeLoad(load)}`}`,
            );
        };
        for (let round = 1; round <= ROUNDS; round++) {
            for (const [name, database, prepare] of variants) {
                const measure = prepare();
                // What making the input, or the previous variant, left for the collector is not charged to
                // this one (uncollected, it made the do-nothing rate swing from 240,000 to 480,000 messages/s).
                collectGarbage();
                const before = cpuTimes(influxd.pid);
                const figure = await measure();
                const load = cpuLoad(before, cpuTimes(influxd.pid));
                // A rate only counts if the data landed: every point, once.
                if (database !== undefined) assert.equal(await countPoints(url, database), figure.points, `${name}: points in ${database}`);
                if (figure.handledSeconds !== undefined) {
                    note(round, 'storeHandled', figure.points / figure.handledSeconds);
                }
                loads[name].push(load);
                note(round, name, figure.points / figure.seconds, load);
            }
            await recreateDatabases(url);
        }
        report(
            Object.fromEntries(Object.entries(rates).map(([name, values]) => [name, median(values)])) as Record<Rate, number>,
            rates,
            influxVersion,
            loads,
        );
    } finally {
        if (runtimeStarted) await RED.stop();
        await influxd?.stop();
        fs.rmSync(workDir, { recursive: true, force: true });
    }
}

/** CPU seconds so far: this process (Node-RED and the bench), influxd, and the machine's steal. */
interface CpuTimes {
    at: number;
    node: number;
    influxd: number;
    steal: number;
}

/** The same, as cores busy on average over a variant's run. */
type CpuLoad = Omit<CpuTimes, 'at'>;

function cpuTimes(influxdPid: number): CpuTimes {
    const own = process.cpuUsage();
    return { at: performance.now(), node: (own.user + own.system) / 1e6, influxd: processCpuSeconds(influxdPid), steal: stealSeconds() };
}

function cpuLoad(before: CpuTimes, after: CpuTimes): CpuLoad {
    const seconds = (after.at - before.at) / 1000;
    return {
        node: (after.node - before.node) / seconds,
        influxd: (after.influxd - before.influxd) / seconds,
        steal: (after.steal - before.steal) / seconds,
    };
}

function describeLoad(load: CpuLoad): string {
    return `cores busy: this process ${load.node.toFixed(2)}, influxd ${load.influxd.toFixed(2)}, steal ${load.steal.toFixed(2)}`;
}

function report(
    rate: Record<Rate, number>,
    rounds: Record<Rate, number[]>,
    influxVersion: string | null,
    loads: Record<Variant, CpuLoad[]>,
): void {
    // Paired: a round's variants run back to back, so a machine whose speed drifts between rounds moves both alike.
    const paired = (a: Rate, b: Rate) => round2(median(rounds[a].map((value, i) => value / rounds[b][i])));
    const ratio = {
        storeToDoNothing: paired('storeHandled', 'doNothing'),
        storeToDoNothingFunction: paired('storeHandled', 'doNothingFunction'),
        storeToInfluxdbOut: paired('store', 'influxdbOut'),
        arraysToRaw: paired('storeArrays', 'raw'),
    };
    const met = (key: keyof typeof TARGET) => (ratio[key] >= TARGET[key] ? 'met' : 'missed');
    const n = (x: number) => Math.round(x).toLocaleString('en-US').padStart(9);
    console.log(
        `do-nothing node   ${n(rate.doNothing)} msg/s     one-point messages handled by a node whose input handler only calls done()`,
    );
    console.log(`do-nothing func.  ${n(rate.doNothingFunction)} msg/s     the same through a function node returning null`);
    console.log(
        `influx-store      ${n(rate.storeHandled)} msg/s     the same messages handled by influx-store: ${ratio.storeToDoNothing}× do-nothing node ` +
            `(target ≥ ${TARGET.storeToDoNothing}, ${met('storeToDoNothing')}), ${ratio.storeToDoNothingFunction}× do-nothing function ` +
            `(target ≥ ${TARGET.storeToDoNothingFunction}, ${met('storeToDoNothingFunction')})`,
    );
    console.log(
        `influx-store      ${n(rate.store)} points/s  the same, until the last point is in InfluxDB: ${ratio.storeToInfluxdbOut}× influxdb out ` +
            `(target ≥ ${TARGET.storeToInfluxdbOut}, ${met('storeToInfluxdbOut')})`,
    );
    console.log(
        `influx-store      ${n(rate.storeArrays)} points/s  ${BATCH_POINTS}-point arrays, until in InfluxDB: ${ratio.arraysToRaw}× raw (target ≥ ${TARGET.arraysToRaw}, ${met('arraysToRaw')})`,
    );
    console.log(
        `raw POST          ${n(rate.raw)} points/s  ${BATCH_POINTS}-point line-protocol batches, one request at a time (the limit)`,
    );
    console.log(`influx client     ${n(rate.client)} points/s  writePoints, ${BATCH_POINTS} points a call`);
    console.log(
        `influxdb batch    ${n(rate.influxdbBatch)} points/s  node-red-contrib-influxdb 0.7.0, ${BATCH_POINTS}-point messages, ${BATCH_WINDOW} in flight`,
    );
    console.log(
        `influxdb out      ${n(rate.influxdbOut)} points/s  node-red-contrib-influxdb 0.7.0, one point per message, ${OUT_WINDOW} in flight`,
    );
    const storeLoad = loads.store;
    const load: CpuLoad = {
        node: median(storeLoad.map((l) => l.node)),
        influxd: median(storeLoad.map((l) => l.influxd)),
        steal: median(storeLoad.map((l) => l.steal)),
    };
    console.log(
        `while influx-store took one-point messages (medians), ${describeLoad(load)}, of ${os.cpus().length}: influxd takes its share of the CPUs the runtime runs on; the do-nothing node has no such neighbour`,
    );
    // What the target leaves influx-store per message, against what it costs, and what of it is the sending.
    const budgetMicros = (1 / (TARGET.storeToDoNothing * rate.doNothing) - 1 / rate.doNothing) * 1e6;
    const cpuMicros = (variant: Variant) => median(loads[variant].map((l, i) => l.node / rounds[variant][i])) * 1e6;
    const storeExtraMicros = cpuMicros('store') - cpuMicros('doNothing');
    const sendingMicros = cpuMicros('raw');
    console.log(
        `${TARGET.storeToDoNothing}× do-nothing leaves influx-store ${budgetMicros.toFixed(2)} µs per message for all its work; it costs this process ` +
            `${storeExtraMicros.toFixed(2)} µs of CPU per message more than the do-nothing node (until its point is in InfluxDB), of which POSTing the encoded point ` +
            `is ${sendingMicros.toFixed(2)} µs (raw variant)`,
    );
    const rounded = (values: number[]) => values.map((v) => Math.round(v));
    console.log(
        JSON.stringify({
            bench: 'influx-store',
            node: process.version,
            nodeRed: NODE_RED_VERSION,
            influxd: influxVersion,
            cores: os.cpus().length,
            rounds: ROUNDS,
            perSecond: Object.fromEntries(Object.entries(rate).map(([k, v]) => [k, Math.round(v)])),
            perRound: Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, rounded(v)])),
            ratio,
            storeCoresBusy: { node: round2(load.node), influxd: round2(load.influxd), steal: round2(load.steal) },
            microsPerMessage: {
                budgetAtTarget: round2(budgetMicros),
                storeCpuOverDoNothing: round2(storeExtraMicros),
                sendingOnePoint: round2(sendingMicros),
            },
            target: TARGET,
            met: (Object.keys(TARGET) as (keyof typeof TARGET)[]).every((key) => ratio[key] >= TARGET[key]),
        }),
    );
}

function round2(x: number): number {
    return Math.round(x * 100) / 100;
}

main().catch((err: Error) => {
    console.error(`influx-store bench failed: ${err.stack ?? err.message}`);
    process.exitCode = 1;
});
