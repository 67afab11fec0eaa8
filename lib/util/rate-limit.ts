/**
 * At most one report per key and interval, counting those held back in between: a value lost from
 * every message of a fast stream makes one error a minute for its field, which says how many more
 * there were, rather than one error per message.
 */
export class RateLimitByKey {
    private readonly lastByKey = new Map<string, { at: number; heldBack: number }>();

    /** `maxKeys` bounds the memory when keys come from messages: past it, every key starts afresh. */
    constructor(private readonly intervalMs: number, private readonly maxKeys = 1000) {}

    /**
     * At `now` (ms): how many reports for `key` were held back since the last one let through, when
     * this one is let through; undefined when it is held back.
     */
    pass(key: string, now: number): number | undefined {
        const last = this.lastByKey.get(key);
        if (last !== undefined && now - last.at < this.intervalMs) {
            last.heldBack++;
            return undefined;
        }
        if (last === undefined && this.lastByKey.size >= this.maxKeys) this.lastByKey.clear();
        this.lastByKey.set(key, { at: now, heldBack: 0 });
        return last?.heldBack ?? 0;
    }
}
