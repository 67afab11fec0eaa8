/**
 * The output of the Holt-Winters reference runner (shared/tools/holt-winters/rrd_hw_ref.py, which
 * drives the real librrd) and the comparison of the core against it, column by column.
 */
import * as fs from 'node:fs';
import { HoltWinters, type HoltWintersPoint, type HoltWintersSettings } from '../../lib/forecast/holt-winters';

/** The runner's columns that rrdtool computed (or that derive from them). */
export const RUNNER_COLUMNS = [
    'prediction',
    'seasonal',
    'deviation',
    'devpredict',
    'upper',
    'lower',
    'violation',
    'failure',
    'seasonal_used',
    'intercept',
    'slope',
    'null_count',
    'smoothed',
] as const;
export type RunnerColumn = (typeof RUNNER_COLUMNS)[number];
export type RunnerRow = Record<string, string>;

export function readRunnerCsv(file: string): RunnerRow[] {
    const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
    const columns = header.split(',');
    return lines.map((line) => {
        const cells = line.split(',');
        return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']));
    });
}

/** Everything the core says about one step, named like the runner's columns. */
export function stepColumns(point: HoltWintersPoint, model: HoltWinters): Record<RunnerColumn, number | string> {
    const step = model.lastStep;
    return {
        prediction: point.prediction,
        seasonal: point.seasonal,
        deviation: step.deviationWritten,
        devpredict: point.deviation,
        upper: point.upper,
        lower: point.lower,
        violation: point.violation ? 1 : 0,
        failure: point.failure ? 1 : 0,
        seasonal_used: step.seasonalUsed,
        intercept: point.intercept,
        slope: point.slope,
        null_count: step.nullCount,
        smoothed: step.smoothed,
    };
}

export interface RunnerComparison {
    /** The cells that differ beyond `relative` (NaN matches NaN; 0 and -0 differ when `relative` is 0). */
    differences: string[];
    cells: number;
    largestRelative: number;
}

/** Runs the core over `inputs` (one per runner row) and compares every column of every step. */
export function compareWithRunner(rows: RunnerRow[], inputs: number[], settings: HoltWintersSettings, relative: number): RunnerComparison {
    const model = new HoltWinters(settings);
    const differences: string[] = [];
    let largestRelative = 0;
    rows.forEach((row, i) => {
        if (row.slot !== undefined && model.slot !== Number(row.slot))
            differences.push(`step ${i} slot: core ${model.slot}, rrdtool ${row.slot}`);
        const got = stepColumns(model.update(inputs[i]), model);
        for (const column of RUNNER_COLUMNS) {
            const want = column === 'smoothed' ? row[column] : Number(row[column]);
            const have = got[column];
            if (Object.is(have, want)) continue;
            const gap =
                typeof have === 'number' && typeof want === 'number'
                    ? Math.abs(have - want) / Math.max(Math.abs(have), Math.abs(want))
                    : Infinity;
            if (Number.isNaN(gap) || gap > relative || relative === 0)
                differences.push(`step ${i} ${column}: core ${String(have)}, rrdtool ${String(want)}`);
            else largestRelative = Math.max(largestRelative, gap);
        }
    });
    return { differences, cells: rows.length * RUNNER_COLUMNS.length, largestRelative };
}
