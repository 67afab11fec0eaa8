/**
 * The meter simulator and the serial byte source through a real pseudo-terminal pair (socat), the
 * way the demo runs them: frames written at 9600 Bd into one end decode from the other, and
 * pulling the cable (killing socat) is seen by the source as a device gone.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TicDecoder, type TicFrame } from '../../lib/teleinfo/decoder';
import type { SourceState } from '../../lib/transport/byte-source';
import { SerialByteSource } from '../../lib/transport/serial';
import { openPtyPair } from '../../sim/pty';
import { StandardTriProducerMeter } from '../../sim/tic-frames';
import { startTicSimulator } from '../../sim/tic-meter-sim';

/** Pids of this process's live children (zombies included: they would mean a child never reaped). */
function childPids(): number[] {
    const children: number[] = [];
    for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
            // Fields after the parenthesised command name: state, ppid, ...
            const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
            if (ppid === process.pid) children.push(Number(entry));
        } catch {
            // The process ended while we looked.
        }
    }
    return children;
}

/** Resolves when `predicate` holds, checked now and at each event `subscribe` reports; rejects after `ms`. */
function waitFor(ms: number, what: string, subscribe: (check: () => void) => () => void, predicate: () => boolean): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            unsubscribe();
            reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
        }, ms);
        const unsubscribe = subscribe(() => {
            if (!predicate()) return;
            clearTimeout(timer);
            unsubscribe();
            resolve();
        });
    });
}

test(
    'standard frames written at 9600 Bd into a pty decode from the other end, and everything stops cleanly',
    { timeout: 30_000 },
    async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tic-pty-'));
        const before = childPids();
        const pair = await openPtyPair(dir, 'ttyTIC');
        const simulator = startTicSimulator({ path: pair.meterPath, meter: new StandardTriProducerMeter(), baud: 9600 });
        const source = new SerialByteSource({ path: pair.appPath, baudRate: 9600 });
        const frames: TicFrame[] = [];
        const decoder = new TicDecoder({ onFrame: (f) => frames.push(f) });
        source.on('data', (chunk) => decoder.push(chunk, Date.now()));
        try {
            assert.equal(childPids().length, before.length + 1, 'socat runs');
            source.start();
            await waitFor(
                10_000,
                '2 complete frames',
                (check) => {
                    source.on('data', check);
                    return () => source.off('data', check);
                },
                () => frames.length >= 2,
            );
            assert.equal(decoder.counters.badChecksum, 0);
            assert.equal(decoder.counters.badFormat, 0);
            for (const frame of frames) {
                assert.equal(frame.mode, 'standard');
                assert.deepEqual(frame.invalid, []);
                assert.equal(frame.groups.length, 63);
                assert.equal(frame.groups[0].label, 'ADSC');
            }
        } finally {
            await source.stop();
            await simulator.stop();
            await pair.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.deepEqual(childPids(), before, 'socat exited and was reaped');
        assert.equal(fs.existsSync(pair.appPath) || fs.existsSync(pair.meterPath), false, 'pty links removed');
    },
);

/**
 * Opens the pair, streams standard frames into it, and once `ready` resolves kills socat; returns
 * the source's states. `beforeKill` runs between the two (e.g. to silence the line first).
 */
async function pullTheCable(beforeKill: (simulatorStop: () => Promise<void>) => Promise<void>, waitMs: number, idleTimeoutMs?: number) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tic-pty-'));
    const before = childPids();
    const pair = await openPtyPair(dir, 'ttyTIC');
    const simulator = startTicSimulator({ path: pair.meterPath, meter: new StandardTriProducerMeter(), baud: 9600 });
    const source = new SerialByteSource({ path: pair.appPath, baudRate: 9600, idleTimeoutMs });
    const states: SourceState[] = [];
    source.on('state', (s) => states.push(s));
    const stateChanges = (check: () => void) => {
        source.on('state', check);
        return () => source.off('state', check);
    };
    try {
        source.start();
        await waitFor(5000, 'the port open', stateChanges, () => states.some((s) => s.state === 'open'));
        await beforeKill(() => simulator.stop());
        await pair.close();
        await waitFor(waitMs, 'a retrying state', stateChanges, () => states.some((s) => s.state === 'retrying'));
    } finally {
        await source.stop();
        await simulator.stop();
        await pair.close();
        fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(states[states.length - 1].state, 'stopped');
    assert.deepEqual(childPids(), before, 'socat exited and was reaped');
    return states;
}

test('killing socat (the device gone) on a quiet line makes the serial source retry with an error', { timeout: 30_000 }, async () => {
    const states = await pullTheCable(async (stopSimulator) => {
        await new Promise((resolve) => setTimeout(resolve, 300)); // some frames flow
        await stopSimulator();
        await new Promise((resolve) => setTimeout(resolve, 200)); // the reader waits for data
    }, 5000);
    const retrying = states.find((s) => s.state === 'retrying');
    assert.ok(retrying?.state === 'retrying' && retrying.error instanceof Error, 'retrying carries the error');
    assert.ok(retrying.retryInMs > 0);
});

// A hang-up seen by a read in progress makes read() return 0 bytes, which @serialport/bindings-cpp
// 13 retries at once, forever (serialport/bindings-cpp#162): the port never closes by itself. A
// meter streams without pause, so the source's no-data watchdog is what notices the unplug.
test('killing socat while bytes are being read makes the serial source retry once no byte comes', { timeout: 30_000 }, async () => {
    const states = await pullTheCable(() => Promise.resolve(), 5000, 1000);
    const retrying = states.find((s) => s.state === 'retrying');
    assert.ok(retrying?.state === 'retrying');
    // Which error depends on where the hang-up lands: a read error, or the watchdog's "no data".
    assert.ok(retrying.error instanceof Error && retrying.error.message.length > 0);
});
