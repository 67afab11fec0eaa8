/**
 * A Téléinfo meter on a tty: writes a meter model's frames into a serial device or a pty, back to
 * back and paced at the line rate (baud / 10 bytes per second, so a historic frame takes about
 * 2 s), like a meter that talks whether anyone listens or not.
 *
 * The tty is opened non-blocking: when nobody drains it (the application has not opened its end
 * yet), the bytes that do not fit are lost, as on a real line, and the event loop never waits.
 *
 * CLI: node dist/sim/tic-meter-sim.js --path <tty> [--kind historic|standard] [--baud N]
 *      [--speedup N] [--seed N]
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { writeMeterState } from './meter-state';
import { HistoricMonoHpHcMeter, StandardTriProducerMeter, type TicMeterModel } from './tic-frames';

export interface TicSimulatorOptions {
    path: string;
    meter: TicMeterModel;
    /** Line speed; the meter's own by default (a dongle may re-time a meter at another speed). */
    baud?: number;
    /** Simulated seconds per real second, to run the daily load curve faster (default 1). */
    speedup?: number;
    /** Simulated time at start (default: now, or the instant of the meter's last frame when it is later). */
    start?: Date;
    /**
     * Where the meter's snapshot is written each time it makes a frame, before the frame's first
     * byte goes out: a meter restored from it (readMeterState) never sends an index below one
     * already sent, however the simulator was stopped.
     */
    stateFile?: string;
    /**
     * Write errors other than a full tty, e.g. EIO once the other end of a pty is gone; a state
     * file that cannot be written (once, until it can again).
     */
    onError?: (error: Error) => void;
}

export interface TicSimulator {
    /** Stops writing and closes the tty; resolves once no timer or handle is left. */
    stop(): Promise<void>;
}

/** Pacing granularity: at 1200 Bd about 2 bytes per tick, at 9600 Bd about 19. */
const TICK_MS = 20;

export function startTicSimulator(options: TicSimulatorOptions): TicSimulator {
    const { meter } = options;
    const baud = options.baud ?? meter.baud;
    const speedup = options.speedup ?? 1;
    const bytesPerMs = baud / 10 / 1000;
    // A restored meter's clock does not go back (a run with a speedup may have taken it past now).
    const simStart = options.start?.getTime() ?? Math.max(Date.now(), meter.snapshot()?.at ?? 0);
    const fd = fs.openSync(options.path, fs.constants.O_WRONLY | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK);
    const realStart = performance.now();

    let frame: Buffer = Buffer.alloc(0);
    let frameOffset = 0;
    /** Bytes put on the line since the start: the line's own clock. */
    let sent = 0;
    let outbox: Buffer[] = [];
    let writing: Promise<void> | undefined;
    let stopped = false;
    let stateUnsaved = false;

    const saveState = (): void => {
        if (options.stateFile === undefined) return;
        try {
            writeMeterState(options.stateFile, meter.snapshot()!);
            stateUnsaved = false;
        } catch (err) {
            if (!stateUnsaved) options.onError?.(err as Error);
            stateUnsaved = true;
        }
    };

    const flush = (): void => {
        if (writing || stopped || outbox.length === 0) return;
        const chunk = outbox.length === 1 ? outbox[0] : Buffer.concat(outbox);
        outbox = [];
        writing = new Promise((resolve) => {
            // A short write or EAGAIN means the tty is full: the rest is lost, as on the line.
            fs.write(fd, chunk, 0, chunk.length, null, (err) => {
                writing = undefined;
                if (err && err.code !== 'EAGAIN') options.onError?.(err);
                resolve();
                flush();
            });
        });
    };

    const tick = (): void => {
        let due = Math.floor((performance.now() - realStart) * bytesPerMs) - sent;
        while (due > 0) {
            if (frameOffset === frame.length) {
                // The frame's instant is when its first byte goes out on the line.
                frame = meter.frameAt(new Date(simStart + (sent / bytesPerMs) * speedup));
                frameOffset = 0;
                saveState();
            }
            const n = Math.min(due, frame.length - frameOffset);
            outbox.push(frame.subarray(frameOffset, frameOffset + n));
            frameOffset += n;
            sent += n;
            due -= n;
        }
        flush();
    };

    const timer = setInterval(tick, TICK_MS);
    return {
        async stop() {
            if (stopped) return;
            stopped = true;
            clearInterval(timer);
            while (writing) await writing;
            await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
        },
    };
}

function main(): void {
    const { values } = parseArgs({
        options: {
            path: { type: 'string' },
            kind: { type: 'string', default: 'historic' },
            baud: { type: 'string' },
            speedup: { type: 'string', default: '1' },
            seed: { type: 'string', default: '1' },
        },
    });
    const usage = 'usage: tic-meter-sim --path <tty> [--kind historic|standard] [--baud 1200|9600] [--speedup N] [--seed N]';
    const baud = values.baud === undefined ? undefined : Number(values.baud);
    const speedup = Number(values.speedup);
    const seed = Number(values.seed);
    const kindOk = values.kind === 'historic' || values.kind === 'standard';
    const numbersOk = (baud === undefined || baud > 0) && speedup > 0 && Number.isInteger(seed);
    if (!values.path || !kindOk || !numbersOk) {
        console.error(usage);
        process.exit(2);
    }
    const meter = values.kind === 'standard' ? new StandardTriProducerMeter({ seed }) : new HistoricMonoHpHcMeter({ seed });
    const path = values.path;
    const simulator = startTicSimulator({
        path,
        meter,
        baud,
        speedup,
        // The device is gone (pty closed, adapter unplugged): nothing left to simulate.
        onError: (err) => {
            console.error(`tic-meter-sim: ${path}: ${err.message}`);
            void simulator.stop().then(() => process.exit(1));
        },
    });
    console.error(`tic-meter-sim: ${values.kind} meter on ${path} at ${baud ?? meter.baud} Bd`);
    const quit = () => void simulator.stop().then(() => process.exit(0));
    process.once('SIGINT', quit);
    process.once('SIGTERM', quit);
}

if (require.main === module) main();
