/** The Téléinfo meter simulator's pure parts: frame encoder, meter models, UART at the wrong speed. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BaudHunter } from '../../lib/teleinfo/baud-hunter';
import { TicDecoder, type TicFrame, type TicModeSetting } from '../../lib/teleinfo/decoder';
import { parseHorodate } from '../../lib/teleinfo/horodate';
import { TicMeterView, type TicReading } from '../../lib/teleinfo/reading';
import { TeleinfoSession } from '../../lib/teleinfo/session';
import { TimeZoneError } from '../../lib/util/time-zone';
import {
    encodeFrame,
    encodeGroup,
    frameDurationMs,
    horodateAt,
    HistoricMonoHpHcMeter,
    HouseholdModel,
    parisUtcOffsetHours,
    StandardTriProducerMeter,
    type TicMeterModel,
} from '../../sim/tic-frames';
import { uartDeliver } from '../../sim/uart';
import { teleinfoVectors } from '../support/teleinfo-vectors';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Frames every `stepMs` over `hours` from `start`, decoded and read the way teleinfo-in does. */
function runDay(meter: TicMeterModel, start: string, stepMs = 10 * MINUTE_MS, hours = 24) {
    const view = new TicMeterView();
    const readings: { at: Date; reading: TicReading }[] = [];
    let at = new Date(start);
    const decoder = new TicDecoder({ onFrame: (frame) => readings.push({ at, reading: view.read(frame, at.getTime()) }) });
    const t0 = at.getTime();
    for (let ms = t0; ms < t0 + hours * HOUR_MS; ms += stepMs) {
        at = new Date(ms);
        decoder.push(meter.frameAt(at));
    }
    return { readings, decoder, frameCount: Math.ceil((hours * HOUR_MS) / stepMs) };
}

function assertCleanDecode(run: ReturnType<typeof runDay>): void {
    const { decoder, readings, frameCount } = run;
    assert.equal(decoder.counters.frames, frameCount);
    assert.equal(decoder.counters.badChecksum, 0);
    assert.equal(decoder.counters.badFormat, 0);
    assert.equal(decoder.counters.oversize, 0);
    for (const { at, reading } of readings) {
        assert.deepEqual(reading.invalid, [], `${at.toISOString()}: invalid groups`);
        assert.deepEqual(reading.suspect, [], `${at.toISOString()}: suspect groups`);
    }
}

function assertMonotonic(readings: { reading: TicReading }[], labels: string[]): void {
    for (const label of labels) {
        const values = readings.map((r) => r.reading.payload[label]);
        assert.ok(
            values.every((v) => typeof v === 'number'),
            `${label} is numeric`,
        );
        for (let i = 1; i < values.length; i++)
            assert.ok(values[i] >= values[i - 1], `${label} never decreases (${values[i - 1]} → ${values[i]})`);
    }
}

/** Local Paris hour, through the host's time-zone database (independent of the simulator's own rule). */
function parisHour(at: Date): number {
    return Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hourCycle: 'h23' }).format(at));
}

test('encodeGroup reproduces the reference checksums of both modes', () => {
    assert.equal(encodeGroup('ADCO', '050022120078', 'historic'), '\nADCO 050022120078 2\r');
    assert.equal(encodeGroup('PTEC', 'HP..', 'historic'), '\nPTEC HP..  \r');
    assert.equal(encodeGroup('VTIC', '02', 'standard'), '\nVTIC\t02\tJ\r');
    assert.equal(encodeGroup('DATE', '', 'standard', 'E210414082625'), '\nDATE\tE210414082625\t\tA\r');
    assert.equal(encodeGroup('SMAXSN', '02636', 'standard', 'E210414070239'), '\nSMAXSN\tE210414070239\t02636\t<\r');
    assert.throws(() => encodeGroup('PAPP', '00100', 'historic', 'E210414070239'), /historic/);
});

