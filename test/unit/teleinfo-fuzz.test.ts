/**
 * Seeded fuzzing of the Téléinfo decoder and of the reading built on it: random bytes (uniform, and
 * biased toward the framing bytes), mutations of the real captures, random valid frames that must
 * decode to exactly what was encoded (each for a share of a time budget), and long-lived decoders
 * whose heap must stay flat (for a fixed number of inputs). Every fuzzed input goes through the
 * three mode settings, and every frame through TicMeterView.
 *
 * Each run prints its seed; TELEINFO_FUZZ_SEED=<seed> replays it. Every test draws from its own
 * generator, so input #k of a seed is the same whatever the machine's speed: only how many inputs
 * fit in the time budget changes. TELEINFO_FUZZ_MS sets the total budget (default 12 s).
 */
import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TicDecoder, type TicCounters, type TicFrame, type TicGroup, type TicMode, type TicModeSetting } from '../../lib/teleinfo/decoder';
import { LABELS, STRING_LABELS } from '../../lib/teleinfo/labels';
import { TicMeterView, type TicReading, type TicValue } from '../../lib/teleinfo/reading';
import { captureBytes, teleinfoVectors } from '../support/teleinfo-vectors';

const seed =
    process.env.TELEINFO_FUZZ_SEED !== undefined ? Number(process.env.TELEINFO_FUZZ_SEED) >>> 0 : Math.floor(Math.random() * 2 ** 32);
const budgetMs = Number(process.env.TELEINFO_FUZZ_MS ?? 12_000);
console.log(`teleinfo fuzz: seed ${seed} (replay with TELEINFO_FUZZ_SEED=${seed}), budget ${budgetMs} ms`);

/**
 * CPU time for one whole input through the three decoders and every check: far above what a few KB
 * need (a few ms at worst), so only a hang or a blow-up reaches it. CPU time, not wall time: this
 * machine is shared, and a process put aside for a while is not a slow decoder.
 */
const INPUT_CPU_DEADLINE_MS = 1000;
/** Heap growth allowed between two equal phases of the long-lived decoders (a flat run: under 0.1 MB). */
const HEAP_GROWTH_LIMIT = 2 * 1024 * 1024;
/** A hang never returns, so each test also has a hard limit far above its budget. */
const TEST_TIMEOUT_MS = 120_000 + budgetMs;

const SETTINGS: readonly TicModeSetting[] = ['auto', 'historic', 'standard'];
const LABEL = /^[A-Z0-9+-]{1,10}$/;
const HORODATE = /^[EeHh ]\d{12}$/;
const PRINTABLE = /^[\x20-\x7e]*$/;
const ISO_LOCAL_TIME = /^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d)?$/;
const STX = 0x02,
    ETX = 0x03,
    LF = 0x0a,
    CR = 0x0d,
    HT = 0x09,
    SP = 0x20;
/** The bytes that drive the decoder's state machine, where most of its branches are. */
const FRAMING_BYTES = [STX, ETX, 0x04, LF, CR, HT, SP];
const LABEL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-';
const REAL_LABELS = Object.keys(LABELS);

/** sfc32: small, fast and plenty for driving a fuzzer; one seed gives one sequence of inputs. */
class Random {
    private a = 0x9e3779b9;
    private b = 0x243f6a88;
    private c = 0xb7e15162;
    private d: number;

    constructor(seed: number) {
        this.d = seed | 0;
        for (let i = 0; i < 16; i++) this.next();
    }

    next(): number {
        const t = (((this.a + this.b) | 0) + this.d) | 0;
        this.d = (this.d + 1) | 0;
        this.a = this.b ^ (this.b >>> 9);
        this.b = (this.c + (this.c << 3)) | 0;
        this.c = (this.c << 21) | (this.c >>> 11);
        this.c = (this.c + t) | 0;
        return t >>> 0;
    }

