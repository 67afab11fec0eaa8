/** Polling waits for tests: the thing awaited happens in another process or on a timer. */

/** Resolves with the first defined value `read` gives, polling every `intervalMs`. */
export async function eventually<T>(read: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
        const value = await read();
        if (value !== undefined) return value;
        if (Date.now() > until) throw new Error(`nothing after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

/** Resolves once `predicate` holds, polling every 20 ms. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    await eventually(() => (predicate() ? true : undefined), timeoutMs, 20);
}
