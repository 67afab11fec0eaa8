/**
 * Lines of line protocol written straight into bytes: the batch a writer is filling.
 *
 * A store fed one point per message encodes hundreds of thousands of points a second. Building a
 * string per line, keeping thousands of them until the batch is sent and joining them then made
 * the encoding cost more than Node-RED's own delivery of the message (most of it number-to-string
 * conversions and the garbage collection of lines that lived a second). Here a point's numbers are
 * written as digits, its names as cached bytes, and nothing of it outlives the call.
 *
 * A line is written piece by piece, then either ended (`endLine`) or discarded (`discardLine`) —
 * a point that turns out not to be encodable halfway leaves no trace; `rewind` takes back the
 * last pieces (a field that cannot be written).
 */

const NEWLINE = 0x0a;
const MINUS = 0x2d;
const ZERO = 0x30;
/** "0000" to "9999", four bytes each: four digits per division. */
const DIGIT_QUADS = Uint8Array.from({ length: 40_000 }, (_, i) => ZERO + (Math.floor((i >> 2) / 10 ** (3 - (i & 3))) % 10));

/** Below this many bytes a loop copies faster than a call into TypedArray.prototype.set. */
const SHORT_COPY = 32;

export class LineBuffer {
    private bytes: Buffer;
    private length = 0;
    /** Where the line being written starts: the end of the last ended line. */
    private lineStart = 0;
    private lineCount = 0;

    constructor(private readonly initialBytes = 64 * 1024) {
        this.bytes = Buffer.allocUnsafeSlow(initialBytes);
    }

    /** Lines ended so far. */
    get lines(): number {
        return this.lineCount;
    }

    /** Bytes of the ended lines, newlines included. */
    get size(): number {
        return this.lineStart;
    }

    /** Bytes of the line being written. */
    get pendingBytes(): number {
        return this.length - this.lineStart;
    }

    /** A position in the line being written, to go back to with `rewind`. */
    get position(): number {
        return this.length;
    }

    rewind(position: number): void {
        this.length = position;
    }

    endLine(): void {
        this.byte(NEWLINE);
        this.lineStart = this.length;
        this.lineCount++;
    }

    discardLine(): void {
        this.length = this.lineStart;
    }

    /**
     * The ended lines, separated by newlines (no trailing one), as a buffer of their own; the line
     * being written, if any, stays and becomes the first of the next batch.
     */
    take(): { bytes: Buffer; lines: number } {
        // The batch keeps these bytes: copying them measured slower than all the encoding. The next
        // batch gets a buffer with room for one like this one, so that it rarely has to grow.
        const taken = { bytes: this.bytes.subarray(0, Math.max(0, this.lineStart - 1)), lines: this.lineCount };
        const next = Buffer.allocUnsafeSlow(Math.max(this.initialBytes, this.length + (this.length >> 2)));
        this.bytes.copy(next, 0, this.lineStart, this.length);
        this.bytes = next;
        this.length -= this.lineStart;
        this.lineStart = 0;
        this.lineCount = 0;
        return taken;
    }

    byte(value: number): void {
        if (this.length === this.bytes.length) this.grow(1);
        this.bytes[this.length++] = value;
    }

    /** Text known to be ASCII (digits, number notation): one byte per character. */
    ascii(text: string): void {
        const count = text.length;
        if (this.length + count > this.bytes.length) this.grow(count);
        const bytes = this.bytes;
        let at = this.length;
        for (let i = 0; i < count; i++) bytes[at++] = text.charCodeAt(i);
        this.length = at;
    }

    /** Any text, as UTF-8. */
    text(text: string): void {
        const most = text.length * 3;
        if (this.length + most > this.bytes.length) this.grow(most);
        this.length += this.bytes.write(text, this.length, 'utf8');
    }

    copy(source: Uint8Array): void {
        const count = source.length;
        if (this.length + count > this.bytes.length) this.grow(count);
        if (count > SHORT_COPY) {
            this.bytes.set(source, this.length);
            this.length += count;
            return;
        }
        const bytes = this.bytes;
        let at = this.length;
        for (let i = 0; i < count; i++) bytes[at++] = source[i];
        this.length = at;
    }

    /** A safe integer (|value| < 2^53) in decimal, without converting it to a string first. */
    integer(value: number): void {
        if (value < 0) {
            this.byte(MINUS);
            value = -value;
        }
        if (this.length + 16 > this.bytes.length) this.grow(16);
        if (value < 100_000_000) {
            this.upToEightDigits(value);
            return;
        }
        let high = Math.floor(value / 100_000_000);
        let low = value - high * 100_000_000;
        // Near 2^53 the quotient can round up to the next whole number.
        if (low < 0) {
            high--;
            low += 100_000_000;
        }
        this.upToEightDigits(high);
        this.fourDigits((low / 10_000) | 0);
        this.fourDigits(low % 10_000);
    }

    /** 0 ≤ value < 10^8; the divisions stay in 32-bit integers. */
    private upToEightDigits(value: number): void {
        if (value < 10_000) {
            this.upToFourDigits(value);
            return;
        }
        const high = (value / 10_000) | 0;
        this.upToFourDigits(high);
        this.fourDigits(value - high * 10_000);
    }

    private upToFourDigits(value: number): void {
        const digits = value < 100 ? (value < 10 ? 1 : 2) : value < 1000 ? 3 : 4;
        const bytes = this.bytes;
        const from = value * 4 + 4 - digits;
        for (let i = 0; i < digits; i++) bytes[this.length + i] = DIGIT_QUADS[from + i];
        this.length += digits;
    }

    /** 0 ≤ value < 10^4, zero-padded. */
    private fourDigits(value: number): void {
        const bytes = this.bytes;
        const at = this.length;
        const from = value * 4;
        bytes[at] = DIGIT_QUADS[from];
        bytes[at + 1] = DIGIT_QUADS[from + 1];
        bytes[at + 2] = DIGIT_QUADS[from + 2];
        bytes[at + 3] = DIGIT_QUADS[from + 3];
        this.length = at + 4;
    }

    private grow(needed: number): void {
        let capacity = this.bytes.length * 2;
        while (capacity < this.length + needed) capacity *= 2;
        const larger = Buffer.allocUnsafe(capacity);
        this.bytes.copy(larger, 0, 0, this.length);
        this.bytes = larger;
    }
}
