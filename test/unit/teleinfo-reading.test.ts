/** The reading built from decoded frames: horodates, clock, plausibility, short frames, STGE. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { TicDecoder, type TicFrame } from '../../lib/teleinfo/decoder';
import { TicMeterView } from '../../lib/teleinfo/reading';
import { decodeStge } from '../../lib/teleinfo/stge';
import { parseHorodate } from '../../lib/teleinfo/horodate';
import { frameOfGroups, groupLine } from '../support/teleinfo-vectors';

function framesOf(bytes: Buffer): TicFrame[] {
    const frames: TicFrame[] = [];
    new TicDecoder({ onFrame: (f) => frames.push(f) }).push(bytes);
    return frames;
}

const T0 = Date.parse('2026-11-22T08:00:00Z');

test('horodates: E and H give the offset, lowercase marks a degraded clock, SP season has no offset', () => {
    const frame = frameOfGroups(
        groupLine('ADSC', '021662096073', 'standard'),
        groupLine('DATE', '', 'standard', 'e210714074553'),
        groupLine('SMAXSN', '07890', 'standard', 'H260319051418'),
        groupLine('DPM1', '00', 'standard', ' 230214060000'),
    );
    const reading = new TicMeterView().read(framesOf(frame)[0], T0);
    assert.deepEqual(reading.horodates, {
        DATE: '2021-07-14T07:45:53+02:00',
        SMAXSN: '2026-03-19T05:14:18+01:00',
        DPM1: '2023-02-14T06:00:00',
    });
    assert.equal(reading.clockDegraded, true);
    assert.equal(reading.timestamp, Date.parse('2021-07-14T07:45:53+02:00'), "DATE's time in standard mode");
    assert.equal(reading.payload.DPM1, 0);
    assert.equal(parseHorodate('X210714074553'), undefined);
    assert.equal(parseHorodate('E2107140745'), undefined);
});

test('historic mode: the timestamp is the time the frame ended, no clockDegraded', () => {
    const reading = new TicMeterView().read(framesOf(frameOfGroups(groupLine('ADCO', '021861348497'), groupLine('PAPP', '02840')))[0], T0);
    assert.equal(reading.timestamp, T0);
    assert.equal('clockDegraded' in reading, false);
    assert.deepEqual(reading.units, { PAPP: 'VA' });
});

test('plausibility: checksum-valid but odd values are kept and named in suspect', () => {
    const view = new TicMeterView();
    const first = view.read(
        framesOf(
            frameOfGroups(
                groupLine('ADCO', '021861348497'),
                groupLine('HCHC', '001234567'),
                groupLine('IINST', '12'), // 2 digits where the meter always sends 3
                groupLine('PAPP', '0A840'), // not digits
            ),
        )[0],
        T0,
    );
    assert.deepEqual(first.suspect, ['IINST', 'PAPP']);
    assert.equal(first.payload.IINST, 12);
    assert.equal(first.payload.PAPP, '0A840');
    const lower = view.read(framesOf(frameOfGroups(groupLine('ADCO', '021861348497'), groupLine('HCHC', '001234000')))[0], T0 + 2000);
    assert.deepEqual(lower.suspect, ['HCHC'], 'an energy index that went down');
    const jump = view.read(framesOf(frameOfGroups(groupLine('ADCO', '021861348497'), groupLine('HCHC', '009234567')))[0], T0 + 4000);
    assert.deepEqual(jump.suspect, ['HCHC'], '8 MWh in 4 s is no real load');
    const normal = view.read(framesOf(frameOfGroups(groupLine('ADCO', '021861348497'), groupLine('HCHC', '001234600')))[0], T0 + 6000);
    assert.deepEqual(normal.suspect, []);
});

test('three-phase short frames update the last long frame and are flagged', () => {
    const view = new TicMeterView();
    const long = frameOfGroups(
        groupLine('ADCO', '021861348497'),
        groupLine('OPTARIF', 'BASE'),
        groupLine('BASE', '001234567'),
        groupLine('PTEC', 'TH..'),
        groupLine('IINST1', '010'),
        groupLine('IINST2', '011'),
        groupLine('IINST3', '012'),
        groupLine('PAPP', '07000'),
    );
    const short = frameOfGroups(
        groupLine('ADIR1', '062'),
        groupLine('ADCO', '021861348497'),
        groupLine('IINST1', '062'),
        groupLine('IINST2', '011'),
        groupLine('IINST3', '012'),
    );
    view.read(framesOf(long)[0], T0);
    const reading = view.read(framesOf(short)[0], T0 + 1000);
    assert.equal(reading.shortFrame, true);
    assert.equal(reading.payload.IINST1, 62);
    assert.equal(reading.payload.ADIR1, 62);
    assert.equal(reading.payload.PAPP, 7000, 'the long frame values are kept');
    const next = view.read(framesOf(long)[0], T0 + 2000);
    assert.equal('shortFrame' in next, false);
    assert.equal('ADIR1' in next.payload, false, 'the warning disappears with the next long frame');
});

test('STGE: the worked example of the reference (013A0501) decodes field by field', () => {
    assert.deepEqual(decodeStge('013A0501'), {
        raw: '013A0501',
        dryContactOpen: true,
        cutOff: 'closed',
        terminalCoverOpen: false,
        overvoltage: false,
        overpower: false,
        producer: true,
        injecting: false,
        supplierTariff: 2,
        distributorTariff: 1,
        clockDegraded: false,
        ticStandard: true,
        euridis: 'secured',
        cpl: 'new-locked',
        cplSynchronised: false,
        tempoToday: 'blue',
        tempoTomorrow: 'none',
        mobilePeakNotice: 0,
        mobilePeakActive: 0,
    });
    assert.equal(decodeStge('013A05'), undefined);
    assert.equal(decodeStge('ZZZZZZZZ'), undefined);
    assert.equal(decodeStge('FFFFFFFF')!.mobilePeakActive, 3);
});

test('another meter on the same port: a new topic, and its indexes are not compared with the first one', () => {
    const view = new TicMeterView();
    const a = view.read(framesOf(frameOfGroups(groupLine('ADCO', '021861348497'), groupLine('HCHC', '009000000')))[0], T0);
    assert.equal(a.topic, '021861348497');
    const b = view.read(framesOf(frameOfGroups(groupLine('ADCO', '031861348400'), groupLine('HCHC', '000000100')))[0], T0 + 1000);
    assert.equal(b.topic, '031861348400');
    assert.deepEqual(b.suspect, [], 'another meter: its index is not compared with the first one');
});
