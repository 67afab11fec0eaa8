/**
 * What a UART hears when the line runs at another speed than it expects: the garbage a Téléinfo
 * reader gets from a meter in the other mode, for testing speed detection without hardware.
 *
 * Both ends are 7E1 (start 0, 7 data bits LSB first, even parity, stop 1; the line idles at 1).
 * The transmitter sends the characters back to back. The receiver waits for a 1→0 edge, checks
 * the start bit in its middle (a glitch is not a start), then samples the middle of each of its
 * own bit periods. Like Linux with INPCK and without PARMRK, a character with a parity error or a
 * 0 stop bit (framing error) is delivered as 0x00; the receiver then looks for the next edge from
 * the middle of that stop bit.
 */

const BITS_PER_CHAR = 10;

/** Bytes are sent as 7 data bits: bit 7 of an input byte is not transmitted. */
export function uartDeliver(bytes: Uint8Array, txBaud: number, rxBaud: number): Buffer {
    const lineEnd = bytes.length * BITS_PER_CHAR;
    /** The line level during transmitter bit `n` (idle before and after the bytes). */
    const level = (n: number): number => {
        if (n < 0 || n >= lineEnd) return 1;
        const bit = n % BITS_PER_CHAR;
        const data = bytes[(n - bit) / BITS_PER_CHAR] & 0x7f;
        if (bit === 0) return 0;
        if (bit <= 7) return (data >> (bit - 1)) & 1;
        if (bit === 8) return ones(data) & 1;
        return 1;
    };
    // Times are counted in transmitter bit periods; one receiver bit lasts `rxBit` of them.
    const rxBit = txBaud / rxBaud;
    const delivered: number[] = [];
    let from = 0;
    for (;;) {
        const edge = nextFallingEdge(level, from, lineEnd);
        if (edge === undefined) break;
        const sample = (i: number) => level(Math.floor(edge + (i + 0.5) * rxBit));
        if (sample(0) !== 0) {
            from = edge + 0.5 * rxBit;
            continue;
        }
        let data = 0;
        for (let i = 0; i < 7; i++) data |= sample(1 + i) << i;
        const parityOk = ((ones(data) + sample(8)) & 1) === 0;
        delivered.push(parityOk && sample(9) === 1 ? data : 0x00);
        from = edge + (BITS_PER_CHAR - 0.5) * rxBit;
    }
    return Buffer.from(delivered);
}

/** The first transmitter bit boundary at or after `from` where the line falls from 1 to 0. */
function nextFallingEdge(level: (n: number) => number, from: number, lineEnd: number): number | undefined {
    for (let n = Math.max(0, Math.ceil(from)); n < lineEnd; n++) {
        if (level(n - 1) === 1 && level(n) === 0) return n;
    }
    return undefined;
}

function ones(byte: number): number {
    let count = 0;
    for (let b = byte; b !== 0; b >>= 1) count += b & 1;
    return count;
}
