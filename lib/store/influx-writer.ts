/**
 * Writes line protocol to InfluxDB 1.x (or 2.x through its v1 API) without losing a point.
 *
 * Lines are batched by size and time and POSTed to /write one request at a time: unbounded
 * concurrent writes exhausted influxd's file descriptors and deadlocked it on this kind of
 * machine, and one request in flight also keeps the points in arrival order.
 *
 * When InfluxDB cannot take a batch (unreachable, timeout, 5xx, or a configuration error such as
 * a wrong password or a missing database) the batch goes to the on-disk spool, and so does every
 * batch after it until the spool is empty again, so that replay keeps the arrival order. A replay
 * loop waits (1 s, doubling up to 30 s), probes GET /ping, and drains the spool oldest first,
 * acknowledging each batch once written, and reports what it drained once the spool is empty.
 * A 400 (a bad point, or a field type conflict) is not the batch's fault but a few lines': the batch
 * is split in halves until the bad lines are alone and the others are written. A line refused for a
 * field type conflict (spooled before the store knew the types InfluxDB holds) is sent again with the
 * value in the held type when it converts exactly, and without that value when it does not (reported
 * as lost); any other bad line is reported once, never retried.
 *
 * Problems are reported as data (server, HTTP status, TLS problem): the node words them.
 *
 * The HTTP calls are plain node:http(s) with a keep-alive agent rather than the `influx` client:
 * the client re-encodes points on every write (it measured about half the raw rate here), and the
 * spool must hold the exact bytes that will be sent, so that a replayed batch is the batch.
 */
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import { LineBuffer } from './line-buffer';
import { fieldTypeConflictOf, retypeLine } from './field-conflicts';
import { splitLines, timeSpanOfLines, type FieldType, type FieldTypes, type Precision } from './line-protocol';
import { SpoolCorruptError, SpoolFullError, type Spool, type SpoolBatch } from './spool';
import { tlsProblemOf, type TlsProblem } from './tls-problems';

export interface InfluxWriterOptions {
    /** `http(s)://host:port`, with a path prefix when InfluxDB sits behind a reverse proxy. */
    url: string;
    database: string;
    retentionPolicy?: string;
    /** HTTP Basic authentication: InfluxDB 1.x's users, or an InfluxDB 2.x v1 authorization. */
    username?: string;
    password?: string;
    /** InfluxDB 2.x: an API token, sent as `Authorization: Token …` (instead of Basic). */
    token?: string;
    /** For https, what a tls-config node gives: a private CA, a client certificate and key, a servername, or not verifying the server (its other options pass through too). */
    tls?: Pick<https.RequestOptions, 'ca' | 'cert' | 'key' | 'passphrase' | 'servername' | 'rejectUnauthorized'>;
    /** The unit of the lines' timestamps. */
    precision: Precision;
    /** Points per request; 5000 is InfluxDB's recommended maximum. */
    batchSize?: number;
    /** A batch that is not full is sent this long after its first line. */
    flushIntervalMs?: number;
    spool: Spool;
    requestTimeoutMs?: number;
    /** Full batches waiting their turn in memory; beyond, InfluxDB is slower than the input and they go to the spool. */
    maxQueuedBatches?: number;
    /** Replay backoff: the first wait, doubled after each failure up to `retryMaxMs`. */
    retryMinMs?: number;
    retryMaxMs?: number;
    /** How long close() keeps sending what is in memory before it spools the rest. */
    closeTimeoutMs?: number;
    /** 'stats' is emitted at most once per interval. */
    statsIntervalMs?: number;
    /** The types the lines are encoded with: a field type InfluxDB reports in a conflict is learnt there. */
    fieldTypes?: FieldTypes;
}

export interface WriterCounters {
    /** Points accepted and still in memory. */
    queued: number;
    /** Points InfluxDB accepted, since this writer started. */
    written: number;
    /** Points in the spool now. */
    spooled: number;
    /** Points InfluxDB rejected (reported by 'rejected'), since this writer started. */
    failed: number;
    /** Points refused because the spool was full, since this writer started. */
    refused: number;
}