    /** An integer in [0, n). */
    int(n: number): number {
        return Math.floor((this.next() / 2 ** 32) * n);
    }

    /** An integer in [min, max]. */
    between(min: number, max: number): number {
        return min + this.int(max - min + 1);
    }

    chance(p: number): boolean {
        return this.next() < p * 2 ** 32;
    }

    pick(items: string): string;
    pick<T>(items: readonly T[]): T;
    pick<T>(items: readonly T[] | string): T | string {
        return items[this.int(items.length)];
    }
}

/** Each test's own generator, so that tests do not shift one another's inputs. */
function randomFor(testIndex: number): Random {
    return new Random(seed ^ Math.imul(testIndex + 1, 0x9e3779b9));
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** How an input reaches the decoder: chunk boundaries, the clock, and port resets. */
interface Delivery {
    chunks: Uint8Array[];
    /** Milliseconds elapsed before each chunk, or undefined for a push without a clock. */
    gaps: (number | undefined)[];
    /** Whether reset() (a reconnected port) comes before each chunk. */
    resets: boolean[];
}

function deliver(rng: Random, bytes: Uint8Array): Delivery {
    const chunks: Uint8Array[] = [];
    const style = rng.int(4);
    const maxChunk = style === 0 ? Math.max(1, bytes.length) : style === 1 ? 1 : style === 2 ? 16 : 512;
    for (let at = 0; at < bytes.length;) {
        if (rng.chance(0.02)) chunks.push(bytes.subarray(at, at));
        const size = rng.between(1, maxChunk);
        chunks.push(bytes.subarray(at, at + size));
        at += size;
    }
    const timed = rng.chance(0.3);
    // Mostly the gaps of a live stream, sometimes a silence long enough to abort a frame.
    const gaps = chunks.map(() => (timed ? (rng.chance(0.03) ? rng.between(1001, 5000) : rng.int(40)) : undefined));
    const resets = chunks.map(() => rng.chance(0.005));
    return { chunks, gaps, resets };
}

function biasedByte(rng: Random): number {
    const r = rng.int(100);
    const byte = r < 40 ? rng.pick(FRAMING_BYTES) : r < 75 ? LABEL_CHARS.charCodeAt(rng.int(LABEL_CHARS.length)) : rng.int(256);
    // A port opened 8N1 on a 7E1 line leaves the parity bit in bit 7.
    return rng.chance(0.05) ? byte | 0x80 : byte;
}

function uniformBytes(rng: Random): Uint8Array {
    const bytes = new Uint8Array(rng.int(4097));
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
    return bytes;
}

function biasedBytes(rng: Random): Uint8Array {
    const bytes = new Uint8Array(rng.int(4097));
    for (let i = 0; i < bytes.length; i++) bytes[i] = biasedByte(rng);
    return bytes;
}

/** Every real capture, the derived ones (EOT, 8N1) included. */
const captures: Buffer[] = [...new Set([...teleinfoVectors.vectors, ...teleinfoVectors.derived_cases].map((c) => c.file))].map(
    captureBytes,
);

function span(rng: Random, length: number, maxLength: number): [number, number] {
    const start = rng.int(length + 1);
    return [start, Math.min(length, start + rng.between(1, maxLength))];
}

const mutations: ((rng: Random, b: Buffer) => Buffer)[] = [
    function flipBit(rng, b) {
        const copy = Buffer.from(b);
        if (copy.length > 0) copy[rng.int(copy.length)] ^= 1 << rng.int(8);
        return copy;
    },
    function overwriteByte(rng, b) {
        const copy = Buffer.from(b);
        if (copy.length > 0) copy[rng.int(copy.length)] = biasedByte(rng);
        return copy;
    },
    function insertBytes(rng, b) {
        const at = rng.int(b.length + 1);
        const inserted = Buffer.from(Array.from({ length: rng.between(1, 4) }, () => biasedByte(rng)));
        return Buffer.concat([b.subarray(0, at), inserted, b.subarray(at)]);
    },
    function deleteBytes(rng, b) {
        const [start, end] = span(rng, b.length, 4);
        return Buffer.concat([b.subarray(0, start), b.subarray(end)]);
    },
    function duplicateSpan(rng, b) {
        const [start, end] = span(rng, b.length, 300);
        const at = rng.chance(0.5) ? end : rng.int(b.length + 1);
        return Buffer.concat([b.subarray(0, at), b.subarray(start, end), b.subarray(at)]);
    },
    function removeSpan(rng, b) {
        const [start, end] = span(rng, b.length, 300);
        return Buffer.concat([b.subarray(0, start), b.subarray(end)]);
    },
    function truncate(rng, b) {
        const [start, end] = span(rng, b.length, b.length);
        return b.subarray(start, end);
    },
    function spliceAnotherCapture(rng, b) {
        const other = rng.pick(captures);
        return Buffer.concat([b.subarray(0, rng.int(b.length + 1)), other.subarray(rng.int(other.length + 1))]);
    },
    function repeat(rng, b) {
        return Buffer.concat(Array<Buffer>(rng.between(2, 3)).fill(b));
    },
];

function mutatedCapture(rng: Random): Uint8Array {
    let bytes = rng.pick(captures);
    for (let n = rng.between(1, 6); n > 0; n--) bytes = rng.pick(mutations)(rng, bytes);
    return bytes;
}

/** A group as the meter sends it (LF…CR excluded), and what the decoder must make of it. */
interface EncodedGroup {
    wire: string;
    group: TicGroup;
}

function randomLabel(rng: Random): string {
    if (rng.chance(0.5)) return rng.pick(REAL_LABELS);
    let label = '';
    for (let n = rng.between(1, 10); n > 0; n--) label += rng.pick(LABEL_CHARS);
    return label;
}

function randomRawValue(rng: Random): string {
    const kind = rng.int(3);
    let value = '';
    if (kind === 0) {
        // Digits, zero-padded like a meter's, sometimes too long to be a safe number.
        for (let n = rng.between(1, 20); n > 0; n--) value += rng.int(10);
    } else if (kind === 1) {
        for (let n = rng.int(99); n > 0; n--) value += String.fromCharCode(rng.between(0x20, 0x7e));
    } else {
        // A padded text field: LTARF, MSG1...
        const word = () => Array.from({ length: rng.between(1, 8) }, () => rng.pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ.')).join('');
        value = `${' '.repeat(rng.int(4))}${word()}${' '.repeat(rng.int(3))}${rng.chance(0.5) ? word() : ''}${' '.repeat(rng.int(4))}`;
    }
    return value;
}

function randomHorodate(rng: Random): string {
    let horodate = rng.pick('EeHh ');
    for (let n = 0; n < 12; n++) horodate += rng.int(10);
    return horodate;
}

/** What the decoder's contract says a raw value becomes. */
function expectedValue(label: string, raw: string): TicValue {
    return !STRING_LABELS.has(label) && /^\d{1,15}$/.test(raw) ? Number(raw) : raw.replace(/^ +| +$/g, '');
}

/** Checksum per the reference: (sum & 0x3F) + 0x20 over the controlled zone. */
function checksum(zone: string): string {
    let sum = 0;
    for (let i = 0; i < zone.length; i++) sum += zone.charCodeAt(i);
    return String.fromCharCode((sum & 0x3f) + 0x20);
}

function encodeGroup(rng: Random, mode: TicMode): EncodedGroup {
    const label = randomLabel(rng);
    const raw = randomRawValue(rng);
    const horodate = mode === 'standard' && rng.chance(0.3) ? randomHorodate(rng) : undefined;
    // Mode 1 (historic) sums up to the value; mode 2 (standard) also sums the HT before the checksum.
    const zone = mode === 'historic' ? `${label} ${raw}` : `${label}\t${horodate === undefined ? '' : `${horodate}\t`}${raw}\t`;
    const wire = mode === 'historic' ? `${zone} ${checksum(zone)}` : zone + checksum(zone);
    const value = expectedValue(label, raw);
    return { wire, group: horodate === undefined ? { label, value, width: raw.length } : { label, value, width: raw.length, horodate } };
}

function frameBytes(wires: string[]): number[] {
    return [STX, ...Buffer.from(wires.map((w) => `\n${w}\r`).join(''), 'latin1'), ETX];
}

/**
 * Line noise at the right speed: well-formed frames whose every group has a random checksum, so
 * nearly all fail it, with labels no meter sends. Memory must not depend on how many were seen.
 */
function noisyGroups(rng: Random): Uint8Array {
    const mode: TicMode = rng.chance(0.5) ? 'historic' : 'standard';
    const wires = Array.from({ length: rng.between(10, 60) }, () => {
        const { wire } = encodeGroup(rng, mode);
        return wire.slice(0, -1) + String.fromCharCode(rng.between(0x20, 0x5f));
    });
    return Uint8Array.from(frameBytes(wires));
}

// ---------------------------------------------------------------------------------------------
// Invariants

function assertValue(value: TicValue, width: number, where: string): void {
    assert.ok(Number.isInteger(width) && width >= 0, `${where}: width ${width}`);
    if (typeof value === 'number') {
        assert.ok(Number.isSafeInteger(value) && value >= 0, `${where}: number ${value}`);
        assert.ok(String(value).length <= width, `${where}: ${value} wider than its ${width} bytes`);
    } else {
        assert.equal(typeof value, 'string', `${where}: value type`);
        assert.match(value, PRINTABLE, `${where}: printable value`);
        assert.ok(!value.startsWith(' ') && !value.endsWith(' '), `${where}: value ${JSON.stringify(value)} not trimmed`);
        assert.ok(value.length <= width, `${where}: ${JSON.stringify(value)} wider than its ${width} bytes`);
    }
}

function assertFrame(frame: TicFrame, setting: TicModeSetting): void {
    assert.ok(frame.mode === 'historic' || frame.mode === 'standard', `frame mode ${frame.mode}`);
    if (setting !== 'auto') assert.equal(frame.mode, setting, 'a forced mode is the mode of every frame');
    assert.ok(frame.groups.length > 0, 'an emitted frame has a valid group');
    for (const group of frame.groups) {
        assert.match(group.label, LABEL, 'label');
        assertValue(group.value, group.width, group.label);
        if (group.horodate !== undefined) {
            assert.match(group.horodate, HORODATE, `${group.label}: horodate`);
            if (setting === 'historic') assert.fail(`${group.label}: a horodate in a historic frame`);
        }
    }
    for (const label of frame.invalid) assert.ok(label === '?' || LABEL.test(label), `invalid label ${JSON.stringify(label)}`);
}

function assertReading(reading: TicReading, frame: TicFrame): void {
    assert.equal(typeof reading.topic, 'string');
    assert.equal(reading.mode, frame.mode);
    assert.equal(reading.invalid, frame.invalid);
    assert.ok(Number.isFinite(reading.timestamp), `timestamp ${reading.timestamp}`);
    const labels = new Set(frame.groups.map((g) => g.label));
    for (const [label, value] of Object.entries(reading.payload)) {
        assert.match(label, LABEL, 'payload label');
        assert.ok(
            typeof value === 'number' ? Number.isSafeInteger(value) && value >= 0 : PRINTABLE.test(value),
            `payload ${label}: ${value}`,
        );
    }
    for (const [label, iso] of Object.entries(reading.horodates)) {
        assert.ok(labels.has(label), `horodate of ${label}, not in the frame`);
        assert.match(iso, ISO_LOCAL_TIME, `horodate of ${label}`);
    }
    for (const [label, unit] of Object.entries(reading.units)) {
        assert.equal(typeof reading.payload[label], 'number', `unit for ${label}, not a number`);
        assert.ok(unit.length > 0);
    }
    for (const label of reading.suspect) assert.ok(labels.has(label), `suspect ${label}, not in the frame`);
    JSON.stringify(reading);
}

/** Counters as a new decoder has them: all zero. */
const zeroCounters = (): TicCounters => ({ ...new TicDecoder({ onFrame: () => {} }).counters });
const COUNTERS = Object.keys(zeroCounters()) as (keyof TicCounters)[];

/** A decoder and its meter view for one mode setting, checking every frame and every push. */
class CheckedDecoder {
    frames = 0;
    groups = 0;
    readonly decoder: TicDecoder;
    private readonly view = new TicMeterView();
    private clock = Date.UTC(2024, 0, 1);
    private readonly previous: TicCounters;

    constructor(readonly setting: TicModeSetting) {
        this.decoder = new TicDecoder({ mode: setting, onFrame: (frame) => this.onFrame(frame) });
        this.previous = { ...this.decoder.counters };
    }

    feed(delivery: Delivery): void {
        delivery.chunks.forEach((chunk, i) => {
            if (delivery.resets[i]) this.decoder.reset();
            const gap = delivery.gaps[i];
            if (gap === undefined) this.decoder.push(chunk);
            else this.decoder.push(chunk, (this.clock += gap));
            this.checkCounters();
        });
    }

    private onFrame(frame: TicFrame): void {
        assertFrame(frame, this.setting);
        this.frames++;
        this.groups += frame.groups.length;
        assertReading(this.view.read(frame, (this.clock += 1)), frame);
    }

    private checkCounters(): void {
        const counters = this.decoder.counters;
        for (const key of COUNTERS) {
            const n = counters[key];
            if (!(Number.isSafeInteger(n) && n >= this.previous[key])) assert.fail(`counter ${key}: ${this.previous[key]} then ${n}`);
            this.previous[key] = n;
        }
        if (counters.frames !== this.frames) assert.fail(`counters.frames ${counters.frames}, ${this.frames} frames emitted`);
        if (counters.groups !== this.groups) assert.fail(`counters.groups ${counters.groups}, ${this.groups} groups emitted`);
        if (counters.validGroups < counters.groups) assert.fail('validGroups counts fewer groups than were emitted');
        const mode = this.decoder.mode;
        if (this.setting === 'auto' ? mode !== undefined && mode !== 'historic' && mode !== 'standard' : mode !== this.setting)
            assert.fail(`${this.setting}: mode ${mode}`);
    }
}

interface FuzzStats {
    inputs: number;
    bytes: number;
    counters: TicCounters;
    slowestInputCpuMs: number;
}

/** Feeds inputs to decoders until a deadline, checks them all, and says where a failure came from. */
class FuzzRun {
    readonly stats: FuzzStats = { inputs: 0, bytes: 0, counters: zeroCounters(), slowestInputCpuMs: 0 };

    constructor(
        private readonly name: string,
        private readonly rng: Random,
        private readonly nextInput: (rng: Random) => Uint8Array,
    ) {}

    /** One input through `decoders`, or through fresh ones for each mode setting. */
    step(decoders?: CheckedDecoder[]): void {
        const index = this.stats.inputs;
        const bytes = this.nextInput(this.rng);
        const delivery = deliver(this.rng, bytes);
        const fed = decoders ?? SETTINGS.map((s) => new CheckedDecoder(s));
        const before = fed.map((d) => ({ ...d.decoder.counters }));
        const cpuBefore = process.cpuUsage();
        try {
            for (const decoder of fed) decoder.feed(delivery);
        } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            throw new Error(
                `${this.name}, seed ${seed}, input #${index} (${bytes.length} bytes: ${Buffer.from(bytes).toString('base64')}): ${message}`,
                { cause: error },
            );
        }
        const cpu = process.cpuUsage(cpuBefore);
        const cpuMs = (cpu.user + cpu.system) / 1000;
        assert.ok(
            cpuMs < INPUT_CPU_DEADLINE_MS,
            `${this.name}, seed ${seed}, input #${index}: ${cpuMs.toFixed(1)} ms of CPU for ${bytes.length} bytes`,
        );
        this.stats.inputs++;
        this.stats.bytes += bytes.length;
        this.stats.slowestInputCpuMs = Math.max(this.stats.slowestInputCpuMs, cpuMs);
        fed.forEach((d, i) => {
            for (const key of COUNTERS) this.stats.counters[key] += d.decoder.counters[key] - before[i][key];
        });
    }

    runFor(ms: number, decoders?: CheckedDecoder[]): void {
        const until = performance.now() + ms;
        while (performance.now() < until) this.step(decoders);
    }

    report(t: TestContext): void {
        const { inputs, bytes, counters, slowestInputCpuMs } = this.stats;
        const tally = COUNTERS.map((k) => `${k} ${counters[k]}`).join(', ');
        t.diagnostic(
            `${this.name}: seed ${seed}, ${inputs} inputs, ${(bytes / 1e6).toFixed(2)} MB x ${SETTINGS.length} mode settings; ${tally}; slowest input ${slowestInputCpuMs.toFixed(1)} ms of CPU`,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Tests

test('random bytes, uniform: nothing escapes, every frame and counter stays well-formed', { timeout: TEST_TIMEOUT_MS }, (t) => {
    const run = new FuzzRun('uniform bytes', randomFor(0), uniformBytes);
    run.runFor(budgetMs * 0.08);
    run.report(t);
});

test('random bytes biased toward STX ETX EOT LF CR HT SP and label characters', { timeout: TEST_TIMEOUT_MS }, (t) => {
    const run = new FuzzRun('biased bytes', randomFor(1), biasedBytes);
    run.runFor(budgetMs * 0.14);
    run.report(t);
    const { badChecksum, badFormat, emptyFrames, interrupted } = run.stats.counters;
    assert.ok(
        badChecksum > 0 && badFormat > 0 && emptyFrames > 0 && interrupted > 0,
        'biased bytes reach the group parser and every way a frame ends',
    );
});

test('mutated real captures: bit flips, inserted and deleted bytes, spans, truncation, splices', { timeout: TEST_TIMEOUT_MS }, (t) => {
    const run = new FuzzRun('mutated captures', randomFor(2), mutatedCapture);
    run.runFor(budgetMs * 0.26);
    run.report(t);
    assert.ok(run.stats.counters.frames > run.stats.inputs, 'mutations leave most frames decodable');
});

/** A full collection: --expose-gc set from inside the test, since the runner's flags are not ours. */
function exposedGc(): () => void {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    assert.equal(typeof gc, 'function', 'gc exposed');
    return gc as () => void;
}

/**
 * Feeds one continuous stream to a long-lived decoder per mode setting, in two phases of the same
 * number of inputs (the first also warms up), and returns how much the heap grew over the second.
 * The phases are counted in inputs, not time, so that a seed replays the same heap behaviour.
 */
function heapGrowthOverTwoPhases(t: TestContext, run: FuzzRun, phaseInputs: number): number {
    const gc = exposedGc();
    const heapUsed = () => {
        gc();
        gc();
        return process.memoryUsage().heapUsed;
    };
    const decoders = SETTINGS.map((s) => new CheckedDecoder(s));
    for (let i = 0; i < phaseInputs; i++) run.step(decoders);
    const afterFirst = heapUsed();
    for (let i = 0; i < phaseInputs; i++) run.step(decoders);
    const afterSecond = heapUsed();
    run.report(t);
    const growth = afterSecond - afterFirst;
    t.diagnostic(
        `heapUsed ${(afterFirst / 1e6).toFixed(2)} MB after ${phaseInputs} inputs, ${(afterSecond / 1e6).toFixed(2)} MB after ${phaseInputs} more (${growth >= 0 ? '+' : ''}${(growth / 1e3).toFixed(0)} KB)`,
    );
    return growth;
}

test('long-lived decoders: the heap stays flat over two equal phases of fuzzed input', { timeout: TEST_TIMEOUT_MS }, (t) => {
    const inputs = [mutatedCapture, biasedBytes, noisyGroups];
    const run = new FuzzRun('long-lived, mixed', randomFor(3), (rng) => rng.pick(inputs)(rng));
    const growth = heapGrowthOverTwoPhases(t, run, 900);
    assert.ok(growth < HEAP_GROWTH_LIMIT, `heap grew by ${(growth / 1e6).toFixed(2)} MB over the second phase (seed ${seed})`);
});

test('long-lived decoders: the heap does not grow with the number of corrupted groups seen', { timeout: TEST_TIMEOUT_MS }, (t) => {
    const run = new FuzzRun('long-lived, corrupted groups', randomFor(5), noisyGroups);
    const growth = heapGrowthOverTwoPhases(t, run, 2000);
    assert.ok(
        growth < HEAP_GROWTH_LIMIT,
        `heap grew by ${(growth / 1e6).toFixed(2)} MB over the second phase (seed ${seed}): something keeps per-group state`,
    );
});

test('random valid frames (both checksum modes) decode to exactly the encoded groups', { timeout: TEST_TIMEOUT_MS }, (t) => {
    const rng = randomFor(4);
    const until = performance.now() + budgetMs * 0.16;
    let streams = 0,
        frames = 0,
        groups = 0;
    while (performance.now() < until) {
        const mode: TicMode = rng.chance(0.5) ? 'historic' : 'standard';
        const encoded = Array.from({ length: rng.between(1, 8) }, () =>
            Array.from({ length: rng.between(1, 25) }, () => encodeGroup(rng, mode)),
        );
        const stream: number[] = [];
        for (const frame of encoded) {
            // Bytes between frames are outside any frame: noise the decoder skips (never an STX).
            for (let n = rng.chance(0.3) ? rng.between(1, 20) : 0; n > 0; n--)
                stream.push(rng.pick([ETX, 0x04, LF, CR, HT, SP, 0x41, 0x7f]));
            stream.push(...frameBytes(frame.map((g) => g.wire)));
        }
        // Read as 8N1, every byte carries its parity bit.
        const bytes = Uint8Array.from(rng.chance(0.2) ? stream.map(withEvenParity) : stream);
        const delivery = deliver(rng, bytes);
        const expected: TicFrame[] = encoded.map((f) => ({ mode, groups: f.map((g) => g.group), invalid: [] }));
        for (const setting of ['auto', mode] as TicModeSetting[]) {
            const decoded: TicFrame[] = [];
            const decoder = new TicDecoder({ mode: setting, onFrame: (f) => decoded.push(f) });
            delivery.chunks.forEach((chunk) => decoder.push(chunk));
            const where = `seed ${seed}, stream #${streams}, ${setting}: ${Buffer.from(bytes).toString('base64')}`;
            assert.deepEqual(decoded, expected, where);
            assert.equal(
                decoder.counters.badChecksum + decoder.counters.badFormat + decoder.counters.oversize + decoder.counters.interrupted,
                0,
                where,
            );
        }
        streams++;
        frames += encoded.length;
        groups += encoded.reduce((n, f) => n + f.length, 0);
    }
    t.diagnostic(
        `valid frames: seed ${seed}, ${streams} streams, ${frames} frames, ${groups} groups, each decoded in auto and forced mode`,
    );
});

function withEvenParity(byte: number): number {
    let ones = 0;
    for (let b = byte; b; b >>= 1) ones += b & 1;
    return ones % 2 ? byte | 0x80 : byte;
}