test('encodeFrame rebuilds a real standard frame byte for byte', () => {
    const vector = teleinfoVectors.vectors.find((v) => v.id === 'std_tri_prod_openhab')!;
    const frame = vector.frames[0];
    const groups = frame.groups.map((g) => ({ label: g.label, value: g.value ?? '', horodate: g.horodate }));
    assert.equal(encodeFrame(groups, 'standard').toString('latin1'), `\x02${frame.groups.map((g) => `\n${g.raw}\r`).join('')}\x03`);
});

test('parisUtcOffsetHours and horodateAt follow Europe/Paris, DST switches included', () => {
    for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2025, 0, 1); ms += HOUR_MS) {
        const at = new Date(ms);
        const expected = (parisHour(at) - at.getUTCHours() + 24) % 24;
        assert.equal(parisUtcOffsetHours(at), expected, at.toISOString());
    }
    assert.equal(horodateAt(new Date('2024-03-31T00:59:59Z')), 'H240331015959');
    assert.equal(horodateAt(new Date('2024-03-31T01:00:00Z')), 'E240331030000');
    assert.equal(horodateAt(new Date('2024-10-27T00:59:59Z')), 'E241027025959');
    assert.equal(horodateAt(new Date('2024-10-27T01:00:00Z')), 'H241027020000');
});

test('the household model: quiet nights, an evening peak of 4-7 kVA, solar only by day, reproducible', () => {
    const house = new HouseholdModel(7);
    const at = (hh: number, mm = 0) => new Date(Date.UTC(2024, 6, 15, hh - 2, mm));
    const range = (from: number, to: number, f: (d: Date) => number) => {
        const values: number[] = [];
        for (let m = from * 60; m < to * 60; m += 5) values.push(f(at(Math.floor(m / 60), m % 60)));
        return values;
    };
    const night = range(2, 5, (d) => house.consumptionVa(d));
    const evening = range(19, 22, (d) => house.consumptionVa(d));
    assert.ok(Math.max(...night) < 600, `night ${Math.max(...night)}`);
    assert.ok(Math.max(...evening) > 4000 && Math.max(...evening) < 7000, `evening ${Math.max(...evening)}`);
    assert.equal(house.productionW(at(6)), 0);
    assert.equal(house.productionW(at(21)), 0);
    const noon = range(12, 15, (d) => house.productionW(d));
    assert.ok(Math.max(...noon) > 2000 && Math.max(...noon) <= 3000, `solar ${Math.max(...noon)}`);
    assert.equal(new HouseholdModel(7).consumptionVa(at(20, 3)), house.consumptionVa(at(20, 3)));
    assert.notEqual(new HouseholdModel(8).consumptionVa(at(20, 3)), house.consumptionVa(at(20, 3)));
});

test('historic meter: a day of frames decodes cleanly, indexes grow, PTEC follows off-peak hours', () => {
    const run = runDay(new HistoricMonoHpHcMeter({ seed: 3 }), '2024-07-14T22:05:00Z');
    assertCleanDecode(run);
    const { readings } = run;
    assertMonotonic(readings, ['HCHC', 'HCHP']);
    const order = ['ADCO', 'OPTARIF', 'ISOUSC', 'HCHC', 'HCHP', 'PTEC', 'IINST', 'IMAX', 'PAPP', 'HHPHC', 'MOTDETAT'];
    for (const { at, reading } of readings) {
        const p = reading.payload;
        assert.deepEqual(Object.keys(p), order);
        assert.equal(reading.mode, 'historic');
        assert.equal(reading.topic, '021975348497');
        assert.equal(p.OPTARIF, 'HC..');
        const hour = parisHour(at);
        assert.equal(p.PTEC, hour >= 22 || hour < 6 ? 'HC..' : 'HP..', at.toISOString());
        assert.equal(Number(p.PAPP) % 10, 0);
    }
    // Each index grows only during its own period (a frame's energy is that of the slice before it).
    for (let i = 1; i < readings.length; i++) {
        const [before, after] = [readings[i - 1].reading.payload, readings[i].reading.payload];
        if (before.PTEC === 'HP..' && after.PTEC === 'HP..') assert.equal(after.HCHC, before.HCHC);
        if (before.PTEC === 'HC..' && after.PTEC === 'HC..') assert.equal(after.HCHP, before.HCHP);
    }
    const papp = readings.map((r) => Number(r.reading.payload.PAPP));
    assert.ok(Math.max(...papp) > 3000 && Math.min(...papp) < 1000, `PAPP ${Math.min(...papp)}..${Math.max(...papp)}`);
    // A day at ~1.5 kW average: between 10 and 80 kWh.
    const first = readings[0].reading.payload;
    const last = readings[readings.length - 1].reading.payload;
    const dayWh = Number(last.HCHC) + Number(last.HCHP) - Number(first.HCHC) - Number(first.HCHP);
    assert.ok(dayWh > 10_000 && dayWh < 80_000, `${dayWh} Wh`);
});

