/**
 * Holt-Winters update rate of the pure core against rrdtool itself, on one year of 1-minute data
 * (525,600 samples, daily season of 1,440), on one core (run it under `taskset -c 0` to keep the
 * garbage collector's helper threads and rrdtool on the same core too).
 *
 *   node dist/bench/holt-winters.js        BENCH_ROUNDS (default 5) timed rounds, after one warm-up of the core
 *
 * The series is a household's consumption in watts, seeded: a night base load, morning and evening
 * peaks, a winter-heavy year, noise and short appliance bursts, written with 3 decimals as in the
 * reference's §8. Variants, each fed the whole year in every round:
 *   core clean / core rrdtool   HoltWinters.update in each compat mode, filling one reused point;
 *   core clean, new point       the same, with a new point object per update (what a caller keeping
 *                               every point pays);
 *   rrdtool pipe                `rrdtool -` fed `update file t:v …` commands of 1,000 values, the RRD
 *                               created beforehand (RRA:AVERAGE:0.5:1:525600 plus
 *                               RRA:HWPREDICT:525600:0.1:0.0035:1440, whose implicit SEASONAL,
 *                               DEVSEASONAL, DEVPREDICT and FAILURES use the core's defaults); only
 *                               the updates are timed, up to rrdtool's last OK.
 * rrdtool smooths at most once per update call, so its batched results differ from per-step ones:
 * exactness is proven by the tests, speed here. Rates are in updates per second.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HoltWinters, type HoltWintersCompat, type HoltWintersPoint } from '../lib/forecast/holt-winters';
import { gaussian as standardNormal, seededRandom } from '../sim/random';
import { median } from './stats';

const SAMPLES = 525_600;
const SEASON = 1440;
const STEP_S = 60;
const BATCH = 1000;
/** 2024-01-01T00:00:00Z, on the 60 s grid. */
const FIRST_TIMESTAMP = 1704067200;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** The target: the core at least 10 times rrdtool's own rate. */
const TARGET_RATIO = 10;
const SEED = 20240101;

/** One year of minute consumption in watts, as the 3-decimal text an RRD update would carry. */
function consumptionYear(): string[] {
    const random = seededRandom(SEED);
    const gaussian = () => standardNormal(random);
    const values: string[] = [];
    let burstWatts = 0;
    let burstMinutesLeft = 0;
    for (let minute = 0; minute < SAMPLES; minute++) {
        const hour = (minute % SEASON) / 60;
        const day = minute / SEASON;
        const winter = 1 + 0.4 * Math.cos((2 * Math.PI * day) / 365);
        const daily =
            280 +
            120 * (hour > 7 && hour < 23 ? 1 : 0) +
            700 * Math.exp(-((hour - 7.5) ** 2) / 0.5) +
            1400 * Math.exp(-((hour - 19.5) ** 2) / 2);
        if (burstMinutesLeft === 0 && random() < 0.002) {
            // A kettle, an oven, a washing machine's heater: a few minutes at 1–2.5 kW.
            burstWatts = 1000 + 1500 * random();
            burstMinutesLeft = 2 + Math.floor(random() * 12);
        }
        const burst = burstMinutesLeft > 0 ? burstWatts : 0;
        if (burstMinutesLeft > 0) burstMinutesLeft--;
        values.push(Math.max(50, daily * winter + burst + 40 * gaussian()).toFixed(3));
    }
    return values;
}

interface CoreTally {
    seconds: number;
    predicted: number;
    failures: number;
}

function runCore(values: Float64Array, compat: HoltWintersCompat, reusePoint: boolean): CoreTally {
    const model = new HoltWinters({ seasonLength: SEASON, compat });
    const reused: HoltWintersPoint = {
        prediction: NaN,
        deviation: NaN,
        upper: NaN,
        lower: NaN,
        seasonal: NaN,
        intercept: NaN,
        slope: NaN,
        violation: false,
        failure: false,
    };
    let predicted = 0;
    let failures = 0;
    const start = performance.now();
    for (let i = 0; i < values.length; i++) {
        const point = reusePoint ? model.update(values[i], reused) : model.update(values[i]);
        // Reading the point keeps the work observable (and costs what any caller pays).
        if (point.prediction === point.prediction) predicted++;
        if (point.failure) failures++;
    }
    return { seconds: (performance.now() - start) / 1000, predicted, failures };
}

/** One `rrdtool -` process: commands in, one OK (or ERROR) line out per command. */
class RrdtoolPipe {
    private readonly child = spawn('rrdtool', ['-'], { stdio: ['pipe', 'pipe', 'inherit'] });
    private pending = '';
    private waiting: { count: number; resolve: () => void; reject: (e: Error) => void } | undefined;
    private answered = 0;

    constructor() {
        this.child.stdout.setEncoding('utf8');
        this.child.stdout.on('data', (chunk: string) => this.onOutput(chunk));
        this.child.on('error', (e) => this.waiting?.reject(e));
    }

    /** Sends the commands and resolves on the answer to the last one. */
    run(commands: string[]): Promise<void> {
        return new Promise((resolve, reject) => {
            this.answered = 0;
            this.waiting = { count: commands.length, resolve, reject };
            for (const command of commands) this.child.stdin.write(command);
        });
    }

    close(): Promise<void> {
        return new Promise((resolve) => {
            this.child.on('close', () => resolve());
            this.child.stdin.end();
        });
    }

