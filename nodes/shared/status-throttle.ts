/**
 * Runs an action at most once per interval; a call that comes too soon is not dropped but runs at
 * the end of the interval, so the last state is always shown. Nodes use it for their status: a fast
 * stream must not flood the editor, and the status must not stay behind the counters.
 */
export class TrailingThrottle {
    private lastRunAt = -Infinity;
    private timer: NodeJS.Timeout | undefined;

    constructor(
        private readonly action: () => void,
        private readonly intervalMs = 1000,
    ) {}

    /** Runs the action now if the interval has passed (or `immediately`), else once it has. */
    request(immediately = false): void {
        const now = Date.now();
        const wait = this.intervalMs - (now - this.lastRunAt);
        if (!immediately && wait > 0) {
            this.timer ??= setTimeout(() => this.run(), wait);
            return;
        }
        this.run();
    }

    /** Counts as a run now without running the action: something else was just shown in its place. */
    holdOff(): void {
        this.cancel();
        this.lastRunAt = Date.now();
    }

    /** Forgets a pending run (on close: no timer may outlive the node). */
    cancel(): void {
        clearTimeout(this.timer);
        this.timer = undefined;
    }

    private run(): void {
        this.cancel();
        this.lastRunAt = Date.now();
        this.action();
    }
}
