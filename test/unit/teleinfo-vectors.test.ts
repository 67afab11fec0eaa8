/** The decoder against every real capture in shared/vectors/teleinfo, and corrupted variants of them. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { TicDecoder, type TicFrame, type TicModeSetting } from '../../lib/teleinfo/decoder';
import { TicMeterView, type TicReading } from '../../lib/teleinfo/reading';
import { captureBytes, completeFrames, frameOfGroups, teleinfoVectors, type VectorFrame } from '../support/teleinfo-vectors';

/** The output contract, written out independently of the decoder's own table. */
const CONTRACT_STRING_LABELS = [
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
];

function expectedValue(label: string, raw: string): string | number {
    if (!CONTRACT_STRING_LABELS.includes(label) && /^\d+$/.test(raw)) return Number(raw);
    return raw.replace(/^ +| +$/g, '');
}

function decodeAll(
    bytes: Uint8Array,
    mode: TicModeSetting = 'auto',
    chunk = bytes.length,
): { frames: TicFrame[]; readings: TicReading[]; decoder: TicDecoder } {
    const frames: TicFrame[] = [];
    const readings: TicReading[] = [];
    const view = new TicMeterView();
    const decoder = new TicDecoder({
        mode,
        onFrame: (f) => {
            frames.push(f);
            readings.push(view.read(f, 1_700_000_000_000));
        },
    });
    for (let i = 0; i < bytes.length; i += chunk) decoder.push(bytes.subarray(i, i + chunk));
    return { frames, readings, decoder };
}

function assertFrameMatches(reading: TicReading, expected: VectorFrame, where: string): void {
    const want: Record<string, string | number> = {};
    for (const [label, raw] of Object.entries(expected.labels)) want[label] = expectedValue(label, raw);
    assert.deepEqual(reading.payload, want, where);
    assert.deepEqual(reading.invalid, [], `${where}: no group dropped`);
    for (const g of expected.groups) {
        if (g.horodate_decoded)
            assert.equal(reading.horodates[g.label], g.horodate_decoded.iso_with_offset, `${where}: horodate of ${g.label}`);
    }
    assert.equal(
        Object.keys(reading.horodates).length,
        expected.groups.filter((g) => g.horodate !== undefined).length,
        `${where}: horodate count`,
    );
}

for (const vector of teleinfoVectors.vectors) {
    const expected = completeFrames(vector);
    const bytes = captureBytes(vector.file);

    test(`${vector.id}: every complete frame decodes exactly as vectors.json says`, () => {
        for (const mode of ['auto', vector.mode] as TicModeSetting[]) {
            const { readings, decoder } = decodeAll(bytes, mode);
            assert.equal(readings.length, expected.length, `${mode}: frames emitted`);
            readings.forEach((r, i) => {
                assertFrameMatches(r, expected[i], `${mode} frame ${i}`);
                assert.equal(r.mode, vector.mode);
                const id = expected[i].labels.ADCO ?? expected[i].labels.ADSC;
                assert.equal(r.topic, id);
            });
            assert.equal(decoder.counters.badChecksum, 0);
            assert.equal(decoder.counters.badFormat, 0);
        }
    });

    test(`${vector.id}: chunking does not change the result (1, 7 and 64-byte chunks)`, () => {
        const whole = decodeAll(bytes).readings.map((r) => r.payload);
        for (const size of [1, 7, 64])
            assert.deepEqual(
                decodeAll(bytes, 'auto', size).readings.map((r) => r.payload),
                whole,
                `chunk ${size}`,
            );
    });

    test(`${vector.id}: the wrong forced mode emits nothing and counts every group as malformed`, () => {
        const wrong = vector.mode === 'historic' ? 'standard' : 'historic';
        const { frames, decoder } = decodeAll(bytes, wrong);
        assert.equal(frames.length, 0);
        assert.ok(decoder.counters.badFormat > 0);
        assert.equal(decoder.counters.emptyFrames, expected.length);
    });

    test(`${vector.id}: a flipped bit in any one group drops that group only`, () => {
        const firstStx = bytes.indexOf(0x02);
        // Every LF after the first STX opens a group: corrupt the first value byte after its separator.
        let corrupted = 0;
        for (let lf = bytes.indexOf(0x0a, firstStx); lf >= 0 && corrupted < 40; lf = bytes.indexOf(0x0a, lf + 1)) {
            const cr = bytes.indexOf(0x0d, lf);
            if (cr < 0) break;
            const sepIndex = bytes.subarray(lf, cr).findIndex((b) => b === 0x20 || b === 0x09);
            if (sepIndex < 0 || lf + sepIndex + 1 >= cr - 2) continue;
            const copy = Buffer.from(bytes);
            copy[lf + sepIndex + 1] ^= 0x01;
            const label = copy.toString('latin1', lf + 1, lf + sepIndex);
            const { readings, decoder } = decodeAll(copy);
            const inFrame = readings.find((r) => r.invalid.length > 0);
            if (decoder.counters.frames === expected.length && inFrame) {
                assert.deepEqual(inFrame.invalid, [label]);
                assert.equal(label in inFrame.payload, false, `${label} dropped`);
                assert.equal(decoder.counters.badChecksum + decoder.counters.badFormat, 1);
            } else {
                // The group sat in a frame that is not complete in the capture: nothing emitted for it.
                assert.equal(readings.filter((r) => r.invalid.length > 0).length, 0);
            }
            corrupted++;
        }
        assert.ok(corrupted > 0);
    });

    test(`${vector.id}: a frame cut at any byte is never emitted`, () => {
        const lastEtx = bytes.lastIndexOf(0x03);
        const firstStx = bytes.indexOf(0x02);
        if (lastEtx < firstStx) return assert.equal(decodeAll(bytes).frames.length, 0);
        const full = decodeAll(bytes).frames.length;
        const lastStx = bytes.lastIndexOf(0x02, lastEtx);
        for (let cut = lastStx + 1; cut < lastEtx; cut += 3) {
            const truncated = Buffer.concat([bytes.subarray(0, cut), Buffer.from([0x04])]);
            assert.equal(decodeAll(truncated).frames.length, full - 1, `cut at ${cut}`);
        }
    });
}

