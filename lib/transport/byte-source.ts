/**
 * A byte source that keeps itself connected: it opens, reports data, and when the device goes away
 * (or cannot be opened) retries with an exponential backoff until it is stopped. The concrete
 * sources (serial port, TCP socket) only say how to open one connection.
 */
import { EventEmitter } from 'node:events';

export type SourceState =
    { state: 'connecting' } | { state: 'open' } | { state: 'retrying'; error: Error; retryInMs: number } | { state: 'stopped' };

export interface Connection {
    /** Resolves once the connection is closed (device gone, error, or close()). */
    closed: Promise<Error | undefined>;
    close(): Promise<void>;
}

export interface ByteSourceEvents {
    data: [chunk: Buffer];
    state: [state: SourceState];
}

export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 30_000;

export abstract class ReconnectingByteSource extends EventEmitter<ByteSourceEvents> {
    private connection: Connection | undefined;
    private retryTimer: NodeJS.Timeout | undefined;
    private running = false;
    private backoffMs = BACKOFF_FIRST_MS;
    private loop: Promise<void> | undefined;

    /** Opens one connection; rejects when it cannot be opened. Data goes to `this.emit('data')`. */
    protected abstract connect(): Promise<Connection>;

    /** A human description for status and errors, e.g. the port path or host:port. */
    abstract readonly description: string;

    start(): void {
        if (this.running) return;
        this.running = true;
        this.loop = this.run();
    }

    /** Stops retrying and closes the connection; resolves when every handle is released. */
    async stop(): Promise<void> {
        this.running = false;
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.wake?.();
        await this.connection?.close();
        await this.loop;
        this.emit('state', { state: 'stopped' });
    }

    /** Closes the current connection so that the loop opens a new one at once (e.g. a new baud rate). */
    async reopen(): Promise<void> {
        this.backoffMs = BACKOFF_FIRST_MS;
        await this.connection?.close();
    }

    private wake: (() => void) | undefined;

    private async run(): Promise<void> {
        while (this.running) {
            this.emit('state', { state: 'connecting' });
            let error: Error | undefined;
            try {
                this.connection = await this.connect();
                if (!this.running) {
                    await this.connection.close();
                    break;
                }
                this.emit('state', { state: 'open' });
                this.backoffMs = BACKOFF_FIRST_MS;
                error = await this.connection.closed;
            } catch (err) {
                error = err instanceof Error ? err : new Error(String(err));
            } finally {
                this.connection = undefined;
            }
            if (!this.running) break;
            if (error === undefined) continue; // closed on purpose (reopen): open again at once
            const retryInMs = this.backoffMs;
            this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
            this.emit('state', { state: 'retrying', error, retryInMs });
            await new Promise<void>((resolve) => {
                this.wake = resolve;
                this.retryTimer = setTimeout(resolve, retryInMs);
            });
            this.wake = undefined;
        }
    }
}