export type WriterState = 'ok' | 'retrying' | 'misconfigured';

export interface WriterStats extends WriterCounters {
    state: WriterState;
    /** Why InfluxDB is not taking points, while state is not 'ok'. */
    problem?: WriteProblem;
}

/** Why InfluxDB did not take a batch, as data: the node words it in the user's language. */
export interface WriteProblem {
    /** `InfluxDB host:port/database`, how the server is named. */
    server: string;
    /** The HTTP status InfluxDB answered; 0 when no answer came (unreachable, a timeout, a TLS handshake that failed). */
    status: number;
    /** What InfluxDB answered, or Node.js's error without an answer. */
    detail: string;
    /** A TLS setting to change, when that is the cause. */
    tls?: TlsProblem;
    /** Credentials were sent: a 401 then means wrong ones rather than missing ones. */
    credentials: boolean;
}

/** A configuration problem (wrong credentials, missing database, TLS settings): the points wait in the spool. */
export class InfluxWriteError extends Error {
    constructor(readonly problem: WriteProblem) {
        super(problemText(problem));
    }
}

/** Why batches went to the spool. */
export type SpoolCause =
    /** InfluxDB did not take them (an outage, a 5xx, a timeout). */
    | { kind: 'unavailable'; problem: WriteProblem }
    /** InfluxDB refused the connection's settings. */
    | { kind: 'misconfigured'; problem: WriteProblem }
    /** Older points are still waiting in the spool. */
    | { kind: 'behind' }
    /** InfluxDB is slower than the input. */
    | { kind: 'slow' }
    /** The writer closed before InfluxDB took them. */
    | { kind: 'closed' };

export interface RejectedLine {
    line: string;
    status: number;
    message: string;
}

export interface WrittenBatch {
    /** Points InfluxDB accepted from this batch (all of them unless some were rejected). */
    points: number;
    /** The batch went through the spool: a replay. */
    replayed: boolean;
    /** The batch's line protocol (UTF-8). */
    bytes: Buffer;
}

export interface SpooledBatch {
    points: number;
    cause: SpoolCause;
}

/** The spool emptied: what was replayed from it since it started filling. */
export interface DrainedSpool {
    /** Points InfluxDB took from the replayed batches. */
    points: number;
    /** The earliest and latest time (ms) of the replayed points. */
    from: number;
    to: number;
}

/**
 * A value InfluxDB cannot store exactly in its field, found when a line was refused for a field type
 * conflict: text into a number field, 2.5 into an integer field. The rest of the point was sent again.
 */
export interface LostValue {
    measurement: string;
    field: string;
    /** The value as line protocol writes it (`2.5`, `"text"`, `true`). */
    value: string;
    /** The type InfluxDB holds the field as. */
    held: FieldType;
    /** The line as it was refused. */
    line: string;
    /** The value was the point's only field: nothing of the point was stored. */
    pointLost: boolean;
}

export interface InfluxWriterEvents {
    written: [batch: WrittenBatch];
    spooled: [batch: SpooledBatch];
    rejected: [rejected: RejectedLine];
    lost: [lost: LostValue];
    drained: [drained: DrainedSpool];
    /** Configuration errors (401, 403, 404, TLS: InfluxWriteError), points refused by a full spool, disk errors. */
    error: [error: Error];
    stats: [stats: WriterStats];
}

/** InfluxDB 1.x reads an unknown precision (such as `us`) as nanoseconds, without an error. */
const PRECISION_PARAMETER: Record<Precision, string> = { ns: 'ns', us: 'u', ms: 'ms', s: 's' };
/** Enough of an error body for a message; InfluxDB's are one line of JSON. */
const MAX_MESSAGE_BYTES = 4096;

interface Answer {
    /** 0 when no HTTP answer came (connection refused, reset, timeout, a TLS handshake that failed). */
    status: number;
    message: string;
    /** Without an answer: Node's error code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT…). */
    code?: string;
    /** The body was InfluxDB's JSON error, not a proxy's page or a TLS port's plain-text refusal. */
    fromInflux?: boolean;
}

