/**
 * The serial byte source on @serialport/binding-mock: 7E1 at the asked speed, data through,
 * speed changes reopen the port, a missing device is retried, a silent one is noticed.
 */
import { afterEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MockBinding, type MockPortBinding } from '@serialport/binding-mock';
import type { OpenOptions } from '@serialport/bindings-interface';
import { SerialByteSource } from '../../lib/transport/serial';
import type { SourceState } from '../../lib/transport/byte-source';
import { captureBytes } from '../support/teleinfo-vectors';
import { eventually } from '../support/wait';

/** MockBinding, keeping each port it opens so the test can make the "meter" send. */
function recordingBinding() {
    const opened: MockPortBinding[] = [];
    const binding = {
        list: () => MockBinding.list(),
        open: async (options: OpenOptions) => {
            const port = await MockBinding.open(options);
            opened.push(port);
            return port;
        },
    };
    return { binding, opened };
}

function watch(source: SerialByteSource) {
    const states: SourceState[] = [];
    const chunks: Buffer[] = [];
    source.on('state', (s) => states.push(s));
    source.on('data', (c) => chunks.push(c));
    return { states, chunks };
}

let source: SerialByteSource | undefined;
afterEach(async () => {
    await source?.stop();
    source = undefined;
    MockBinding.reset();
});

test('opens the port 7E1 at the given speed and passes the bytes on', async () => {
    MockBinding.createPort('/dev/ttyTIC', { echo: false, record: false });
    const { binding, opened } = recordingBinding();
    source = new SerialByteSource({ path: '/dev/ttyTIC', baudRate: 1200, binding });
    const { states, chunks } = watch(source);
    source.start();
    const port = await eventually(() => opened[0], 2000, 10);
    assert.equal(port.openOptions.baudRate, 1200);
    assert.equal(port.openOptions.dataBits, 7);
    assert.equal(port.openOptions.parity, 'even');
    assert.equal(port.openOptions.stopBits, 1);
    const frame = captureBytes('hist_mono_tempo_linky_frame1.bin');
    port.emitData(frame);
    await eventually(() => (Buffer.concat(chunks).length === frame.length ? true : undefined), 2000, 10);
    assert.deepEqual(Buffer.concat(chunks), frame);
    assert.ok(states.some((s) => s.state === 'open'));
});

test('a new speed reopens the port at that speed', async () => {
    MockBinding.createPort('/dev/ttyTIC', { echo: false, record: false });
    const { binding, opened } = recordingBinding();
    source = new SerialByteSource({ path: '/dev/ttyTIC', baudRate: 1200, binding });
    source.start();
    await eventually(() => opened[0], 2000, 10);
    await source.setBaudRate(9600);
    const reopened = await eventually(() => opened[1], 2000, 10);
    assert.equal(reopened.openOptions.baudRate, 9600);
    assert.equal(opened[0].isOpen, false);
    assert.equal(source.baud, 9600);
});

test('a device that does not exist is retried with an error and a growing delay', async () => {
    const { binding } = recordingBinding();
    source = new SerialByteSource({ path: '/dev/ttyNOPE', baudRate: 1200, binding });
    const { states } = watch(source);
    source.start();
    const retrying = await eventually(() => states.find((s) => s.state === 'retrying'), 2000, 10);
    assert.ok(retrying.state === 'retrying');
    assert.match(retrying.error.message, /ttyNOPE/);
    assert.equal(retrying.retryInMs, 1000);
    const second = await eventually(() => states.filter((s) => s.state === 'retrying')[1], 3000, 20);
    assert.ok(second.state === 'retrying' && second.retryInMs === 2000);
});

test('a port that stays silent is closed and reopened (a meter never stops sending)', async () => {
    MockBinding.createPort('/dev/ttyTIC', { echo: false, record: false });
    const { binding, opened } = recordingBinding();
    source = new SerialByteSource({ path: '/dev/ttyTIC', baudRate: 1200, binding, idleTimeoutMs: 200 });
    const { states } = watch(source);
    source.start();
    const retrying = await eventually(() => states.find((s) => s.state === 'retrying'), 3000, 10);
    assert.ok(retrying.state === 'retrying');
    assert.match(retrying.error.message, /no data from \/dev\/ttyTIC for 0.2 s/);
    await eventually(() => opened[1], 3000, 20);
});