test('historic meter: ADPS appears only while an overload is forced, right after IINST', () => {
    const meter = new HistoricMonoHpHcMeter();
    const view = new TicMeterView();
    const readings: TicReading[] = [];
    const decoder = new TicDecoder({ onFrame: (f) => readings.push(view.read(f, 0)) });
    const t0 = Date.UTC(2024, 0, 10, 19);
    for (let i = 0; i < 9; i++) {
        meter.overload = i >= 3 && i < 6;
        decoder.push(meter.frameAt(new Date(t0 + i * 2000)));
    }
    assert.equal(decoder.counters.badChecksum + decoder.counters.badFormat, 0);
    readings.forEach((r, i) => {
        const labels = Object.keys(r.payload);
        if (i >= 3 && i < 6) {
            assert.equal(labels[labels.indexOf('IINST') + 1], 'ADPS', `frame ${i}`);
            assert.ok(Number(r.payload.ADPS) > Number(r.payload.ISOUSC));
            assert.equal(r.payload.ADPS, r.payload.IINST);
            assert.deepEqual(r.suspect, []);
        } else {
            assert.equal('ADPS' in r.payload, false, `frame ${i}`);
        }
    });
    const forced = new HistoricMonoHpHcMeter({ overload: true }).frameAt(new Date(t0)).toString('latin1');
    assert.match(forced, /\nADPS \d{3} .\r/);
});

for (const [season, start] of [
    ['E', '2024-07-15T00:00:00+02:00'],
    ['H', '2024-01-15T00:00:00+01:00'],
] as const) {
    test(`standard producer meter (${season === 'E' ? 'July' : 'January'}): a day of frames decodes cleanly, in the real label order`, () => {
        const run = runDay(new StandardTriProducerMeter({ seed: 5 }), start);
        assertCleanDecode(run);
        const { readings } = run;
        const realOrder = Object.keys(teleinfoVectors.vectors.find((v) => v.id === 'std_tri_prod_openhab')!.frames[0].labels);
        const indexes = ['EAST', 'EAIT', ...realOrder.filter((l) => /^(EASF|EASD|ERQ)/.test(l))];
        assertMonotonic(readings, indexes);
        let injected = 0;
        for (const { at, reading } of readings) {
            const p = reading.payload;
            assert.deepEqual(Object.keys(p), realOrder);
            assert.equal(reading.mode, 'standard');
            // DATE: season letter from DST, time = the frame's instant (to the second).
            assert.equal(parseHorodate(horodateAt(at))!.epochMs, Math.floor(at.getTime() / 1000) * 1000);
            assert.equal(reading.timestamp, Math.floor(at.getTime() / 1000) * 1000);
            const offset = season === 'E' ? '+02:00' : '+01:00';
            for (const [label, iso] of Object.entries(reading.horodates)) assert.ok(iso.endsWith(offset), `${label} ${iso}`);
            const stge = reading.stge!;
            assert.equal(stge.producer, true);
            assert.equal(stge.ticStandard, true);
            assert.equal(stge.supplierTariff, p.NTARF);
            assert.notEqual(stge.tempoToday, 'none');
            assert.notEqual(stge.tempoTomorrow, 'none');
            assert.equal(stge.injecting, Number(p.SINSTI) > 0);
            assert.equal(Number(p.SINSTS) > 0 && Number(p.SINSTI) > 0, false, 'withdrawing or injecting, not both');
            const hour = parisHour(at);
            assert.match(String(p.LTARF), hour >= 22 || hour < 6 ? /HC {2}(BLEU|BLANC|ROUGE)/ : /HP {2}(BLEU|BLANC|ROUGE)/);
            assert.ok(Number(p.SMAXSN) >= Number(p.SINSTS));
            assert.equal(p.EAST, p.EASD01);
            if (Number(p.SINSTI) > 0) injected++;
        }
        assert.ok(injected > 0, 'surplus injected around midday');
        const first = readings[0].reading.payload;
        const last = readings[readings.length - 1].reading.payload;
        assert.ok(Number(last.EAIT) > Number(first.EAIT), 'EAIT grows');
        assert.ok(Number(last.EAST) > Number(first.EAST), 'EAST grows');
    });
}

