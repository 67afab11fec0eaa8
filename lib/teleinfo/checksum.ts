/**
 * Téléinfo group checksum: (sum of the controlled bytes & 0x3F) + 0x20, always printable.
 *
 * The controlled zone depends on the separator that precedes the checksum: with SP (historic,
 * "mode 1") it stops before that separator, with HT (standard, "mode 2") it includes it. The two
 * results differ by the separator's value mod 64, so a correct group validates in exactly one mode:
 * the mode is taken from the separator, never "whichever matches" (that doubles the odds that a
 * corrupted group slips through).
 */
export function ticChecksum(bytes: ArrayLike<number>, start: number, end: number): number {
    let sum = 0;
    for (let i = start; i < end; i++) sum += bytes[i];
    return (sum & 0x3f) + 0x20;
}

/** Checksum of a group body given as text (label, separators, horodate, value), for encoders. */
export function ticChecksumOfText(zone: string): string {
    let sum = 0;
    for (let i = 0; i < zone.length; i++) sum += zone.charCodeAt(i);
    return String.fromCharCode((sum & 0x3f) + 0x20);
}
