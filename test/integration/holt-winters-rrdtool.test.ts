/**
 * The Holt-Winters core in compat 'rrdtool' against the real librrd, on series generated here:
 * seasons of 12, 48 and 288 samples, unknown values and absent rows, level shifts, spikes,
 * multiplicative models, inexact parameters and smoothing windows other than 0.05. Each series
 * goes through the reference runner (shared/tools/holt-winters/rrd_hw_ref.py: one librrd update
 * per step, canonical phase), which needs Debian's rrdtool and python3-rrdtool.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HoltWinters, type HoltWintersSettings } from '../../lib/forecast/holt-winters';
import { gaussian, seededRandom } from '../../sim/random';
import { compareWithRunner, readRunnerCsv, type RunnerRow } from '../support/holt-winters-runner';
import { sharedDir } from '../support/paths';

const PYTHON = '/usr/bin/python3';
const RUNNER = path.join(sharedDir, 'tools', 'holt-winters', 'rrd_hw_ref.py');
const STEP_S = 300;
const FIRST_TIMESTAMP = 1704067200;

interface RunnerMeta {
    file_version: string;
    params_as_stored: {
        alpha: number;
        beta: number;
        gamma: number;
        gamma_dev: number;
        smoothing_window_seasonal: number;
        delta_pos: number;
        delta_neg: number;
        threshold: number;
        window: number;
    };
    filled_missing_timestamps: number;
    pdp_not_bit_equal_to_value: number;
    smoothing_events: { step: number; arrays: string }[];
}

interface GeneratedSeries {
    name: string;
    settings: HoltWintersSettings;
    /** Each step's value as the CSV spells it ('' or 'U' for unknown); undefined leaves the row out. */
    cells: (string | undefined)[];
}

const inRanges = (i: number, ranges: [number, number][]) => ranges.some(([from, to]) => i >= from && i <= to);

/** `steps` values of `level(i)` plus noise with 3 decimals, unknown at `unknown`, rows left out at `absent`. */
function generate(
    seed: number,
    steps: number,
    level: (i: number) => number,
    noise: number,
    unknown: [number, number][],
    absent: [number, number][] = [],
): (string | undefined)[] {
    const random = seededRandom(seed);
    return Array.from({ length: steps }, (_, i) => {
        const value = (level(i) + noise * gaussian(random)).toFixed(3);
        if (inRanges(i, absent)) return undefined;
        if (inRanges(i, unknown)) return i % 2 ? 'U' : '';
        return value;
    });
}

const TAU = 2 * Math.PI;
/** A household's daily load (the shape of the reference's samples), `seasonLength` samples a day. */
const dailyLoad = (i: number, seasonLength: number) => {
    const hour = ((i % seasonLength) * 24) / seasonLength;
    return 40 + (25 * (1 - Math.cos((TAU * hour) / 24))) / 2 + 10 * Math.exp(-((hour - 19) ** 2) / 2) + (0.5 * i) / seasonLength;
};

const SERIES: GeneratedSeries[] = [
    {
        name: 'season 12, additive, smoothing window 0.5, unknowns from the first season on, absent rows, level shift, asymmetric band',
        settings: {
            seasonLength: 12,
            alpha: 0.3,
            beta: 0.05,
            gamma: 0.2,
            gammaDeviation: 0.15,
            threshold: 3,
            window: 5,
            deltaPos: 2.5,
            deltaNeg: 1.5,
            smoothingWindow: 0.5,
        },
        cells: generate(
            12,
            360,
            (i) => 100 + 20 * Math.sin((TAU * i) / 12) + 8 * Math.cos((2 * TAU * i) / 12) + (i >= 200 ? 40 : 0),
            2,
            [
                [3, 3],
                [15, 15],
                [100, 104],
                [150, 150],
            ],
            [[250, 253]],
        ),
    },
    {
        name: 'season 48, multiplicative, inexact parameters, unknowns in the second season and a long gap, level shift',
        settings: { model: 'multiplicative', seasonLength: 48, alpha: 0.123, beta: 0.0042, gamma: 0.17, gammaDeviation: 0.09 },
        cells: generate(48, 576, (i) => 50 * (1 + 0.4 * Math.sin((TAU * i) / 48)) * (i >= 400 ? 1.5 : 1), 1.5, [
            [60, 62],
            [300, 330],
        ]),
    },
    {
        name: 'season 48, additive, leading unknowns, absent rows in the first season, spike and dip, smoothing window 0.1',
        settings: { seasonLength: 48, alpha: 0.5, beta: 0.2, gamma: 0.3, threshold: 4, window: 6, smoothingWindow: 0.1 },
        cells: generate(
            4848,
            480,
            (i) => dailyLoad(i, 48) + (i === 200 ? 60 : 0) - (i >= 330 && i <= 335 ? 40 : 0),
            1.5,
            [[0, 4]],
            [[20, 23]],
        ),
    },
    {
        name: 'season 288, additive, defaults, gaps and absent rows, level shift',
        settings: { seasonLength: 288 },
        cells: generate(
            288,
            1440,
            (i) => dailyLoad(i, 288) + (i >= 1000 ? 15 : 0),
            1.5,
            [
                [100, 100],
                [200, 205],
                [570, 580],
                [900, 960],
            ],
            [[400, 411]],
        ),
    },
    {
        name: 'season 288, multiplicative, an unknown in the first season, level drop, wide failure window',
        settings: {
            model: 'multiplicative',
            seasonLength: 288,
            alpha: 0.2,
            beta: 0.01,
            gamma: 0.15,
            gammaDeviation: 0.05,
            threshold: 5,
            window: 12,
        },
        cells: generate(2880, 1152, (i) => dailyLoad(i, 288) * (i >= 800 ? 0.7 : 1), 1.5, [
            [50, 50],
            [700, 720],
        ]),
    },
];

