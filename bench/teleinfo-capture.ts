/**
 * The long Téléinfo capture the benchmarks decode: every complete frame of the real captures in
 * shared/vectors/teleinfo, repeated, as one historic segment and one standard segment of half the
 * size each. A meter never changes mode in the middle of a stream, and auto mode locks on the first
 * mode it sees, so each segment needs a reader of its own.
 */
import * as assert from 'node:assert/strict';
import type { TicMode } from '../lib/teleinfo/decoder';
import { captureBytes, completeFrames, teleinfoVectors } from '../test/support/teleinfo-vectors';

/** The size of the chunks a reader is fed, as a serial or TCP stream hands them on at most. */
export const CHUNK_BYTES = 64 * 1024;

const STX = 0x02,
    ETX = 0x03,
    EOT = 0x04;

export interface CaptureSegment {
    mode: TicMode;
    bytes: Buffer;
    /** `bytes` cut into CHUNK_BYTES pieces (views, not copies). */
    chunks: Buffer[];
    /** Complete frames in `bytes`: what a reader must emit. */
    frames: number;
}

/** The historic and the standard segment, of `totalBytes / 2` each. */
export function buildCapture(totalBytes: number): CaptureSegment[] {
    return (['historic', 'standard'] as const).map((mode) => buildSegment(mode, totalBytes / 2));
}

/** "32.0 MB, 74043 frames (historic 16.0 MB / 61236, standard 16.0 MB / 12807)", 1 MB = 10^6 bytes. */
export function describeCapture(segments: CaptureSegment[]): string {
    const totalBytes = segments.reduce((n, s) => n + s.bytes.length, 0);
    const totalFrames = segments.reduce((n, s) => n + s.frames, 0);
    return `${(totalBytes / 1e6).toFixed(1)} MB, ${totalFrames} frames (${segments.map((s) => `${s.mode} ${(s.bytes.length / 1e6).toFixed(1)} MB / ${s.frames}`).join(', ')})`;
}

/** The STX…ETX spans of a capture that no EOT or second STX interrupted. */
function completeFrameSpans(bytes: Buffer): Buffer[] {
    const spans: Buffer[] = [];
    let start = -1;
    for (let i = 0; i < bytes.length; i++) {
        const c = bytes[i];
        if (c === STX) start = i;
        else if (c === EOT) start = -1;
        else if (c === ETX && start >= 0) {
            spans.push(bytes.subarray(start, i + 1));
            start = -1;
        }
    }
    return spans;
}

function buildSegment(mode: TicMode, size: number): CaptureSegment {
    const cycle: Buffer[] = [];
    let cycleFrames = 0;
    for (const vector of teleinfoVectors.vectors.filter((v) => v.mode === mode)) {
        const spans = completeFrameSpans(captureBytes(vector.file));
        assert.equal(spans.length, completeFrames(vector).length, `${vector.id}: complete frames found in the capture`);
        cycle.push(...spans);
        cycleFrames += spans.length;
    }
    const cycleBytes = Buffer.concat(cycle);
    const repeats = Math.max(1, Math.round(size / cycleBytes.length));
    // A trailing STX LF, the next frame's start, lets a reader that splits on the frame boundary
    // (CR ETX STX LF) see the end of the last frame, as it would in a live stream.
    const bytes = Buffer.concat([...Array<Buffer>(repeats).fill(cycleBytes), Buffer.from([STX, 0x0a])]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += CHUNK_BYTES) chunks.push(bytes.subarray(i, i + CHUNK_BYTES));
    return { mode, bytes, chunks, frames: repeats * cycleFrames };
}
