/**
 * A simulated meter's state in a file: the demo keeps one per meter in its folder, so that a meter
 * started again carries on from the indexes it last sent instead of its starting ones.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TicMeterState } from './tic-frames';

/** The state saved in `file`, or undefined when there is none yet; throws, naming the file, when it cannot be read. */
export function readMeterState(file: string): TicMeterState | undefined {
    let text: string;
    try {
        text = fs.readFileSync(file, 'utf8');
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new Error(`meter state ${file}: ${(err as Error).message}`);
    }
    try {
        return JSON.parse(text) as TicMeterState;
    } catch (err) {
        throw new Error(`meter state ${file} is not JSON: ${(err as Error).message}`);
    }
}

/**
 * Replaces the state in `file` at once (written beside it, then renamed): a process killed while
 * writing leaves the previous state, never half of one.
 */
export function writeMeterState(file: string, state: TicMeterState): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.partial`;
    fs.writeFileSync(partial, JSON.stringify(state));
    fs.renameSync(partial, file);
}
