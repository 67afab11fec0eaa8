/**
 * Decode throughput of the teleinfo-in node inside Node-RED, on one core (run it under
 * `taskset -c 0`, as the core benchmark).
 *
 *   node dist/bench/teleinfo-node.js      BENCH_MB (default 32) sizes the capture, BENCH_ROUNDS (default 7) the runs
 *
 * Node-RED 4.1 runs embedded in this process (no HTTP server, no editor), from a temporary userDir,
 * loading this package from dist/ as a Node-RED module; bench-count and bench-replay are node types
 * this file registers. Its one flow:
 *
 *   teleinfo-in (source input, output frame) for the historic segment ─┐
 *   teleinfo-in (source input, output frame) for the standard segment ─┼─> bench-count
 *   bench-replay ──────────────────────────────────────────────────────┘
 *
 * Four readers take the capture (bench/teleinfo-capture.ts), each segment fed in 64 KB chunks:
 *   node       the chunks go to the segment's teleinfo-in node through receive(), BURST_CHUNKS at a
 *              time, the event loop turning between bursts to deliver the frames; the clock stops
 *              when bench-count, a node that only counts, has received every frame;
 *   runtime    the same chunks, each as a message carrying as many frame messages as teleinfo-in
 *              sends for it (copies of its real ones, sharing their payload objects, built before the
 *              clock starts), go to bench-replay, which only sends them on: what Node-RED itself
 *              costs for the same number of messages in the same pattern;
 *   session    TeleinfoSession alone, as the node configures it: the node's work without Node-RED;
 *   core       TicDecoder alone, the frame callback only counts.
 * Each is warmed up, then timed over several rounds (the four interleaved); the median is kept.
 * Throughputs are in MB/s with 1 MB = 10^6 bytes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { TicDecoder, type TicMode } from '../lib/teleinfo/decoder';
import { TeleinfoSession } from '../lib/teleinfo/session';
import { buildCapture, CHUNK_BYTES, describeCapture, type CaptureSegment } from './teleinfo-capture';
import { median } from './stats';
import { NODE_RED_VERSION, RED, runtimeNodes, startEmbeddedNodeRed } from './embedded-node-red';

const CAPTURE_BYTES = Number(process.env.BENCH_MB ?? 32) * 1e6;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WARMUP_ROUNDS = 2;
/** Chunks handed to a node before the event loop turns: 1 MB, about 1,000 to 4,000 frames. */
const BURST_CHUNKS = 16;
/** Frames still missing this long after the last chunk are never coming. */
const DELIVERY_TIMEOUT_MS = 30_000;
/** Distinct frame messages bench-replay cycles through (the capture repeats far fewer). */
const REPLAY_POOL_FRAMES = 64;

/** What bench-count has received in the current run, and who waits for the last frame. */
const sink = {
    received: 0,
    expected: 0,
    reachedAt: 0,
    onReached: (): void => undefined,
};

function CountingSink(this: Node, def: NodeDef): void {
    runtimeNodes.createNode(this, def);
    this.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: () => void) => {
        if (++sink.received === sink.expected) {
            sink.reachedAt = performance.now();
            sink.onReached();
        }
        done();
    });
}

/** Sends on, one by one, the messages its input message carries as payload. */
function ReplayNode(this: Node, def: NodeDef): void {
    runtimeNodes.createNode(this, def);
    this.on('input', (msg: NodeMessageInFlow, send: (out: NodeMessage) => void, done: () => void) => {
        for (const out of msg.payload as NodeMessage[]) send(out);
        done();
    });
}

interface Segment extends CaptureSegment {
    /** The teleinfo-in node that reads this segment. */
    nodeId: string;
    /** Frames each chunk completes, in order: how many messages bench-replay sends for it. */
    framesPerChunk: number[];
    /** Messages as teleinfo-in sends them for this segment, for bench-replay to copy. */
    replayPool: NodeMessage[];
}

function newSession(onReading: (msg: NodeMessage) => void): TeleinfoSession {
    // As the node configures it for source input, output frame, mode auto.
    return new TeleinfoSession({ mode: 'auto', output: 'frame', now: Date.now(), onReading: (reading) => onReading({ ...reading }) });
}