test('standard meter on HP/HC: two supplier indexes, NTARF 1 off-peak and 2 on-peak', () => {
    const run = runDay(new StandardTriProducerMeter({ tariff: 'hphc' }), '2024-03-30T12:00:00Z', 30 * MINUTE_MS, 36);
    assertCleanDecode(run);
    for (const { at, reading } of run.readings) {
        const hour = parisHour(at);
        const offPeak = hour >= 22 || hour < 6;
        assert.equal(reading.payload.NTARF, offPeak ? 1 : 2, at.toISOString());
        assert.equal(reading.payload.LTARF, offPeak ? 'HEURE  CREUSE' : 'HEURE  PLEINE');
        assert.equal(reading.stge!.tempoToday, 'none');
        for (const label of ['EASF03', 'EASF04', 'EASF05', 'EASF06']) assert.equal(reading.payload[label], 0);
    }
    // The night of the spring DST switch: both seasons appear.
    const seasons = new Set(run.readings.map((r) => r.reading.horodates.DATE.slice(-6)));
    assert.deepEqual([...seasons].sort(), ['+01:00', '+02:00']);
});

test('standard meter: a forced overload sets STGE bit 7 (reference power exceeded)', () => {
    const meter = new StandardTriProducerMeter({ overload: true, prefKva: 9 });
    const frames: TicFrame[] = [];
    const decoder = new TicDecoder({ onFrame: (f) => frames.push(f) });
    decoder.push(meter.frameAt(new Date('2024-02-01T20:00:00Z')));
    const reading = new TicMeterView().read(frames[0], 0);
    assert.ok(Number(reading.payload.SINSTS) > 9000);
    assert.equal(reading.stge!.overpower, true);
    meter.overload = false;
    frames.length = 0;
    decoder.push(meter.frameAt(new Date('2024-02-01T20:00:02Z')));
    assert.equal(new TicMeterView().read(frames[0], 0).stge!.overpower, false);
});

test('frames are reproducible from the seed and last as long as the line says', () => {
    const at = new Date('2024-05-05T18:00:00Z');
    assert.deepEqual(new StandardTriProducerMeter({ seed: 9 }).frameAt(at), new StandardTriProducerMeter({ seed: 9 }).frameAt(at));
    assert.notDeepEqual(new HistoricMonoHpHcMeter({ seed: 9 }).frameAt(at), new HistoricMonoHpHcMeter({ seed: 10 }).frameAt(at));
    const historic = new HistoricMonoHpHcMeter().frameAt(at);
    const standard = new StandardTriProducerMeter().frameAt(at);
    assert.equal(frameDurationMs(120, 1200), 1000);
    assert.ok(frameDurationMs(historic.length, 1200) > 1000 && frameDurationMs(historic.length, 1200) < 3000);
    assert.ok(frameDurationMs(standard.length, 9600) > 900 && frameDurationMs(standard.length, 9600) < 1600);
});