type Outcome = { kind: 'delivered'; delivery: Delivery } | { kind: 'retry' | 'misconfigured'; problem: WriteProblem };

/** What became of a batch's lines. */
interface Delivery {
    written: number;
    rejected: RejectedLine[];
    lost: LostValue[];
    /** Lines rewritten for a field type conflict and sent again: one that comes back identical is not retried. */
    retyped: Set<string>;
}

interface InFlight {
    batch: SpoolBatch;
    fromSpool: boolean;
    /** A memory batch copied to the spool's head while it was in flight (it is acked there once written). */
    alsoSpooled: boolean;
}

export class InfluxWriter extends EventEmitter<InfluxWriterEvents> {
    private readonly spool: Spool;
    private readonly batchSize: number;
    private readonly flushIntervalMs: number;
    private readonly requestTimeoutMs: number;
    private readonly maxQueuedBatches: number;
    private readonly retryMinMs: number;
    private readonly retryMaxMs: number;
    private readonly closeTimeoutMs: number;
    private readonly statsIntervalMs: number;
    private readonly transport: typeof http | typeof https;
    private readonly agent: http.Agent;
    private readonly requestBase: http.RequestOptions;
    private readonly writePath: string;
    private readonly pingPath: string;
    /** `InfluxDB host:port/database`, how errors name the server. */
    private readonly serverName: string;
    private readonly hasCredentials: boolean;
    private readonly precision: Precision;
    private readonly fieldTypes: FieldTypes | undefined;

    /** The batch being filled: encoders write a line into it, `endLine()` makes it a queued point. */
    readonly lines = new LineBuffer();
    private flushTimer: NodeJS.Timeout | undefined;
    /** Full batches waiting for the request in flight; empty whenever the spool is not. */
    private readonly memory: SpoolBatch[] = [];
    private memoryPoints = 0;
    private inFlight: InFlight | undefined;
    private activeRequest: http.ClientRequest | undefined;

    private written = 0;
    private failed = 0;
    private refused = 0;
    private state: WriterState = 'ok';
    private problem: WriteProblem | undefined;
    private lastReportedProblem: string | undefined;
    /** What was replayed from the spool since it last started filling. */
    private drained: DrainedSpool = { points: 0, from: Infinity, to: -Infinity };
    private retryDelayMs = 0;

    private wakeLoop: (() => void) | undefined;
    private sleepTimer: NodeJS.Timeout | undefined;
    private endSleep: (() => void) | undefined;
    private readonly progressWaiters: (() => void)[] = [];
    private statsTimer: NodeJS.Timeout | undefined;
    private lastStatsAt = 0;
    private closing: Promise<void> | undefined;
    private readonly loop: Promise<void>;