function prepareSegment(capture: CaptureSegment, nodeId: string): Segment {
    const framesPerChunk: number[] = [];
    const replayPool: NodeMessage[] = [];
    let frames = 0;
    const session = newSession((msg) => {
        frames++;
        if (replayPool.length < REPLAY_POOL_FRAMES) replayPool.push(msg);
    });
    for (const chunk of capture.chunks) {
        const before = frames;
        session.push(chunk, Date.now());
        framesPerChunk.push(frames - before);
    }
    assert.equal(frames, capture.frames, `${capture.mode}: frames the session emits`);
    return { ...capture, nodeId, framesPerChunk, replayPool };
}

/** Feeds one message per chunk to a node, in bursts; resolves with the seconds until the sink has every frame. */
async function feedNode(nodeId: string, inputs: NodeMessage[], frames: number): Promise<number> {
    const node = runtimeNodes.getNode(nodeId);
    assert.ok(node, `node ${nodeId} is running`);
    sink.received = 0;
    sink.expected = frames;
    const allArrived = new Promise<void>((resolve) => {
        sink.onReached = resolve;
    });
    const start = performance.now();
    for (let i = 0; i < inputs.length; i++) {
        node.receive(inputs[i]);
        if ((i + 1) % BURST_CHUNKS === 0) await nextTurn();
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${nodeId}: ${sink.received} of ${frames} frames arrived`)), DELIVERY_TIMEOUT_MS);
    });
    await Promise.race([allArrived, timedOut]).finally(() => clearTimeout(timer));
    const seconds = (sink.reachedAt - start) / 1000;
    // A frame too many would arrive in the same turn as the last expected one, or just after.
    await nextTurn();
    assert.equal(sink.received, frames, `${nodeId}: frames received`);
    return seconds;
}

function runNode(segment: Segment): Promise<number> {
    return feedNode(
        segment.nodeId,
        segment.chunks.map((payload) => ({ payload })),
        segment.frames,
    );
}

function runRuntime(segment: Segment): Promise<number> {
    // Fresh messages each round, as the node's are: Node-RED gives each its _msgid on the way.
    const pool = segment.replayPool;
    let next = 0;
    const inputs = segment.framesPerChunk.map((count) => ({
        payload: Array.from({ length: count }, () => ({ ...pool[next++ % pool.length] })),
    }));
    return feedNode('replay', inputs, segment.frames);
}

/** Synchronous, as the variants the runtime drives are not: the same signature for every variant. */
function runSession(segment: Segment): Promise<number> {
    let frames = 0;
    const start = performance.now();
    const session = newSession(() => {
        frames++;
    });
    for (const chunk of segment.chunks) session.push(chunk, Date.now());
    const seconds = (performance.now() - start) / 1000;
    assert.equal(frames, segment.frames, `session ${segment.mode}: frames`);
    return Promise.resolve(seconds);
}

function runCore(segment: Segment): Promise<number> {
    let frames = 0;
    const start = performance.now();
    const decoder = new TicDecoder({
        onFrame: () => {
            frames++;
        },
    });
    for (const chunk of segment.chunks) decoder.push(chunk);
    const seconds = (performance.now() - start) / 1000;
    assert.equal(frames, segment.frames, `core ${segment.mode}: frames`);
    return Promise.resolve(seconds);
}

const variants = {
    node: runNode,
    runtime: runRuntime,
    session: runSession,
    core: runCore,
} satisfies Record<string, (segment: Segment) => Promise<number>>;
type Variant = keyof typeof variants;

function benchFlow(segments: Segment[]): unknown[] {
    const tab = 'bench-flow';
    return [
        { id: tab, type: 'tab', label: 'teleinfo-in bench' },
        ...segments.map((s) => ({
            id: s.nodeId,
            type: 'teleinfo-in',
            z: tab,
            name: s.mode,
            source: 'input',
            mode: 'auto',
            output: 'frame',
            wires: [['sink']],
        })),
        { id: 'replay', type: 'bench-replay', z: tab, wires: [['sink']] },
        { id: 'sink', type: 'bench-count', z: tab, wires: [] },
    ];
}

async function startRuntime(userDir: string, segments: Segment[]): Promise<void> {
    await startEmbeddedNodeRed({
        userDir,
        flows: benchFlow(segments),
        types: { 'bench-count': CountingSink, 'bench-replay': ReplayNode },
        expect: [...segments.map((s) => s.nodeId), 'replay', 'sink'],
    });
}

async function main(): Promise<void> {
    const segments = buildCapture(CAPTURE_BYTES).map((capture) => prepareSegment(capture, `${capture.mode}-in`));
    const totalBytes = segments.reduce((n, s) => n + s.bytes.length, 0);
    const totalFrames = segments.reduce((n, s) => n + s.frames, 0);

    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'teleinfo-node-bench-'));
    try {
        await startRuntime(userDir, segments);
        console.log(
            `capture: ${describeCapture(segments)}, ${ROUNDS} rounds, bursts of ${BURST_CHUNKS} chunks of ${CHUNK_BYTES / 1024} KB, Node-RED ${NODE_RED_VERSION}, node ${process.version}`,
        );

        const names = Object.keys(variants) as Variant[];
        // seconds[variant][segment index][round]
        const seconds = Object.fromEntries(names.map((v) => [v, segments.map(() => [] as number[])])) as Record<Variant, number[][]>;
        for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
            for (const variant of names) {
                for (const [i, segment] of segments.entries()) {
                    const s = await variants[variant](segment);
                    if (round >= WARMUP_ROUNDS) seconds[variant][i].push(s);
                }
            }
        }
        report(segments, seconds, totalBytes, totalFrames);
    } finally {
        await RED.stop();
        fs.rmSync(userDir, { recursive: true, force: true });
    }
}

function report(segments: Segment[], seconds: Record<Variant, number[][]>, totalBytes: number, totalFrames: number): void {
    const totals = (variant: Variant) =>
        seconds[variant][0].map((_, round) => segments.reduce((sum, _s, i) => sum + seconds[variant][i][round], 0));
    const throughput = (variant: Variant) => ({
        mbPerSecond: round1(totalBytes / 1e6 / median(totals(variant))),
        framesPerSecond: Math.round(totalFrames / median(totals(variant))),
        ...(Object.fromEntries(segments.map((s, i) => [s.mode, round1(s.bytes.length / 1e6 / median(seconds[variant][i]))])) as Record<
            TicMode,
            number
        >),
    });
    const node = throughput('node');
    const session = throughput('session');
    const core = throughput('core');
    const messagesPerSecond = Math.round(totalFrames / median(totals('runtime')));
    // Within a round the variants ran back to back: their ratio cancels most of the machine's drift.
    const runtimeTotals = totals('runtime');
    const nodeToRuntime = round2(median(totals('node').map((s, round) => s / runtimeTotals[round])));

    console.log(
        `node     ${node.mbPerSecond.toFixed(1).padStart(7)} MB/s  ${node.framesPerSecond} frames/s  (historic ${node.historic}, standard ${node.standard} MB/s)`,
    );
    console.log(
        `runtime  ${String(messagesPerSecond).padStart(7)} msg/s  to a node that does nothing: the node takes ${nodeToRuntime.toFixed(2)}x that time`,
    );
    console.log(
        `session  ${session.mbPerSecond.toFixed(1).padStart(7)} MB/s  ${session.framesPerSecond} frames/s  (the node's work without Node-RED)`,
    );
    console.log(`core     ${core.mbPerSecond.toFixed(1).padStart(7)} MB/s  ${core.framesPerSecond} frames/s  (TicDecoder alone)`);
    console.log(
        JSON.stringify({
            bench: 'teleinfo-node',
            node: process.version,
            nodeRed: NODE_RED_VERSION,
            captureMB: round1(totalBytes / 1e6),
            frames: totalFrames,
            rounds: ROUNDS,
            burstChunks: BURST_CHUNKS,
            teleinfoIn: node,
            runtime: { messagesPerSecond },
            session,
            core,
            ratio: { nodeToRuntime },
        }),
    );
}

function round1(x: number): number {
    return Math.round(x * 10) / 10;
}

function round2(x: number): number {
    return Math.round(x * 100) / 100;
}

main().catch((err: Error) => {
    console.error(`teleinfo-node bench failed: ${err.stack ?? err.message}`);
    process.exitCode = 1;
});