/** Why the reference runner cannot run here, or undefined. */
function referenceRunnerProblem(): string | undefined {
    if (!fs.existsSync(RUNNER)) return `the reference runner ${RUNNER} is missing (set SHARED_DIR to the shared reference folder)`;
    const missing: string[] = [];
    const cli = spawnSync('rrdtool', ['--version'], { stdio: 'ignore' });
    if (cli.error || cli.status !== 0) missing.push('rrdtool');
    const binding = spawnSync(PYTHON, ['-c', 'import rrdtool'], { stdio: 'ignore' });
    if (binding.error || binding.status !== 0) missing.push('python3-rrdtool');
    if (missing.length === 0) return undefined;
    return (
        `Debian package(s) ${missing.join(' and ')} missing: the reference runner drives the real librrd through ${PYTHON}. ` +
        `Install with: apt-get install ${missing.join(' ')} (npm test installs them when run as root).`
    );
}

let workDir: string;
let runnerProblem: string | undefined;

before(() => {
    runnerProblem = referenceRunnerProblem();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'holt-winters-rrdtool-'));
});

after(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
});

/** The series through librrd: its output rows and what it stored. */
function runReference(series: GeneratedSeries, index: number): { rows: RunnerRow[]; meta: RunnerMeta } {
    const base = path.join(workDir, `series-${index}`);
    const csv = [
        'timestamp,value',
        ...series.cells.flatMap((cell, i) => (cell === undefined ? [] : [`${FIRST_TIMESTAMP + i * STEP_S},${cell}`])),
    ];
    fs.writeFileSync(`${base}.csv`, `${csv.join('\n')}\n`);
    const s = new HoltWinters(series.settings).options;
    const args = [
        RUNNER,
        `${base}.csv`,
        String(STEP_S),
        String(s.seasonLength),
        String(s.alpha),
        String(s.beta),
        String(s.gamma),
        String(s.threshold),
        String(s.window),
        '--gamma-dev',
        String(s.gammaDeviation),
        '--delta-pos',
        String(s.deltaPos),
        '--delta-neg',
        String(s.deltaNeg),
        '--smoothing-window',
        String(s.smoothingWindow),
        ...(s.model === 'multiplicative' ? ['--mult'] : []),
        '-o',
        `${base}.out.csv`,
        '--meta',
        `${base}.meta.json`,
    ];
    const run = spawnSync(PYTHON, args, { encoding: 'utf8' });
    assert.equal(run.status, 0, `rrd_hw_ref.py failed: ${run.stderr}`);
    return { rows: readRunnerCsv(`${base}.out.csv`), meta: JSON.parse(fs.readFileSync(`${base}.meta.json`, 'utf8')) as RunnerMeta };
}

SERIES.forEach((series, index) => {
    test(`${series.name}: the core in compat rrdtool matches librrd`, async (t) => {
        if (runnerProblem) assert.fail(runnerProblem);
        const { rows, meta } = runReference(series, index);
        assert.equal(rows.length, series.cells.length, 'one runner row per step, absent rows filled with unknowns');
        const stored = meta.params_as_stored;
        const failures = rows.filter((r) => r.failure === '1.0').length;
        t.diagnostic(
            `librrd file v${meta.file_version}: ${meta.smoothing_events.length} smoothings, ${meta.filled_missing_timestamps} absent rows filled, ` +
                `${meta.pdp_not_bit_equal_to_value} pdp ≠ parsed value, ${failures} failure steps`,
        );
        assert.ok(failures > 0, 'the series raises failures');

        await t.test('fed the pdp column and the parameters as librrd stored them: every column bit for bit', () => {
            const exact: HoltWintersSettings = {
                ...series.settings,
                alpha: stored.alpha,
                beta: stored.beta,
                gamma: stored.gamma,
                gammaDeviation: stored.gamma_dev,
                // A version-3 file ignores the stored window and smooths with 0.05.
                smoothingWindow: Number(meta.file_version) >= 4 ? stored.smoothing_window_seasonal : 0.05,
                deltaPos: stored.delta_pos,
                deltaNeg: stored.delta_neg,
                threshold: stored.threshold,
                window: stored.window,
            };
            const { differences, cells } = compareWithRunner(
                rows,
                rows.map((r) => Number(r.pdp)),
                { ...exact, compat: 'rrdtool' },
                0,
            );
            assert.deepEqual(differences.slice(0, 8), [], `${differences.length} of ${cells} cells differ`);
        });

        await t.test('fed the values as JavaScript parses them and the nominal parameters: within 1e-9 relative', (t2) => {
            const values = series.cells.map((cell) => (cell === undefined || cell === '' || cell === 'U' ? NaN : Number(cell)));
            const { differences, cells, largestRelative } = compareWithRunner(
                rows,
                values,
                { ...series.settings, compat: 'rrdtool' },
                1e-9,
            );
            t2.diagnostic(`largest relative difference ${largestRelative.toExponential(2)}`);
            assert.deepEqual(differences.slice(0, 8), [], `${differences.length} of ${cells} cells differ`);
        });
    });
});
