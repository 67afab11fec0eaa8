/**
 * Decode throughput of the Téléinfo core, on one core (JavaScript runs on one thread; run it under
 * `taskset -c 0` to keep the garbage collector's helper threads on the same core too).
 *
 *   node dist/bench/teleinfo-decode.js        BENCH_MB (default 32) sizes the capture, BENCH_ROUNDS (default 7) the runs
 *
 * The capture (bench/teleinfo-capture.ts) is the real captures' complete frames, repeated, as one
 * historic and one standard segment of BENCH_MB / 2 each, each with a decoder of its own. Three
 * readers decode it:
 *   core       TicDecoder alone: bytes to typed frames, the frame callback only counts;
 *   reading    TicDecoder + TicMeterView.read: the node's whole message contract;
 *   naive      a line parser written the way common Node.js Téléinfo readers are (ReadlineParser on
 *              the frame boundary, split on CR LF and on the separator, checksum with charCodeAt,
 *              Number() for digit values). It gets the same bytes as 64 KB strings decoded before
 *              the clock starts, so the byte-to-string cost a real ReadlineParser pays is not
 *              counted: the ratios are a lower bound for the core.
 * Each is warmed up, then timed over several rounds (the three interleaved); the median is kept.
 * Throughputs are in MB/s with 1 MB = 10^6 bytes.
 */
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { TicDecoder } from '../lib/teleinfo/decoder';
import { TicMeterView } from '../lib/teleinfo/reading';
import { buildCapture, describeCapture, type CaptureSegment } from './teleinfo-capture';
import { median } from './stats';

const CAPTURE_BYTES = Number(process.env.BENCH_MB ?? 32) * 1e6;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WARMUP_ROUNDS = 2;
/** The targets for the core. */
const TARGET_MB_S = 100;
const TARGET_RATIO = 2;

const STX = 0x02;

interface Segment extends CaptureSegment {
    /** The same bytes as latin1 strings, as a ReadlineParser with a string encoding hands them on. */
    textChunks: string[];
}

interface Tally {
    frames: number;
    groups: number;
}

function decodeCore(segment: Segment): Tally {
    let frames = 0;
    const decoder = new TicDecoder({
        onFrame: () => {
            frames++;
        },
    });
    for (const chunk of segment.chunks) decoder.push(chunk);
    return { frames, groups: decoder.counters.groups };
}

function decodeReading(segment: Segment): Tally {
    let frames = 0;
    let endedAt = Date.UTC(2024, 0, 1);
    const view = new TicMeterView();
    const decoder = new TicDecoder({
        onFrame: (frame) => {
            endedAt += 1000;
            view.read(frame, endedAt);
            frames++;
        },
    });
    for (const chunk of segment.chunks) decoder.push(chunk);
    return { frames, groups: decoder.counters.groups };
}

/** Identifiers and codes that such readers keep as strings (a leading zero matters). */
const NAIVE_STRING_LABELS = new Set([
    'ADCO',
    'ADSC',
    'PRM',
    'OPTARIF',
    'PTEC',
    'DEMAIN',
    'NGTF',
    'LTARF',
    'MSG1',
    'MSG2',
    'STGE',
    'PJOURF+1',
    'PPOINTE',
    'HHPHC',
    'MOTDETAT',
    'PPOT',
]);
const FRAME_BOUNDARY = '\r\x03\x02\n';
const DIGITS = /^\d+$/;

interface NaiveFrame {
    payload: Record<string, string | number>;
    horodates: Record<string, string>;
}

/** The peer: a readline-and-split parser in the style of the common Node.js Téléinfo readers. */
class NaiveTeleinfoReader {
    groups = 0;
    private pending = '';

    constructor(private readonly onFrame: (frame: NaiveFrame) => void) {}

    write(chunk: string): void {
        let data = this.pending + chunk;
        let boundary: number;
        while ((boundary = data.indexOf(FRAME_BOUNDARY)) >= 0) {
            this.frame(data.slice(0, boundary));
            data = data.slice(boundary + FRAME_BOUNDARY.length);
        }
        this.pending = data;
    }

    private frame(text: string): void {
        // The first frame of a stream still starts with its STX LF.
        const body = text.charCodeAt(0) === STX ? text.slice(2) : text;
        const payload: Record<string, string | number> = {};
        const horodates: Record<string, string> = {};
        for (const line of body.split('\r\n')) {
            const n = line.length;
            if (n < 4) continue;
            // The checksum may be SP, so the line is read from its end rather than split whole.
            const separator = line[n - 2];
            let sum = separator === '\t' ? 0x09 : 0;
            for (let i = 0; i < n - 2; i++) sum += line.charCodeAt(i);
            if ((sum & 0x3f) + 0x20 !== line.charCodeAt(n - 1)) continue;
            const fields = line.slice(0, n - 2).split(separator);
            const label = fields[0];
            const raw = fields[fields.length - 1];
            if (fields.length === 3) horodates[label] = fields[1];
            payload[label] = !NAIVE_STRING_LABELS.has(label) && DIGITS.test(raw) ? Number(raw) : raw.trim();
            this.groups++;
        }
        this.onFrame({ payload, horodates });
    }
}

function decodeNaive(segment: Segment): Tally {
    let frames = 0;
    const reader = new NaiveTeleinfoReader(() => {
        frames++;
    });
    for (const chunk of segment.textChunks) reader.write(chunk);
    return { frames, groups: reader.groups };
}