test('group cases: every invalid line is rejected and every valid one kept, when wrapped in a frame', () => {
    for (const gc of teleinfoVectors.group_cases) {
        const { frames, decoder } = decodeAll(frameOfGroups(gc.raw));
        if (gc.expected_mode_ok) {
            assert.equal(frames.length, 1, gc.raw);
            assert.equal(frames[0].groups[0].label, gc.label);
            assert.equal(frames[0].groups[0].value, expectedValue(gc.label, gc.value ?? ''), gc.raw);
            if (gc.horodate) assert.equal(frames[0].groups[0].horodate, gc.horodate);
        } else {
            assert.equal(frames.length, 0, `${JSON.stringify(gc.raw)} must be rejected`);
            assert.equal(decoder.counters.badChecksum + decoder.counters.badFormat, 1, gc.raw);
            assert.equal(decoder.counters.emptyFrames, 1);
        }
    }
});

test('group cases: an invalid line next to valid ones is named in msg.invalid and the others kept', () => {
    const valid = teleinfoVectors.group_cases.filter((g) => g.expected_mode_ok && g.separator === 'HT');
    for (const bad of teleinfoVectors.group_cases.filter((g) => !g.expected_mode_ok && g.separator === 'HT')) {
        const { readings } = decodeAll(frameOfGroups(...valid.map((g) => g.raw), bad.raw));
        assert.equal(readings.length, 1);
        assert.deepEqual(readings[0].invalid, [bad.label]);
        assert.deepEqual(
            Object.keys(readings[0].payload),
            valid.map((g) => g.label),
        );
    }
});

test('derived: a frame interrupted by EOT is dropped, the next one decodes', () => {
    const dc = teleinfoVectors.derived_cases.find((d) => d.id === 'derived_hist_eot_interrupt')!;
    const { readings, decoder } = decodeAll(captureBytes(dc.file));
    const complete = dc.frames_seen.filter((f) => f.end === 'ETX');
    assert.equal(readings.length, complete.length);
    assert.equal(Object.keys(readings[0].payload).length, complete[0].groups);
    assert.equal(decoder.counters.interrupted, 1);
});

test('derived: a historic frame read as 8N1 (parity in bit 7) decodes like the 7E1 one', () => {
    const dc = teleinfoVectors.derived_cases.find((d) => d.id === 'derived_hist_read_as_8N1')!;
    const bytes = captureBytes(dc.file);
    assert.ok(
        bytes.some((b) => b >= 0x80),
        'the capture carries parity bits',
    );
    const frame1 = teleinfoVectors.vectors.find((v) => v.id === 'hist_mono_tempo_linky_frame1')!;
    const { readings } = decodeAll(bytes);
    assert.equal(readings.length, 1);
    assertFrameMatches(readings[0], frame1.frames[0], '8N1');
});