test('a meter follows the legal time of the zone it is given; a horodate only says +01:00 or +02:00', () => {
    const kolkataHours = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', hour: '2-digit', hourCycle: 'h23' });
    const run = runDay(new HistoricMonoHpHcMeter({ seed: 3, timeZone: 'Asia/Kolkata' }), '2024-07-14T16:35:00Z', 30 * MINUTE_MS);
    assertCleanDecode(run);
    for (const { at, reading } of run.readings) {
        const hour = Number(kolkataHours.format(at));
        assert.equal(reading.payload.PTEC, hour >= 22 || hour < 6 ? 'HC..' : 'HP..', at.toISOString());
    }
    // Zurich has kept the same legal time as Paris since 1981: the same frames, on the night clocks go back too.
    const at = new Date('2024-10-27T01:30:00Z');
    assert.deepEqual(new StandardTriProducerMeter({ timeZone: 'Europe/Zurich' }).frameAt(at), new StandardTriProducerMeter().frameAt(at));
    const kolkataMeter = new StandardTriProducerMeter({ timeZone: 'Asia/Kolkata' });
    assert.throws(() => kolkataMeter.frameAt(at), /Asia\/Kolkata: a horodate's offset is \+01:00 or \+02:00/);
    assert.throws(() => new HistoricMonoHpHcMeter({ timeZone: 'Europe/Pariss' }), TimeZoneError);
});

test('uartDeliver at the same speed delivers the bytes unchanged', () => {
    const all7bit = Buffer.from(Array.from({ length: 128 }, (_, i) => i));
    assert.deepEqual(uartDeliver(all7bit, 1200, 1200), all7bit);
    const at = new Date('2024-05-05T18:00:00Z');
    for (const meter of [new HistoricMonoHpHcMeter(), new StandardTriProducerMeter()]) {
        const frames = Buffer.concat([meter.frameAt(at), meter.frameAt(new Date(at.getTime() + 2000))]);
        assert.deepEqual(uartDeliver(frames, meter.baud, meter.baud), frames);
        assert.deepEqual(uartDeliver(frames, 9600, 9600), frames);
    }
});

test('uartDeliver: a parity error or a 0 stop bit is delivered as NUL', () => {
    // 'A' (0x41) sent at 1200 and read at 2400: the receiver's parity and stop samples fall in data bits.
    const delivered = uartDeliver(Buffer.from('A'), 1200, 2400);
    assert.ok(delivered.length > 0);
    assert.ok(
        delivered.every((b) => b === 0),
        delivered.toString('hex'),
    );
});

/** What a reader at the wrong speed gets from `frames` frames of `meter`, and what the decoder makes of it. */
function readAtWrongSpeed(meter: TicMeterModel, rxBaud: number, frames: number) {
    const decoder = new TicDecoder({ onFrame: () => undefined });
    const t0 = Date.UTC(2024, 5, 1, 10);
    let delivered = 0;
    for (let i = 0; i < frames; i++) {
        const garbage = uartDeliver(meter.frameAt(new Date(t0 + i * 2000)), meter.baud, rxBaud);
        delivered += garbage.length;
        decoder.push(garbage);
    }
    return { decoder, delivered };
}

test('uartDeliver at the wrong speed: historic read at 9600 and standard read at 1200 give no valid group', () => {
    const historic = readAtWrongSpeed(new HistoricMonoHpHcMeter(), 9600, 10);
    assert.ok(historic.delivered > 0);
    assert.equal(historic.decoder.counters.validGroups, 0);
    const standard = readAtWrongSpeed(new StandardTriProducerMeter(), 1200, 10);
    assert.ok(standard.delivered > 0);
    assert.equal(standard.decoder.counters.validGroups, 0);
});

/**
 * A reader that hunts for the speed on a simulated clock: each frame of the meter is delivered at
 * the hunter's current speed, then the clock advances by the frame's time on the line.
 */
function hunt(meter: TicMeterModel, modeHint: TicModeSetting, startBaud: number) {
    let now = Date.UTC(2024, 5, 1, 10);
    const hunter = new BaudHunter('auto', modeHint, now);
    assert.equal(hunter.baud, startBaud);
    const decoder = new TicDecoder({ onFrame: () => undefined });
    const switches: number[] = [];
    let validAtSwitch = -1;
    for (let i = 0; i < 30 && !hunter.locked; i++) {
        const frame = meter.frameAt(new Date(now));
        const delivered = uartDeliver(frame, meter.baud, hunter.baud);
        now += frameDurationMs(frame.length, meter.baud);
        decoder.push(delivered, now);
        const next = hunter.observe(now, delivered.length, decoder.counters.validGroups);
        if (next !== undefined) {
            switches.push(next);
            validAtSwitch = decoder.counters.validGroups;
            decoder.reset();
        }
    }
    return { hunter, decoder, switches, validAtSwitch };
}

test('BaudHunter finds 9600 Bd for a standard meter after garbage at 1200 Bd, then locks', () => {
    const { hunter, decoder, switches, validAtSwitch } = hunt(new StandardTriProducerMeter(), 'auto', 1200);
    assert.deepEqual(switches, [9600]);
    assert.equal(validAtSwitch, 0, 'nothing valid while reading at 1200');
    assert.equal(hunter.baud, 9600);
    assert.equal(hunter.locked, true);
    assert.ok(decoder.counters.validGroups > 0);
    assert.equal(decoder.mode, 'standard');
});

test('BaudHunter finds 1200 Bd for a historic meter after garbage at 9600 Bd, then locks', () => {
    const { hunter, decoder, switches, validAtSwitch } = hunt(new HistoricMonoHpHcMeter(), 'standard', 9600);
    assert.deepEqual(switches, [1200]);
    assert.equal(validAtSwitch, 0, 'nothing valid while reading at 9600');
    assert.equal(hunter.baud, 1200);
    assert.equal(hunter.locked, true);
    assert.ok(decoder.counters.validGroups > 0);
    assert.equal(decoder.mode, 'historic');
});

test('BaudHunter(auto, auto) starting at 1200 Bd locks at once on a historic meter', () => {
    const { hunter, switches } = hunt(new HistoricMonoHpHcMeter(), 'auto', 1200);
    assert.deepEqual(switches, []);
    assert.equal(hunter.locked, true);
});

test('a standard meter read through a pseudo-terminal at 1200 Bd: the mode locks, the port is set to 9600 Bd once, frames go on', () => {
    const meter = new StandardTriProducerMeter();
    let now = Date.UTC(2024, 5, 1, 10);
    const readings: TicReading[] = [];
    const session = new TeleinfoSession({ mode: 'auto', output: 'frame', baud: 'auto', now, onReading: (r) => readings.push(r) });
    assert.equal(session.baud, 1200);
    const switches: number[] = [];
    for (let i = 0; i < 10; i++) {
        // A pty passes the bytes as they are, whatever speed the port is set to.
        const frame = meter.frameAt(new Date(now));
        now += frameDurationMs(frame.length, meter.baud);
        const next = session.push(frame, now);
        if (next !== undefined) switches.push(next);
    }
    assert.deepEqual(switches, [9600]);
    assert.equal(session.baud, 9600);
    assert.equal(session.mode, 'standard');
    assert.ok(readings.length >= 8, `frames decoded: ${readings.length}`);
});

test("a converter that re-times the stream: after the mode's speed gave only garbage, the hunter goes back and stays", () => {
    let now = 0;
    const hunter = new BaudHunter('auto', 'auto', now);
    assert.equal(hunter.modeLocked('standard', now), 9600, "set to the mode's speed");
    assert.equal(hunter.modeLocked('standard', now), undefined, 'already there');
    // Nothing valid at 9600 for a whole window: back to 1200, where the converter's bytes decode.
    let back: number | undefined;
    for (let i = 0; i < 10 && back === undefined; i++) back = hunter.observe((now += 1000), 500, 0);
    assert.equal(back, 1200);
    assert.equal(hunter.observe((now += 1000), 500, 40), undefined);
    assert.equal(hunter.modeLocked('standard', now), undefined, 'not forced twice');
    assert.equal(hunter.baud, 1200);
});

test('a set speed is never changed by the mode', () => {
    assert.equal(new BaudHunter(1200, 'auto', 0).modeLocked('standard', 0), undefined);
});
