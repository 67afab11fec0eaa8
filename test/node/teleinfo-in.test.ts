/**
 * `teleinfo-in` in a real Node-RED runtime (node-red-node-test-helper), on Node-RED 4.1 and 5.0:
 * messages, status, catchable errors, done/complete, config errors, reconnection and close.
 * `RED._` returns keys in the helper, so status texts and errors are asserted on their keys.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import teleinfoIn = require('../../nodes/teleinfo-in/teleinfo-in');
import { describeOnEachRuntime, helper, pastCalls, received, statusMatching } from '../support/node-red';
import { captureBytes, completeFrames, frameOfGroups, groupLine, teleinfoVectors } from '../support/teleinfo-vectors';
import { waitFor } from '../support/wait';

type Msg = Record<string, unknown> & { payload: Record<string, unknown> };

const stream = teleinfoVectors.vectors.find((v) => v.id === 'hist_mono_tempo_linky_stream')!;
const standard = teleinfoVectors.vectors.find((v) => v.id === 'std_tri_prod_openhab')!;

describeOnEachRuntime('teleinfo-in', () => {
    const inputFlow = (extra: Record<string, unknown> = {}) => [
        { id: 't1', type: 'teleinfo-in', name: 'tic', source: 'input', mode: 'auto', output: 'frame', wires: [['out']], ...extra },
        { id: 'out', type: 'helper' },
        { id: 'c1', type: 'catch', scope: ['t1'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
        { id: 'k1', type: 'complete', scope: ['t1'], uncaught: false, wires: [['completed']] },
        { id: 'completed', type: 'helper' },
    ];

    test('decodes a real historic stream fed in small chunks: one message per complete frame', async () => {
        await helper.load(teleinfoIn, inputFlow());
        const t1 = helper.getNode('t1');
        const got = received<Msg>(helper.getNode('out'));
        const completed = received<Msg>(helper.getNode('completed'));
        const bytes = captureBytes(stream.file);
        for (let i = 0; i < bytes.length; i += 100) t1.receive({ payload: bytes.subarray(i, i + 100) });
        const expected = completeFrames(stream);
        await waitFor(() => got.length === expected.length && completed.length === Math.ceil(bytes.length / 100));
        assert.equal(got[0].topic, '021861348497');
        assert.equal(got[0].mode, 'historic');
        assert.equal(got[0].payload.ADCO, '021861348497');
        assert.equal(got[0].payload.OPTARIF, 'BBR(');
        assert.equal(got[0].payload.BBRHCJB, Number(expected[0].labels.BBRHCJB));
        assert.deepEqual(got[0].invalid, []);
        assert.equal(typeof got[0].timestamp, 'number');
        assert.equal((got[0].units as Record<string, string>).PAPP, 'VA');
        const status = await statusMatching(t1, (s) => s.text === 'teleinfo-in.status.readingNoBaud');
        assert.equal(status.fill, 'green');
    });

    test('standard mode: horodates, DATE timestamp and decoded STGE', async () => {
        await helper.load(teleinfoIn, inputFlow({ mode: 'standard' }));
        const got = received<Msg>(helper.getNode('out'));
        helper.getNode('t1').receive({ payload: captureBytes(standard.file).toString('latin1') });
        await waitFor(() => got.length === completeFrames(standard).length);
        const m = got[0];
        assert.equal(m.mode, 'standard');
        assert.equal((m.horodates as Record<string, string>).DATE, '2021-04-14T08:26:25+02:00');
        assert.equal(m.timestamp, Date.parse('2021-04-14T08:26:25+02:00'));
        assert.equal(m.payload.DATE, '');
        assert.equal(m.payload.LTARF, 'HP  BLEU');
        const stge = m.stge as Record<string, unknown>;
        assert.equal(stge.producer, true);
        assert.equal(stge.tempoToday, 'blue');
        assert.equal(stge.supplierTariff, 2);
    });

    test('a group with a bad checksum: the frame is still sent without it, and a Catch node gets the error', async () => {
        await helper.load(teleinfoIn, inputFlow());
        const got = received<Msg>(helper.getNode('out'));
        const caught = received<Msg>(helper.getNode('caught'));
        helper
            .getNode('t1')
            .receive({ payload: frameOfGroups(groupLine('ADCO', '021861348497'), 'PAPP 02840 3', groupLine('IINST', '012')) });
        await waitFor(() => got.length === 1 && caught.length === 1);
        assert.deepEqual(got[0].invalid, ['PAPP']);
        assert.equal('PAPP' in got[0].payload, false);
        assert.equal(got[0].payload.IINST, 12);
        assert.equal((caught[0].error as { message: string }).message, 'teleinfo-in.errors.droppedGroups');
        assert.deepEqual(caught[0].invalid, ['PAPP']);
        await statusMatching(helper.getNode('t1'), (s) => s.fill === 'yellow');
    });

    test('a payload that is not bytes: done(err) reaches Catch, status says so, the node keeps working', async () => {
        await helper.load(teleinfoIn, inputFlow());
        const t1 = helper.getNode('t1');
        const got = received<Msg>(helper.getNode('out'));
        const caught = received<Msg>(helper.getNode('caught'));
        t1.receive({ payload: 42 });
        await waitFor(() => caught.length === 1);
        // done(err) reaches Catch as the error's string form.
        assert.equal((caught[0].error as { message: string }).message, 'Error: teleinfo-in.errors.payloadType');
        await statusMatching(t1, (s) => s.text === 'teleinfo-in.status.badInput' && s.fill === 'red');
        t1.receive({ payload: captureBytes('hist_mono_tempo_linky_frame1.bin') });
        await waitFor(() => got.length === 1);
    });

    test('output "changes" sends a frame only when a value other than DATE changed, with msg.changed', async () => {
        await helper.load(teleinfoIn, inputFlow({ output: 'changes' }));
        const got = received<Msg>(helper.getNode('out'));
        const frame = captureBytes('hist_mono_tempo_linky_frame1.bin');
        const t1 = helper.getNode('t1');
        t1.receive({ payload: frame });
        t1.receive({ payload: frame });
        t1.receive({ payload: frameOfGroups(groupLine('ADCO', '021861348497'), groupLine('PAPP', '02840')) });
        await waitFor(() => got.length === 2);
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(got.length, 2, 'the identical frame was not sent again');
        assert.ok((got[0].changed as string[]).includes('PAPP'));
        assert.equal(got[1].payload.PAPP, 2840);
        assert.ok((got[1].changed as string[]).includes('OPTARIF'), 'a label that disappeared counts as a change');
        assert.equal((got[1].changed as string[]).includes('PAPP'), false, 'PAPP kept its value');
    });

    test('output "interval" sends at most one frame per interval, but an ADPS warning at once', async () => {
        await helper.load(teleinfoIn, inputFlow({ output: 'interval', interval: 3600 }));
        const got = received<Msg>(helper.getNode('out'));
        const t1 = helper.getNode('t1');
        const frame = captureBytes('hist_mono_tempo_linky_frame1.bin');
        t1.receive({ payload: frame });
        t1.receive({ payload: frame });
        t1.receive({ payload: frameOfGroups(groupLine('ADCO', '021861348497'), groupLine('IINST', '046'), groupLine('ADPS', '046')) });
        await waitFor(() => got.length === 2);
        assert.equal(got[1].payload.ADPS, 46);
    });

    const badConfigs: [string, Record<string, unknown>, string][] = [
        ['an unknown mode', { mode: 'turbo' }, 'teleinfo-in.errors.mode'],
        ['a serial source without port', { source: 'serial', port: '' }, 'teleinfo-in.errors.port'],
        ['a baud rate the meter never uses', { source: 'serial', port: '/dev/null', baud: '115200' }, 'teleinfo-in.errors.baud'],
        ['a TCP port out of range', { source: 'tcp', host: '127.0.0.1', tcpPort: '70000' }, 'teleinfo-in.errors.tcpPort'],
        ['an interval of zero', { output: 'interval', interval: 0 }, 'teleinfo-in.errors.interval'],
    ];
    for (const [what, props, key] of badConfigs) {
        test(`a bad config value (${what}) gives a red status with the reason and a catchable error naming the property`, async () => {
            await helper.load(teleinfoIn, inputFlow(props));
            const t1 = helper.getNode('t1');
            const status = await statusMatching(t1, (s) => s.fill === 'red');
            assert.equal(status.text, key);
            const property = key.slice('teleinfo-in.errors.'.length);
            const errors = pastCalls(t1, 'error');
            assert.deepEqual(
                errors.map((a) => a[0]),
                [`${key} (${property}: ${JSON.stringify(props[property])})`],
            );
            // The Catch node got it, with the property and value as data.
            const c1 = helper.getNode('c1');
            await waitFor(() => pastCalls(c1, 'send').length === 1);
            const [[caught]] = pastCalls(c1, 'send') as [[{ error: { message: string }; payload: { property: string; value: unknown } }]];
            assert.equal(caught.error.message, errors[0][0]);
            assert.deepEqual(caught.payload, { property, value: props[property], reason: key });
        });
    }

    test('serial source on a device that does not exist: red status naming the error, retries, closes cleanly', async () => {
        const flow = [
            {
                id: 't1',
                type: 'teleinfo-in',
                source: 'serial',
                port: '/dev/ttyDOES-NOT-EXIST',
                baud: 'auto',
                mode: 'auto',
                output: 'frame',
                wires: [[]],
            },
        ];
        await helper.load(teleinfoIn, flow);
        const t1 = helper.getNode('t1');
        const status = await statusMatching(t1, (s) => s.text === 'teleinfo-in.status.retrying');
        assert.equal(status.fill, 'red');
        assert.ok((t1.error as unknown as { args: unknown[][] }).args.some((a) => a[0] === 'teleinfo-in.errors.device'));
        const started = Date.now();
        await helper.unload();
        assert.ok(Date.now() - started < 2000, 'close does not wait for the retry timer');
    });

    test('TCP source: reads a ser2net-style socket, notices the server going away, reconnects', async () => {
        const bytes = captureBytes(stream.file);
        const sockets = new Set<net.Socket>();
        const server = net.createServer((s) => {
            sockets.add(s);
            s.on('close', () => sockets.delete(s));
            s.write(bytes);
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        const port = (server.address() as net.AddressInfo).port;
        try {
            const flow = [
                {
                    id: 't1',
                    type: 'teleinfo-in',
                    source: 'tcp',
                    host: '127.0.0.1',
                    tcpPort: String(port),
                    mode: 'auto',
                    output: 'frame',
                    wires: [['out']],
                },
                { id: 'out', type: 'helper' },
            ];
            await helper.load(teleinfoIn, flow);
            const t1 = helper.getNode('t1');
            const got = received<Msg>(helper.getNode('out'));
            await waitFor(() => got.length === completeFrames(stream).length);
            for (const s of sockets) s.destroy();
            await statusMatching(t1, (s) => s.text === 'teleinfo-in.status.retrying');
            await waitFor(() => got.length === 2 * completeFrames(stream).length, 5000);
        } finally {
            await helper.unload();
            for (const s of sockets) s.destroy();
            await new Promise((r) => server.close(r));
        }
    });
});