/** Same frames, same groups, and the same values for one cycle of the capture. */
function assertSameDecoding(segment: Segment): void {
    const core = decodeCore(segment);
    const naive = decodeNaive(segment);
    assert.equal(core.frames, segment.frames, `${segment.mode}: core frames`);
    assert.equal(naive.frames, core.frames, `${segment.mode}: naive frames`);
    assert.equal(naive.groups, core.groups, `${segment.mode}: naive groups`);

    const sample = segment.bytes.subarray(0, 64 * 1024);
    const coreFrames: NaiveFrame[] = [];
    new TicDecoder({
        onFrame: (f) =>
            coreFrames.push({
                payload: Object.fromEntries(f.groups.map((g) => [g.label, g.value])),
                horodates: Object.fromEntries(f.groups.flatMap((g) => (g.horodate === undefined ? [] : [[g.label, g.horodate]]))),
            }),
    }).push(sample);
    const naiveFrames: NaiveFrame[] = [];
    new NaiveTeleinfoReader((f) => naiveFrames.push(f)).write(sample.toString('latin1'));
    // The naive reader only sees a frame's end once the next one starts: it may hold one frame back.
    assert.ok(naiveFrames.length > 0 && coreFrames.length - naiveFrames.length <= 1, `${segment.mode}: sample frames`);
    assert.deepEqual(naiveFrames, coreFrames.slice(0, naiveFrames.length), `${segment.mode}: values`);
}

const variants = {
    core: decodeCore,
    reading: decodeReading,
    naive: decodeNaive,
} satisfies Record<string, (segment: Segment) => Tally>;
type Variant = keyof typeof variants;

function timeSegment(variant: Variant, segment: Segment): number {
    const start = performance.now();
    const tally = variants[variant](segment);
    const seconds = (performance.now() - start) / 1000;
    assert.equal(tally.frames, segment.frames, `${variant} ${segment.mode}: frames decoded`);
    return seconds;
}

function main(): void {
    const segments: Segment[] = buildCapture(CAPTURE_BYTES).map((s) => ({ ...s, textChunks: s.chunks.map((c) => c.toString('latin1')) }));
    for (const segment of segments) assertSameDecoding(segment);
    const totalBytes = segments.reduce((n, s) => n + s.bytes.length, 0);
    const totalFrames = segments.reduce((n, s) => n + s.frames, 0);
    console.log(`capture: ${describeCapture(segments)}, ${ROUNDS} rounds, node ${process.version}`);

    const names = Object.keys(variants) as Variant[];
    // seconds[variant][segment index][round]
    const seconds = Object.fromEntries(names.map((v) => [v, segments.map(() => [] as number[])])) as Record<Variant, number[][]>;
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
        for (const variant of names) {
            segments.forEach((segment, i) => {
                const s = timeSegment(variant, segment);
                if (round >= WARMUP_ROUNDS) seconds[variant][i].push(s);
            });
        }
    }

    const roundTotals = (variant: Variant) =>
        seconds[variant][0].map((_, round) => segments.reduce((sum, _s, i) => sum + seconds[variant][i][round], 0));
    const totals = Object.fromEntries(names.map((v) => [v, roundTotals(v)])) as Record<Variant, number[]>;
    const throughput = (bytes: number, s: number) => round1(bytes / 1e6 / s);
    const figures = Object.fromEntries(
        names.map((variant) => [
            variant,
            {
                mbPerSecond: throughput(totalBytes, median(totals[variant])),
                ...Object.fromEntries(segments.map((s, i) => [s.mode, throughput(s.bytes.length, median(seconds[variant][i]))])),
            },
        ]),
    ) as Record<Variant, { mbPerSecond: number; historic: number; standard: number }>;
    // Ratios within each round, whose variants ran back to back, cancel most of the drift in the
    // machine's speed between rounds (a shared virtual machine can vary by 2x within a minute).
    const ratioToNaive = (variant: Variant) => round2(median(totals.naive.map((naive, round) => naive / totals[variant][round])));
    const ratio = { coreToNaive: ratioToNaive('core'), readingToNaive: ratioToNaive('reading') };

    for (const variant of names) {
        const f = figures[variant];
        const versus = variant === 'naive' ? '' : `  ${ratioToNaive(variant).toFixed(2)}x naive`;
        console.log(
            `${variant.padEnd(8)} ${f.mbPerSecond.toFixed(1).padStart(7)} MB/s  (historic ${f.historic.toFixed(1)}, standard ${f.standard.toFixed(1)})${versus}`,
        );
    }
    console.log(
        JSON.stringify({
            bench: 'teleinfo-decode',
            node: process.version,
            captureMB: round1(totalBytes / 1e6),
            frames: totalFrames,
            rounds: ROUNDS,
            ...figures,
            ratio,
            target: {
                mbPerSecond: TARGET_MB_S,
                ratio: TARGET_RATIO,
                met: figures.core.mbPerSecond >= TARGET_MB_S && ratio.coreToNaive >= TARGET_RATIO,
            },
        }),
    );
}

function round1(x: number): number {
    return Math.round(x * 10) / 10;
}

function round2(x: number): number {
    return Math.round(x * 100) / 100;
}

main();
