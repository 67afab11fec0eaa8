/**
 * Finds the serial speed of a Téléinfo line: 1200 Bd (historic) or 9600 Bd (Linky standard).
 * Evidence only, never a guess: a speed is kept while valid checksummed groups arrive, and the
 * next candidate is tried when bytes arrive at this speed without a single valid group for a
 * window long enough to hold a whole frame. The same rule re-detects after a stretch of garbage
 * (a meter switched to the other mode, or a dongle re-timing the stream).
 */
import type { TicMode, TicModeSetting } from './decoder';

export type BaudSetting = 'auto' | 1200 | 9600;

/** Each mode's speed on the meter's line. */
export const MODE_BAUD: Record<TicMode, number> = { historic: 1200, standard: 9600 };

/** Long enough for a partial frame, then STX and three groups: ~3 s per historic frame at 1200 Bd. */
const WINDOW_MS: Record<number, number> = { 1200: 6000, 9600: 3000 };

export class BaudHunter {
    private readonly candidates: number[];
    private current = 0;
    private since: number;
    private lastValidGroups = 0;
    private bytesSince = 0;
    private everLocked = false;
    /** The speeds already set because a mode locked: each is forced once, see modeLocked. */
    private readonly forced = new Set<number>();

    constructor(setting: BaudSetting, modeHint: TicModeSetting, now: number) {
        if (setting !== 'auto') this.candidates = [setting];
        else this.candidates = modeHint === 'standard' ? [9600, 1200] : [1200, 9600];
        this.since = now;
    }

    /** The speed to open (or keep) the port at. */
    get baud(): number {
        return this.candidates[this.current];
    }

    /** True once valid groups have been seen at the current speed. */
    get locked(): boolean {
        return this.everLocked;
    }

    /**
     * The decoder locked `mode` at `now`: a line whose speed is found automatically moves to that
     * mode's own speed, which it can read at another only through a converter or a pseudo-terminal.
     * Returns the speed to switch to, or undefined to stay. Once per speed: a converter that re-times
     * the stream yields garbage at the mode's speed, the hunter moves back, and it stays there.
     */
    modeLocked(mode: TicMode, now: number): number | undefined {
        const speed = MODE_BAUD[mode];
        const index = this.candidates.indexOf(speed);
        if (this.candidates.length < 2 || index === this.current || index < 0 || this.forced.has(speed)) return undefined;
        this.forced.add(speed);
        this.current = index;
        this.since = now;
        this.bytesSince = 0;
        this.everLocked = false;
        return speed;
    }

    /**
     * Reports what arrived: the bytes of a chunk and the decoder's running count of valid groups.
     * Returns the speed to switch to, or undefined to stay.
     */
    observe(now: number, bytes: number, validGroups: number): number | undefined {
        if (validGroups !== this.lastValidGroups) {
            this.lastValidGroups = validGroups;
            this.since = now;
            this.bytesSince = 0;
            this.everLocked = true;
            return undefined;
        }
        this.bytesSince += bytes;
        if (this.candidates.length < 2 || this.bytesSince === 0 || now - this.since < WINDOW_MS[this.baud]) return undefined;
        this.current = (this.current + 1) % this.candidates.length;
        this.since = now;
        this.bytesSince = 0;
        this.everLocked = false;
        return this.baud;
    }
}
