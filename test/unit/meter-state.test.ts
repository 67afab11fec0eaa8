/**
 * A simulated meter's state saved and restored: the demo's meters carry on from it when started
 * again, so an index stored in InfluxDB is never followed by a lower one.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TicDecoder } from '../../lib/teleinfo/decoder';
import { TicMeterView, type TicReading } from '../../lib/teleinfo/reading';
import { readMeterState, writeMeterState } from '../../sim/meter-state';
import {
    HistoricMonoHpHcMeter,
    StandardTriProducerMeter,
    type HistoricMeterState,
    type StandardMeterState,
    type TicMeterModel,
    type TicMeterState,
} from '../../sim/tic-frames';
import { startTicSimulator } from '../../sim/tic-meter-sim';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const HISTORIC_INDEXES = ['HCHC', 'HCHP'];
const STANDARD_INDEXES = ['EAST', 'EASF01', 'EASF02', 'EASF03', 'EASF04', 'EASF05', 'EASF06', 'EASD01', 'EAIT', 'ERQ1', 'ERQ2', 'ERQ3'];

function framesOver(meter: TicMeterModel, fromMs: number, hours: number, stepMs = 5 * MINUTE_MS): Buffer[] {
    const frames: Buffer[] = [];
    for (let t = fromMs; t < fromMs + hours * HOUR_MS; t += stepMs) frames.push(meter.frameAt(new Date(t)));
    return frames;
}

function readAll(bytes: Buffer): TicReading[] {
    const view = new TicMeterView();
    const readings: TicReading[] = [];
    new TicDecoder({ onFrame: (frame) => readings.push(view.read(frame, 0)) }).push(bytes);
    return readings;
}

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'meter-state-'));
}

const kinds = [
    { name: 'historic', create: (state?: TicMeterState) => new HistoricMonoHpHcMeter({ seed: 4, state: state as HistoricMeterState }) },
    { name: 'standard', create: (state?: TicMeterState) => new StandardTriProducerMeter({ seed: 4, state: state as StandardMeterState }) },
];

for (const { name, create } of kinds) {
    test(`${name} meter: restored from its snapshot through JSON, it sends the very frames the original sends next`, () => {
        const start = Date.parse('2025-03-29T12:00:00Z');
        const original = create();
        assert.equal(original.snapshot(), undefined, 'no state before the first frame');
        framesOver(original, start, 10);
        const saved = JSON.parse(JSON.stringify(original.snapshot())) as TicMeterState;
        const restored = create(saved);
        // On through midnight and the switch to summer time: day maxima, load curve and tariff periods carried over.
        const resumeAt = start + 10 * HOUR_MS + 7 * MINUTE_MS;
        assert.deepEqual(framesOver(restored, resumeAt, 30), framesOver(original, resumeAt, 30));
        assert.deepEqual(restored.snapshot(), original.snapshot());
    });
}

test('a restored meter counts the time it was off, like a real one: its indexes grow across the gap, never back', () => {
    const meter = new HistoricMonoHpHcMeter();
    const start = Date.parse('2025-01-10T12:00:00Z');
    const before = readAll(Buffer.concat(framesOver(meter, start, 2))).at(-1)!.payload;
    const restored = new HistoricMonoHpHcMeter({ state: meter.snapshot() as HistoricMeterState });
    const after = readAll(restored.frameAt(new Date(start + 26 * HOUR_MS)))[0].payload;
    const gapWh = Number(after.HCHC) + Number(after.HCHP) - Number(before.HCHC) - Number(before.HCHP);
    assert.ok(gapWh > 5_000 && gapWh < 80_000, `a day's energy (${gapWh} Wh)`);
    // An instant before its last frame (a clock set back) counts nothing.
    const setBack = new HistoricMonoHpHcMeter({ state: meter.snapshot() as HistoricMeterState });
    const earlier = readAll(setBack.frameAt(new Date(start)))[0].payload;
    for (const label of HISTORIC_INDEXES) assert.equal(earlier[label], before[label]);
});

test('a state of another kind, another tariff, or with a count that is not a number is refused', () => {
    const historic = new HistoricMonoHpHcMeter();
    historic.frameAt(new Date(0));
    const standard = new StandardTriProducerMeter();
    standard.frameAt(new Date(0));
    const historicState = historic.snapshot() as HistoricMeterState;
    const standardState = standard.snapshot() as StandardMeterState;
    assert.throws(() => new StandardTriProducerMeter({ state: historicState as unknown as StandardMeterState }), /historic-mono-hphc/);
    assert.throws(() => new HistoricMonoHpHcMeter({ state: standardState as unknown as HistoricMeterState }), /standard-tri-producer/);
    assert.throws(() => new StandardTriProducerMeter({ tariff: 'hphc', state: standardState }), /on hphc .* on tempo/);
    assert.throws(() => new HistoricMonoHpHcMeter({ state: { ...historicState, hchpWh: Number.NaN } }), /hchpWh/);
    const broken = { ...(standard.snapshot() as StandardMeterState), supplierWh: ['12'] } as unknown as StandardMeterState;
    assert.throws(() => new StandardTriProducerMeter({ state: broken }), /supplierWh/);
});

test('minimum indexes (the last ones stored, when the state is lost): the first frame sends them or more', () => {
    const at = new Date('2025-06-01T10:00:00Z');
    const home = readAll(new HistoricMonoHpHcMeter({ minimumIndexes: { HCHC: 50_000_000, HCHP: 10 } }).frameAt(at))[0].payload;
    assert.equal(home.HCHC, 50_000_000);
    assert.equal(home.HCHP, 23_456_789, 'an index already above its minimum is left');

    const fresh = readAll(new StandardTriProducerMeter().frameAt(at))[0].payload;
    const minimumIndexes = Object.fromEntries(STANDARD_INDEXES.map((label) => [label, Number(fresh[label]) + 1_000_000]));
    const solar = readAll(new StandardTriProducerMeter({ minimumIndexes }).frameAt(at))[0].payload;
    for (const label of STANDARD_INDEXES) {
        assert.ok(Number(solar[label]) >= minimumIndexes[label], `${label} ${solar[label]} ≥ ${minimumIndexes[label]}`);
    }
    assert.equal(solar.EAST, solar.EASD01, "the distributor total is still the supplier indexes' sum");
});

test('a state file: written whole, read back equal, none → undefined, not JSON → an error naming it', () => {
    const dir = tempDir();
    try {
        const file = path.join(dir, 'meters', 'tic-solar.json');
        assert.equal(readMeterState(file), undefined);
        const meter = new StandardTriProducerMeter();
        meter.frameAt(new Date('2025-06-01T10:00:00Z'));
        writeMeterState(file, meter.snapshot()!);
        assert.deepEqual(readMeterState(file), meter.snapshot());
        assert.deepEqual(fs.readdirSync(path.dirname(file)), ['tic-solar.json'], 'nothing left beside it');
        fs.writeFileSync(file, '{"kind":');
        assert.throws(
            () => readMeterState(file),
            (err: Error) => err.message.includes(file) && /not JSON/.test(err.message),
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test('the simulator saves the state before each frame goes out: a meter restored from it never sends less than was sent', async () => {
    const dir = tempDir();
    try {
        const stateFile = path.join(dir, 'tic-home.json');
        const lines = [path.join(dir, 'line-1'), path.join(dir, 'line-2')];
        // A regular file stands in for the tty; 19200 Bd and a speedup make frames come fast and indexes move.
        const run = async (line: string, meter: TicMeterModel) => {
            fs.writeFileSync(line, '');
            const simulator = startTicSimulator({ path: line, meter, baud: 19200, speedup: 600, stateFile });
            await new Promise((resolve) => setTimeout(resolve, 600));
            await simulator.stop();
        };
        await run(lines[0], new HistoricMonoHpHcMeter());
        const sent = readAll(fs.readFileSync(lines[0]));
        assert.ok(sent.length >= 3, `${sent.length} frames`);
        const saved = readMeterState(stateFile) as HistoricMeterState;
        assert.ok(saved.hchcWh + saved.hchpWh >= Number(sent.at(-1)!.payload.HCHC) + Number(sent.at(-1)!.payload.HCHP));

        await run(lines[1], new HistoricMonoHpHcMeter({ state: saved }));
        const readings = [...sent, ...readAll(fs.readFileSync(lines[1]))];
        for (const label of HISTORIC_INDEXES) {
            const values = readings.map((r) => Number(r.payload[label]));
            assert.ok(
                values.every((v, i) => i === 0 || v >= values[i - 1]),
                `${label} goes down across two runs: ${values.join(', ')}`,
            );
        }
        const total = (reading: TicReading) => Number(reading.payload.HCHC) + Number(reading.payload.HCHP);
        assert.ok(total(readings.at(-1)!) > total(sent[0]), 'the meter counted on');
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
