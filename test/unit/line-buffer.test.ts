/**
 * LineBuffer: digits written without strings, text as UTF-8, lines ended, discarded or rewound,
 * batches taken while a line is being written, and growth past the first capacity.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LineBuffer } from '../../lib/store/line-buffer';
import { seededRandom } from '../../sim/random';

function integers(values: number[]): string {
    const lines = new LineBuffer(4);
    for (const value of values) {
        lines.integer(value);
        lines.endLine();
    }
    return lines.take().bytes.toString();
}

test('integers are written as String() writes them, across the four- and eight-digit splits and up to 2^53', () => {
    const values = [
        0,
        -0,
        1,
        9,
        10,
        99,
        100,
        123_456_789,
        2 ** 31 - 1,
        2 ** 31,
        2 ** 31 + 1,
        99_999_999,
        100_000_000,
        100_000_001,
        1_700_000_000_123,
        1_700_000_000_000,
        9_223_372_036_854,
        Number.MAX_SAFE_INTEGER,
        9_007_199_099_999_999,
        9_007_199_100_000_000,
        10_000,
        9_999,
        99_999_999,
        -1,
        -(2 ** 31),
        -(2 ** 31) - 1,
        -1_700_000_000_007,
        Number.MIN_SAFE_INTEGER,
    ];
    const random = seededRandom(53);
    for (let i = 0; i < 2000; i++)
        values.push(Math.floor(random() * 2 ** 53) * (i % 2 === 0 ? 1 : -1), Math.floor(random() * 2 ** (i % 53)));
    assert.equal(integers(values), values.map((v) => String(v)).join('\n'));
});

test('text is UTF-8, ascii and copy write bytes as they are, short and long', () => {
    const lines = new LineBuffer(2);
    lines.text('énergie ⚡ ');
    lines.ascii('1.5e+21');
    lines.copy(Buffer.from(',k='));
    lines.copy(Buffer.from('x'.repeat(100)));
    lines.endLine();
    assert.equal(lines.take().bytes.toString(), `énergie ⚡ 1.5e+21,k=${'x'.repeat(100)}`);
});

test('a discarded line leaves nothing; rewind takes back the last pieces; take leaves the line being written', () => {
    const lines = new LineBuffer(8);
    lines.ascii('first');
    lines.endLine();
    lines.ascii('half a line');
    lines.discardLine();
    lines.ascii('second');
    const at = lines.position;
    lines.ascii(',dropped');
    lines.rewind(at);
    assert.equal(lines.pendingBytes, 'second'.length);
    lines.endLine();
    assert.equal(lines.size, 'first\nsecond\n'.length);
    lines.ascii('third, not ended');
    const taken = lines.take();
    assert.deepEqual({ text: taken.bytes.toString(), lines: taken.lines }, { text: 'first\nsecond', lines: 2 });
    assert.equal(lines.lines, 0);
    lines.endLine();
    assert.equal(lines.take().bytes.toString(), 'third, not ended');
    assert.deepEqual(lines.take(), { bytes: Buffer.alloc(0), lines: 0 });
});

test('grows past its first capacity without losing a byte, and a taken batch is its own copy', () => {
    const lines = new LineBuffer(16);
    const expected: string[] = [];
    for (let i = 0; i < 10_000; i++) {
        const line = `m,meter=é${i % 10} v=${i}i ${1_700_000_000_000 + i}`;
        lines.text(line);
        lines.endLine();
        expected.push(line);
    }
    const taken = lines.take();
    lines.ascii('overwrites the old bytes');
    lines.endLine();
    assert.equal(taken.bytes.toString(), expected.join('\n'));
    assert.equal(taken.lines, 10_000);
});
