/**
 * The FAILURES rule of RRDtool's aberrant-behaviour detection: a failure is at least `threshold`
 * band violations among the last `window` samples, the current one included.
 */

/** The largest window librrd accepts (MAX_FAILURES_WINDOW_LEN). */
export const MAX_FAILURE_WINDOW = 28;

/** The last `length` violation flags, in a ring, with their running count. */
export class ViolationWindow {
    private readonly flags: Uint8Array;
    /** Index of the oldest flag, the one the next push overwrites. */
    private oldest = 0;
    private violations = 0;

    constructor(readonly length: number) {
        this.flags = new Uint8Array(length);
    }

    /** Records the current sample's flag and returns the number of violations in the window. */
    push(violation: boolean): number {
        const flag = violation ? 1 : 0;
        this.violations += flag - this.flags[this.oldest];
        this.flags[this.oldest] = flag;
        this.oldest = this.oldest + 1 === this.length ? 0 : this.oldest + 1;
        return this.violations;
    }

    get count(): number {
        return this.violations;
    }

    /** The flags as 0/1, most recent first (librrd's order). */
    toJSON(): number[] {
        const recentFirst: number[] = [];
        for (let age = 1; age <= this.length; age++) recentFirst.push(this.flags[(this.oldest - age + this.length) % this.length]);
        return recentFirst;
    }

    /** The inverse of toJSON; throws on anything but `length` flags of 0 or 1. */
    static fromJSON(recentFirst: unknown, length: number): ViolationWindow {
        if (!Array.isArray(recentFirst) || recentFirst.length !== length || !recentFirst.every((f) => f === 0 || f === 1)) {
            throw new RangeError(`violation history must be ${length} flags of 0 or 1, got ${JSON.stringify(recentFirst)}`);
        }
        const window = new ViolationWindow(length);
        for (let age = length - 1; age >= 0; age--) window.push(recentFirst[age] === 1);
        return window;
    }
}
