/**
 * Catchable errors that a failing device cannot turn into a flood: one report per kind of failure
 * per interval, every failure counted. The report after a quiet interval says how many were not
 * reported in between.
 */
export interface ErrorReport {
    /** Failures of this kind since the last report, this one excluded. */
    unreported: number;
}

export class RateLimitedErrors {
    private readonly lastReport = new Map<string, { at: number; unreported: number }>();
    private total = 0;

    /** `maxKinds` bounds the memory when kinds come from messages (a field name): past it, every kind starts afresh. */
    constructor(
        private readonly intervalMs: number,
        private readonly maxKinds = 1000,
    ) {}

    /** Every failure counted, reported or not. */
    get count(): number {
        return this.total;
    }

    /**
     * Counts a failure of `kind` at `now` (ms); calls `emit` when it is to be reported (the first of
     * its kind, or the first after `intervalMs` since the last report of that kind).
     */
    fail(kind: string, now: number, emit: (report: ErrorReport) => void): void {
        this.total++;
        const last = this.lastReport.get(kind);
        if (last !== undefined && now - last.at < this.intervalMs) {
            last.unreported++;
            return;
        }
        if (last === undefined && this.lastReport.size >= this.maxKinds) this.lastReport.clear();
        this.lastReport.set(kind, { at: now, unreported: 0 });
        emit({ unreported: last?.unreported ?? 0 });
    }
}