    constructor(options: InfluxWriterOptions) {
        super();
        const base = new URL(options.url);
        if (base.protocol !== 'http:' && base.protocol !== 'https:')
            throw new Error(`InfluxDB URL ${options.url}: only http and https are supported`);
        this.spool = options.spool;
        this.batchSize = options.batchSize ?? 5000;
        this.flushIntervalMs = options.flushIntervalMs ?? 1000;
        this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
        this.maxQueuedBatches = options.maxQueuedBatches ?? 4;
        this.retryMinMs = options.retryMinMs ?? 1000;
        this.retryMaxMs = options.retryMaxMs ?? 30_000;
        this.closeTimeoutMs = options.closeTimeoutMs ?? 5000;
        this.statsIntervalMs = options.statsIntervalMs ?? 1000;
        this.precision = options.precision;
        this.fieldTypes = options.fieldTypes;

        const secure = base.protocol === 'https:';
        this.transport = secure ? https : http;
        this.agent = secure
            ? new https.Agent({ keepAlive: true, maxSockets: 1, ...options.tls })
            : new http.Agent({ keepAlive: true, maxSockets: 1 });
        const headers: http.OutgoingHttpHeaders = {};
        if (options.token !== undefined) headers.authorization = `Token ${options.token}`;
        else if (options.username !== undefined || options.password !== undefined) {
            headers.authorization = `Basic ${Buffer.from(`${options.username ?? ''}:${options.password ?? ''}`).toString('base64')}`;
        }
        this.requestBase = { hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'), port: base.port, agent: this.agent, headers };
        const prefix = base.pathname.replace(/\/+$/, '');
        const query = new URLSearchParams({ db: options.database, precision: PRECISION_PARAMETER[options.precision] });
        if (options.retentionPolicy) query.set('rp', options.retentionPolicy);
        this.writePath = `${prefix}/write?${query}`;
        this.pingPath = `${prefix}/ping`;
        this.serverName = `InfluxDB ${base.host}${prefix}/${options.database}`;
        this.hasCredentials = headers.authorization !== undefined;

        this.loop = this.run();
    }

    get counters(): WriterCounters {
        const inFlightQueued =
            this.inFlight !== undefined && !this.inFlight.fromSpool && !this.inFlight.alsoSpooled ? this.inFlight.batch.points : 0;
        return {
            queued: this.lines.lines + this.memoryPoints + inFlightQueued,
            written: this.written,
            spooled: this.spool.points,
            failed: this.failed,
            refused: this.refused,
        };
    }

    get stats(): WriterStats {
        return { ...this.counters, state: this.state, ...(this.problem === undefined ? {} : { problem: this.problem }) };
    }

    /**
     * Queues one encoded line. Throws a SpoolFullError when the point cannot be kept (InfluxDB is
     * out of reach and the spool is full): the caller reports it, nothing is dropped silently.
     */
    write(line: string): void {
        this.lines.text(line);
        this.endLine();
    }

    /**
     * Queues the line an encoder has just written into `lines`, as `write` does; the line is
     * discarded when it is refused (SpoolFullError) or the writer is closed.
     */
    endLine(): void {
        if (this.closing !== undefined) {
            this.lines.discardLine();
            throw new Error('this InfluxWriter is closed');
        }
        // The spool's room matters only while it is in use: new batches then go behind its batches.
        if (this.spool.batches > 0 && !this.spool.fits(this.lines.size + this.lines.pendingBytes)) {
            this.lines.discardLine();
            this.refused++;
            this.statsChanged();
            throw new SpoolFullError(
                `point refused: InfluxDB has not taken points for a while and the spool is full (${this.spool.points} points, ${this.spool.size} of ${this.spool.maxBytes} bytes)`,
                this.spool.maxBytes,
            );
        }
        this.lines.endLine();
        if (this.lines.lines >= this.batchSize) this.cut();
        else this.flushTimer ??= setTimeout(() => this.cut(), this.flushIntervalMs);
        this.statsChanged();
    }

    /** Queues encoded lines in order; stops at the first refused one (SpoolFullError), which is thrown. */
    writeLines(lines: readonly string[]): void {
        for (const line of lines) this.write(line);
    }

    /** Sends what is queued now; resolves once it is written, rejected or spooled. */
    async flush(): Promise<void> {
        this.cut();
        while (this.memory.length > 0 || this.holdsInFlightBatch())
            await new Promise<void>((resolve) => this.progressWaiters.push(resolve));
        await this.spool.flush();
    }

    /**
     * Stops: what is in memory is sent if InfluxDB takes it within `closeTimeoutMs`, and spooled
     * otherwise, so that a Node-RED stop or redeploy loses nothing. The spool stays open (its owner
     * closes it); a new writer on it replays the leftovers first.
     */
    close(): Promise<void> {
        this.closing ??= (async () => {
            this.cut();
            this.wakeLoop?.();
            this.endSleep?.();
            const deadline = setTimeout(() => this.activeRequest?.destroy(new Error('abandoned at close')), this.closeTimeoutMs);
            await this.loop;
            clearTimeout(deadline);
            this.moveMemoryToSpool({ kind: 'closed' });
            clearTimeout(this.statsTimer);
            this.agent.destroy();
            try {
                await this.spool.flush();
            } catch (err) {
                this.emit('error', err as Error);
            }
            this.emit('stats', this.stats);
        })();
        return this.closing;
    }

    /** Ends the batch being filled: into memory, or behind the spooled batches while there are any. */
    private cut(): void {
        clearTimeout(this.flushTimer);
        this.flushTimer = undefined;
        if (this.lines.lines === 0) return;
        const batch = this.takeLines();
        if (this.spool.batches > 0) {
            this.appendToSpool([batch], { kind: 'behind' });
        } else {
            this.memory.push(batch);
            this.memoryPoints += batch.points;
            if (this.memory.length > this.maxQueuedBatches) this.moveMemoryToSpool({ kind: 'slow' });
        }
        this.wakeLoop?.();
    }

    private takeLines(): SpoolBatch {
        const { bytes, lines } = this.lines.take();
        return { bytes, points: lines };
    }

    /** Everything in memory goes to the spool, oldest first: `older` (a failed batch), the batch in flight, the rest. */
    private moveMemoryToSpool(cause: SpoolCause, older: SpoolBatch[] = []): void {
        const batches = [...older];
        if (this.holdsInFlightBatch()) batches.push(this.inFlight!.batch);
        batches.push(...this.memory.splice(0));
        this.memoryPoints = 0;
        if (this.lines.lines > 0) batches.push(this.takeLines());
        clearTimeout(this.flushTimer);
        this.flushTimer = undefined;
        this.appendToSpool(batches, cause);
        this.progressed();
    }

    private appendToSpool(batches: SpoolBatch[], cause: SpoolCause): void {
        for (const [index, batch] of batches.entries()) {
            try {
                this.spool.append(batch);
            } catch (err) {
                // Appending the later batches after a gap would break the order: they are refused too.
                // A batch still in flight keeps its chance: InfluxDB may yet take it.
                const lost = batches
                    .slice(index)
                    .filter((b) => b !== this.inFlight?.batch)
                    .reduce((sum, b) => sum + b.points, 0);
                this.refused += lost;
                this.statsChanged();
                const message = `${lost} points refused: they could not be kept in the spool (${(err as Error).message})`;
                this.emit(
                    'error',
                    err instanceof SpoolFullError ? new SpoolFullError(message, err.maxBytes) : new Error(message, { cause: err }),
                );
                return;
            }
            if (batch === this.inFlight?.batch) this.inFlight.alsoSpooled = true;
            this.emit('spooled', { points: batch.points, cause });
        }
        this.statsChanged();
    }

    private holdsInFlightBatch(): boolean {
        return this.inFlight !== undefined && !this.inFlight.fromSpool && !this.inFlight.alsoSpooled;
    }

    private async run(): Promise<void> {
        // Nothing is emitted before the constructor has returned and the caller attached its listeners.
        await Promise.resolve();
        for (;;) {
            // Closing: memory is sent while InfluxDB answers; the spool waits for the next start.
            if (this.closing !== undefined && (this.spool.batches > 0 || this.state !== 'ok')) return;
            let delivered = false;
            try {
                const job = this.nextJob();
                if (job === undefined) {
                    if (this.closing !== undefined) return;
                    await new Promise<void>((resolve) => {
                        this.wakeLoop = resolve;
                    });
                    this.wakeLoop = undefined;
                    continue;
                }
                this.inFlight = job;
                const outcome = await this.deliver(job.batch);
                delivered = outcome.kind === 'delivered';
                if (outcome.kind === 'delivered') this.delivered(job, outcome.delivery);
                else this.undelivered(job, outcome.kind, outcome.problem);
            } catch (err) {
                // The spool's disk failed (EIO, EACCES…): report it and try again later rather than stop.
                this.emit('error', err as Error);
            } finally {
                this.inFlight = undefined;
                this.progressed();
            }
            if (!delivered) await this.waitForInflux();
        }
    }

    /** The spool's head first; memory only while the spool is empty (it then holds nothing older). */
    private nextJob(): InFlight | undefined {
        while (this.spool.batches > 0) {
            try {
                return { batch: this.spool.peek()!, fromSpool: true, alsoSpooled: false };
            } catch (err) {
                if (!(err instanceof SpoolCorruptError)) throw err;
                this.spool.ack();
                this.failed += err.points;
                this.emit('error', err);
            }
        }
        const batch = this.memory.shift();
        if (batch === undefined) return undefined;
        this.memoryPoints -= batch.points;
        return { batch, fromSpool: false, alsoSpooled: false };
    }

    private delivered(job: InFlight, { written, rejected, lost }: Delivery): void {
        const replayed = job.fromSpool || job.alsoSpooled;
        if (replayed) {
            this.spool.ack();
            this.noteReplayed(job.batch, written);
        }
        this.written += written;
        this.failed += rejected.length + lost.filter((value) => value.pointLost).length;
        this.retryDelayMs = 0;
        this.state = 'ok';
        this.problem = undefined;
        this.lastReportedProblem = undefined;
        for (const line of rejected) this.emit('rejected', line);
        for (const value of lost) this.emit('lost', value);
        this.emit('written', { points: written, replayed, bytes: job.batch.bytes });
        if (replayed && this.spool.batches === 0) {
            const drained = this.drained;
            this.drained = { points: 0, from: Infinity, to: -Infinity };
            this.emit('drained', drained);
        }
        this.statsChanged();
    }

    private noteReplayed(batch: SpoolBatch, written: number): void {
        this.drained.points += written;
        const span = timeSpanOfLines(batch.bytes.toString('utf8'), this.precision);
        if (span === undefined) return;
        this.drained.from = Math.min(this.drained.from, span.from);
        this.drained.to = Math.max(this.drained.to, span.to);
    }

    private undelivered(job: InFlight, kind: 'retry' | 'misconfigured', problem: WriteProblem): void {
        this.inFlight = undefined;
        const notYetSpooled = job.fromSpool || job.alsoSpooled ? [] : [job.batch];
        this.moveMemoryToSpool({ kind: kind === 'retry' ? 'unavailable' : 'misconfigured', problem }, notYetSpooled);
        this.state = kind === 'retry' ? 'retrying' : 'misconfigured';
        this.problem = problem;
        // An outage is expected and shows in the stats; a configuration error needs the user.
        const text = problemText(problem);
        if (kind === 'misconfigured' && text !== this.lastReportedProblem) {
            this.lastReportedProblem = text;
            this.emit('error', new InfluxWriteError(problem));
        }
        this.statsChanged();
    }

    /** Backs off, then probes GET /ping until InfluxDB answers; returns early when closing. */
    private async waitForInflux(): Promise<void> {
        while (this.closing === undefined) {
            this.retryDelayMs = this.retryDelayMs === 0 ? this.retryMinMs : Math.min(this.retryDelayMs * 2, this.retryMaxMs);
            await this.sleep(this.retryDelayMs);
            if (this.closing !== undefined) return;
            const ping = await this.request('GET', this.pingPath);
            if (ping.status !== 0 && ping.status < 500) return;
            this.problem = this.problemOf(ping);
            this.statsChanged();
        }
    }

    private sleep(ms: number): Promise<void> {
        return new Promise((resolve) => {
            this.endSleep = () => {
                clearTimeout(this.sleepTimer);
                this.endSleep = undefined;
                resolve();
            };
            this.sleepTimer = setTimeout(this.endSleep, ms);
        });
    }

    private async deliver(batch: SpoolBatch): Promise<Outcome> {
        const answer = await this.request('POST', this.writePath, batch.bytes);
        const verdict = verdictOf(answer);
        const delivery: Delivery = { written: 0, rejected: [], lost: [], retyped: new Set() };
        if (verdict === 'written') {
            delivery.written = batch.points;
            return { kind: 'delivered', delivery };
        }
        if (verdict !== 'bad lines') return { kind: verdict, problem: this.problemOf(answer) };
        return (await this.sortOut(splitLines(batch.bytes.toString('utf8')), answer, delivery)) ?? { kind: 'delivered', delivery };
    }

    /** Sends lines again, sorting out what InfluxDB refuses; an outcome when InfluxDB stopped taking points. */
    private async resend(lines: string[], delivery: Delivery): Promise<Outcome | undefined> {
        const answer = await this.request('POST', this.writePath, Buffer.from(lines.join('\n')));
        const verdict = verdictOf(answer);
        if (verdict === 'written') delivery.written += lines.length;
        // The whole batch is tried again later; the lines written so far are then rewritten.
        else if (verdict !== 'bad lines') return { kind: verdict, problem: this.problemOf(answer) };
        else return this.sortOut(lines, answer, delivery);
        return undefined;
    }

    /**
     * Finds the bad lines of a refused request: all of them when InfluxDB says it dropped them all,
     * a line alone, otherwise each half is tried on its own. InfluxDB 1.x has often written the
     * good points of the refused request already (a "partial write"); writing them again is
     * harmless, since a point with the same series and time replaces itself.
     */
    private async sortOut(lines: string[], refusal: Answer, delivery: Delivery): Promise<Outcome | undefined> {
        if (lines.length === 1 || droppedAll(refusal, lines.length)) return this.settle(lines, refusal, delivery);
        const middle = lines.length >>> 1;
        for (const half of [lines.slice(0, middle), lines.slice(middle)]) {
            const stopped = await this.resend(half, delivery);
            if (stopped !== undefined) return stopped;
        }
        return undefined;
    }

    /**
     * Lines InfluxDB refused together, for the reason it gave. A field type conflict is settled: a
     * line holding that field is sent again with the value in the type InfluxDB holds, or without the
     * value when it has no exact equivalent (lost); another field of it may conflict next, and is
     * settled in turn. A line the conflict is not about (InfluxDB names one reason for all the lines
     * it dropped) goes with them, to get its own answer. Any other reason rejects the lines.
     */
    private async settle(lines: string[], refusal: Answer, delivery: Delivery): Promise<Outcome | undefined> {
        const conflict = fieldTypeConflictOf(refusal.message);
        if (conflict !== undefined) {
            this.fieldTypes?.learn(conflict);
            const again: string[] = [];
            let settled = false;
            for (const line of lines) {
                const fixed = retypeLine(line, conflict);
                if (fixed.kind === 'unrelated' || (fixed.kind === 'retyped' && delivery.retyped.has(fixed.line))) {
                    again.push(line);
                } else if (fixed.kind === 'retyped') {
                    settled = true;
                    delivery.retyped.add(fixed.line);
                    again.push(fixed.line);
                } else {
                    settled = true;
                    const { measurement, field, held } = conflict;
                    delivery.lost.push({ measurement, field, value: fixed.value, held, line, pointLost: fixed.rest === undefined });
                    if (fixed.rest !== undefined) again.push(fixed.rest);
                }
            }
            // Without a line settled, sending them again would only bring the same answer.
            if (settled) return again.length === 0 ? undefined : this.resend(again, delivery);
        }
        for (const line of lines) delivery.rejected.push({ line, status: refusal.status, message: refusal.message });
        return undefined;
    }

    private request(method: 'GET' | 'POST', path: string, payload?: Buffer, retryingStaleSocket = false): Promise<Answer> {
        return new Promise((resolve) => {
            const headers =
                payload === undefined
                    ? this.requestBase.headers
                    : { ...this.requestBase.headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': payload.length };
            const req = this.transport.request({ ...this.requestBase, method, path, headers });
            this.activeRequest = req;
            let settled = false;
            const settle = (answer: Answer) => {
                if (settled) return;
                settled = true;
                clearTimeout(timer);
                if (this.activeRequest === req) this.activeRequest = undefined;
                resolve(answer);
            };
            const fail = (err: NodeJS.ErrnoException) => {
                // A kept-alive socket the server had closed: the request never reached it, so try once on a new one.
                if (req.reusedSocket && err.code === 'ECONNRESET' && !retryingStaleSocket && !settled) {
                    settled = true;
                    clearTimeout(timer);
                    resolve(this.request(method, path, payload, true));
                    return;
                }
                // OpenSSL's messages end with a newline.
                settle({ status: 0, message: err.message.trim(), code: err.code });
            };
            const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.requestTimeoutMs} ms`)), this.requestTimeoutMs);
            req.on('error', fail);
            req.on('response', (res) => {
                const chunks: Buffer[] = [];
                let size = 0;
                res.on('data', (chunk: Buffer) => {
                    if (size >= MAX_MESSAGE_BYTES) return;
                    chunks.push(chunk);
                    size += chunk.length;
                });
                res.on('error', fail);
                res.on('close', () => {
                    if (!res.complete) fail(new Error('the connection closed in the middle of the answer'));
                });
                res.on('end', () => settle({ status: res.statusCode ?? 0, ...errorText(Buffer.concat(chunks).toString('utf8'), res) }));
            });
            req.end(payload);
        });
    }

    private progressed(): void {
        for (const resolve of this.progressWaiters.splice(0)) resolve();
    }

    /** Why InfluxDB did not take a batch, naming the server. */
    private problemOf(answer: Answer): WriteProblem {
        const tls = tlsProblemOf(answer);
        const problem: WriteProblem = {
            server: this.serverName,
            status: answer.status,
            detail: answer.message,
            credentials: this.hasCredentials,
        };
        if (tls !== undefined) problem.tls = tls;
        return problem;
    }

    /** Emits 'stats' now, or at the end of the current interval if one was just emitted; close() emits the last. */
    private statsChanged(): void {
        if (this.statsTimer !== undefined || this.closing !== undefined) return;
        const wait = Math.max(0, this.lastStatsAt + this.statsIntervalMs - Date.now());
        this.statsTimer = setTimeout(() => {
            this.statsTimer = undefined;
            this.lastStatsAt = Date.now();
            this.emit('stats', this.stats);
        }, wait);
        this.statsTimer.unref();
    }
}

/** 'bad lines' is a 4xx about the content: the batch holds points InfluxDB will never take. */
function verdictOf(answer: Answer): 'written' | 'bad lines' | 'retry' | 'misconfigured' {
    const { status } = answer;
    if (status >= 200 && status < 300) return 'written';
    // A certificate not trusted, or TLS against a plain-http port: no retry will fix the settings.
    if (status === 0) return tlsProblemOf(answer) === undefined ? 'retry' : 'misconfigured';
    if (status >= 500 || status === 408 || status === 429) return 'retry';
    // Wrong credentials, no such database (or bucket), or a redirect to another URL: the user must act.
    if (status === 401 || status === 403 || status === 404 || status < 400) return 'misconfigured';
    // Only InfluxDB's own refusal is about the points: influxd's TLS port answers plain http with a
    // text 400 ("Client sent an HTTP request to an HTTPS server"), which would reject every point.
    return answer.fromInflux ? 'bad lines' : 'misconfigured';
}

/** A problem in plain words, without advice: an Error's message, and how repeated reports are told apart. */
function problemText(problem: WriteProblem): string {
    const what =
        problem.status === 0
            ? `${problem.server} unreachable: ${problem.detail}`
            : `${problem.server} answered ${problem.status}: ${problem.detail}`;
    return problem.tls === undefined ? what : `${what} (TLS: ${problem.tls})`;
}

/**
 * InfluxDB 1.x counts the points it dropped for a type conflict or an invalid name ("partial
 * write: … dropped=3"); lines it could not parse are not in that count, so a count equal to the
 * number of lines sent means every one of them was refused, without a request per line to prove it.
 */
function droppedAll(answer: Answer, lines: number): boolean {
    const dropped = /\bdropped=(\d+)$/.exec(answer.message);
    return dropped !== null && Number(dropped[1]) === lines;
}

/** InfluxDB 1.x answers {"error": "..."}, 2.x {"code": ..., "message": "..."}. */
function errorText(body: string, res: http.IncomingMessage): { message: string; fromInflux: boolean } {
    try {
        const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
        const text = parsed.error ?? parsed.message;
        if (typeof text === 'string') return { message: text, fromInflux: true };
    } catch {
        // not JSON: a proxy's page, influxd's TLS port refusing plain http, or nothing
    }
    return { message: body.trim().slice(0, 300) || res.statusMessage || '', fromInflux: false };
}