    private onOutput(chunk: string): void {
        const lines = (this.pending + chunk).split('\n');
        this.pending = lines.pop() ?? '';
        for (const line of lines) {
            if (line.startsWith('ERROR')) this.waiting?.reject(new Error(`rrdtool: ${line}`));
            else if (line.startsWith('OK') && ++this.answered === this.waiting?.count) this.waiting.resolve();
        }
    }
}

async function runRrdtool(updateCommands: string[], file: string): Promise<number> {
    fs.rmSync(file, { force: true });
    const pipe = new RrdtoolPipe();
    await pipe.run([
        `create ${file} --start ${FIRST_TIMESTAMP - STEP_S} --step ${STEP_S} DS:v:GAUGE:${2 * STEP_S}:U:U ` +
            `RRA:AVERAGE:0.5:1:${SAMPLES} RRA:HWPREDICT:${SAMPLES}:0.1:0.0035:${SEASON}\n`,
    ]);
    const start = performance.now();
    await pipe.run(updateCommands);
    const seconds = (performance.now() - start) / 1000;
    await pipe.close();
    return seconds;
}

function updateCommands(texts: string[], file: string): string[] {
    const commands: string[] = [];
    for (let first = 0; first < texts.length; first += BATCH) {
        const updates: string[] = [];
        for (let i = first; i < Math.min(first + BATCH, texts.length); i++) updates.push(`${FIRST_TIMESTAMP + i * STEP_S}:${texts[i]}`);
        commands.push(`update ${file} ${updates.join(' ')}\n`);
    }
    return commands;
}

async function main(): Promise<void> {
    const version = spawnSync('rrdtool', ['--version'], { encoding: 'utf8' });
    if (version.error || version.status !== 0) throw new Error('rrdtool is not installed: apt-get install rrdtool');
    const rrdtoolVersion = /RRDtool (\S+)/.exec(version.stdout)?.[1] ?? 'unknown';

    const texts = consumptionYear();
    const values = Float64Array.from(texts, Number);
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'holt-winters-bench-'));
    const file = path.join(workDir, 'year.rrd');
    const commands = updateCommands(texts, file);
    console.log(
        `series: ${SAMPLES} samples (one year at ${STEP_S} s), season ${SEASON}, ${ROUNDS} rounds, node ${process.version}, rrdtool ${rrdtoolVersion} pipe in batches of ${BATCH}`,
    );

    const coreVariants = {
        'core clean': () => runCore(values, 'clean', true),
        'core rrdtool': () => runCore(values, 'rrdtool', true),
        'core clean, new point': () => runCore(values, 'clean', false),
    };
    type CoreVariant = keyof typeof coreVariants;
    const names = Object.keys(coreVariants) as CoreVariant[];
    for (const name of names) {
        const warmUp = coreVariants[name]();
        assert.equal(warmUp.predicted, SAMPLES - SEASON, `${name}: every sample after the first season predicted`);
        assert.ok(warmUp.failures > 0, `${name}: the bursts raise failures`);
    }
    const seconds = Object.fromEntries([...names, 'rrdtool pipe'].map((n) => [n, [] as number[]])) as Record<
        CoreVariant | 'rrdtool pipe',
        number[]
    >;
    try {
        for (let round = 0; round < ROUNDS; round++) {
            for (const name of names) seconds[name].push(coreVariants[name]().seconds);
            seconds['rrdtool pipe'].push(await runRrdtool(commands, file));
        }
    } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
    }

    const rate = (s: number) => SAMPLES / s;
    // Ratios within each round, whose variants ran back to back, cancel most drift in the machine's speed.
    const ratioToRrdtool = (name: CoreVariant) => median(seconds[name].map((s, round) => seconds['rrdtool pipe'][round] / s));
    const figures = Object.fromEntries(
        Object.entries(seconds).map(([name, runs]) => [
            name,
            {
                updatesPerSecond: Math.round(rate(median(runs))),
                seconds: round3(median(runs)),
                ...(name === 'rrdtool pipe' ? {} : { ratioToRrdtool: round1(ratioToRrdtool(name as CoreVariant)) }),
            },
        ]),
    );
    for (const [name, f] of Object.entries(figures)) {
        const versus = f.ratioToRrdtool === undefined ? '' : `  ${f.ratioToRrdtool.toFixed(1)}x rrdtool`;
        console.log(
            `${name.padEnd(22)} ${(f.updatesPerSecond / 1e6).toFixed(2).padStart(6)} M updates/s  (${(f.seconds * 1000).toFixed(0)} ms)${versus}`,
        );
    }
    const worstCoreRatio = Math.min(ratioToRrdtool('core clean'), ratioToRrdtool('core rrdtool'));
    console.log(
        JSON.stringify({
            bench: 'holt-winters',
            node: process.version,
            rrdtool: rrdtoolVersion,
            samples: SAMPLES,
            season: SEASON,
            batch: BATCH,
            rounds: ROUNDS,
            ...figures,
            target: { ratioToRrdtool: TARGET_RATIO, met: worstCoreRatio >= TARGET_RATIO },
        }),
    );
}

function round1(x: number): number {
    return Math.round(x * 10) / 10;
}

function round3(x: number): number {
    return Math.round(x * 1000) / 1000;
}

main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
