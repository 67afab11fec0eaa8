/**
 * One InfluxDB database (1.x, or 2.x through its v1 API) as the store and history see it, apart
 * from writes: InfluxQL statements through the `influx` client, the field keys and retention
 * policies they read, the rollups of points written late, and, when asked, the retention layout
 * of ./retention, set up and retried until InfluxDB answers. Writes go through InfluxWriter, which
 * takes `connection`.
 *
 * A statement that gets no usable answer rejects with an InfluxAdminError: the reason and its
 * data, which the owner words in its user's language.
 */
import { EventEmitter } from 'node:events';
import type * as https from 'node:https';
import { InfluxDB } from 'influx';
import { RequestError, ServiceNotAvailableError } from 'influx/lib/src/pool';
import type { AvailablePolicies } from './history-query';
import type { InfluxWriterOptions } from './influx-writer';
import {
    durationHours,
    quoteIdentifier,
    rollupStatements,
    setupStatements,
    ROLLUP_1H_POLICY,
    ROLLUP_1M_POLICY,
    type ExistingLayout,
    type RetentionSettings,
} from './retention';
import { tlsProblemOf, type TlsProblem } from './tls-problems';

export type InfluxVersion = '1.x' | '2.x-v1';

/** Where the database is, and how its points are kept. */
export interface InfluxDatabase {
    host: string;
    port: number;
    database: string;
    /** https rather than http. */
    tls: boolean;
    version: InfluxVersion;
    /** The policy points are written to and raw points read from; undefined for the database's default. */
    retentionPolicy: string | undefined;
    /** Present when the service manages the database's retention (create database, policies, continuous queries). */
    retention: RetentionSettings | undefined;
}

export interface InfluxAdminOptions extends InfluxDatabase {
    /**
     * What https takes from a TLS configuration (CA, client certificate, whether the server's
     * certificate is verified); undefined for Node.js's own trust (its CAs, NODE_EXTRA_CA_CERTS).
     */
    tlsOptions?: https.RequestOptions;
    /** The credentials as entered (empty is none): with version 2.x-v1, a password without a username is an API token. */
    username?: string;
    password?: string;
    /** Queries are short; a server that does not answer within this is reported as down. */
    requestTimeoutMs?: number;
    /** The retention set-up's first retry; each failure doubles it, up to the maximum. */
    retentionRetryMinMs?: number;
    retentionRetryMaxMs?: number;
}

/** What InfluxWriter needs to reach the database. */
export type InfluxConnection = Pick<
    InfluxWriterOptions,
    'url' | 'database' | 'retentionPolicy' | 'username' | 'password' | 'token' | 'tls'
>;

export interface StatementResult {
    error?: string;
    series?: { name: string; columns: string[]; values?: unknown[][] }[];
}

/** Why a statement got no usable answer. */
export type InfluxFailure =
    /** No HTTP answer (refused, reset, a host name that does not resolve); `code` is Node.js's: ECONNREFUSED, ENOTFOUND… */
    | { reason: 'unreachable'; code: string | undefined }
    | { reason: 'timeout'; ms: number }
    /** The TLS settings do not match the server's. */
    | { reason: 'tls'; problem: TlsProblem }
    /** A 3xx or 4xx: 401 with or without credentials sent, 403 for a statement the user may not run… */
    | { reason: 'status'; status: number; credentials: boolean }
    /** A 5xx: the client keeps only its status text. */
    | { reason: 'server error' }
    /** An answer that is not InfluxDB's JSON (a proxy's page). */
    | { reason: 'unreadable' }
    /** InfluxDB ran the statement and answered an error. */
    | { reason: 'influxql' };

export class InfluxAdminError extends Error {
    constructor(
        /** `InfluxDB host:port/database` */
        readonly server: string,
        readonly failure: InfluxFailure,
        /** What InfluxDB or Node.js said, verbatim: `401 Unauthorized: {"error":…}`, `connect ECONNREFUSED…`, an InfluxQL error. */
        readonly detail: string,
        readonly statement: string,
    ) {
        // Every datum is in the message: two failures with the same message are the same failure.
        super(`${server}: ${JSON.stringify(failure)} ${detail} (${statement})`);
    }
}

export interface InfluxAdminEvents {
    /** A statement of the retention set-up ran. */
    retentionStatement: [statement: string];
    /** The retention set-up failed, and is tried again in `retryInMs`; once per distinct failure in a row. */
    retentionFailed: [error: Error, retryInMs: number];
    /** The retention set-up succeeded after failing (a first attempt that succeeds says so by its statements). */
    retentionRecovered: [];
    /** rollUp ran the continuous queries over [fromMs, toMs). */
    rolledUp: [fromMs: number, toMs: number];
}

const HOUR_MS = 3_600_000;
/**
 * The client's pool takes a host that failed out of use for a while (up to 10 s): with a single
 * host, the queries in that while fail with "No host available" instead of the reason, even once
 * InfluxDB is back. A delay of 0 keeps it in use. With it, no retries: a host that does not answer
 * would take three timeouts to report.
 */
const KEEP_HOST = { getDelay: () => 0, next: () => KEEP_HOST, reset: () => KEEP_HOST };
/** What the client's pool rejects with when a request outlives its timeout. */
const CLIENT_TIMEOUT_MESSAGE = 'Request timed out';

export class InfluxAdmin extends EventEmitter<InfluxAdminEvents> {
    readonly connection: InfluxConnection;
    private readonly settings: InfluxDatabase;
    /** `InfluxDB host:port/database`, as errors name the server. */
    private readonly serverName: string;
    private readonly client: InfluxDB;
    private readonly requestTimeoutMs: number;
    private readonly retryMinMs: number;
    private readonly retryMaxMs: number;
    private retryTimer: NodeJS.Timeout | undefined;
    private closed = false;

    constructor(options: InfluxAdminOptions) {
        super();
        const { host, port, database, tls, version, retentionPolicy, retention } = options;
        this.settings = { host, port, database, tls, version, retentionPolicy, retention };
        this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
        this.retryMinMs = options.retentionRetryMinMs ?? 5000;
        this.retryMaxMs = options.retentionRetryMaxMs ?? 5 * 60_000;

        const username = options.username || undefined;
        const password = options.password || undefined;
        // Every InfluxDB 2.x takes a token in its own scheme on the v1 API; Basic with a token as the
        // password only works for some releases and setups. A username there is a v1 authorization's.
        const token = version === '2.x-v1' && username === undefined ? password : undefined;
        // Basic with an empty username: InfluxDB 1.x then says the credentials are wrong, not missing.
        const basicUsername = token === undefined ? (username ?? (password === undefined ? undefined : '')) : undefined;
        const basicPassword = token === undefined ? password : undefined;
        // An IPv6 address goes in brackets in a URL.
        const hostPort = `${host.includes(':') ? `[${host}]` : host}:${port}`;
        this.serverName = `InfluxDB ${hostPort}/${database}`;
        this.connection = {
            url: `${tls ? 'https' : 'http'}://${hostPort}`,
            database,
            retentionPolicy,
            username: basicUsername,
            password: basicPassword,
            token,
            tls: options.tlsOptions,
        };
        this.client = new InfluxDB({
            host,
            port,
            protocol: tls ? 'https' : 'http',
            database,
            // Not undefined: the client would fill in its default 'root' and send root:root. A username
            // that is not a string is how it sends no credentials at all (its types omit that).
            username: basicUsername ?? (null as unknown as string),
            password: basicPassword,
            options: token === undefined ? options.tlsOptions : { ...options.tlsOptions, headers: { authorization: `Token ${token}` } },
            pool: { requestTimeout: this.requestTimeoutMs, backoff: KEEP_HOST, maxRetries: 0 },
        });
    }

    /** Whether the service keeps the retention layout (hence fills the rollups). */
    get managesRetention(): boolean {
        return this.settings.retention !== undefined;
    }

    /** Runs one InfluxQL statement (or several, separated by semicolons); rejects with an InfluxAdminError. */
    async execute(statement: string): Promise<StatementResult[]> {
        const answer = (await this.client.queryRaw(statement, { method: 'POST', precision: 'ms' }).catch((err: Error) => {
            throw this.failureOf(err, statement);
        })) as { results?: StatementResult[]; error?: string };
        const error = answer.error ?? answer.results?.find((r) => r.error !== undefined)?.error;
        if (error !== undefined) throw new InfluxAdminError(this.serverName, { reason: 'influxql' }, error, statement);
        return answer.results ?? [];
    }

    /** SHOW FIELD KEYS of the policy points are written to, as InfluxDB answers it (one series per measurement). */
    async fieldKeys(): Promise<{ name: string; values?: unknown[][] }[]> {
        const policy = this.settings.retentionPolicy;
        const statement = policy === undefined ? 'SHOW FIELD KEYS' : `SHOW FIELD KEYS FROM ${quoteIdentifier(policy)}./.*/`;
        const [result] = await this.execute(statement);
        return result?.series ?? [];
    }

    /** The policies influx-history can read, and how long each keeps its points. */
    async availablePolicies(): Promise<AvailablePolicies> {
        const { version, database, retentionPolicy } = this.settings;
        // The v1 API of InfluxDB 2.x maps a database and policy to a bucket: its retention is the bucket's.
        if (version !== '1.x') return { raw: { policy: retentionPolicy, days: 0 } };
        const [result] = await this.execute(`SHOW RETENTION POLICIES ON ${quoteIdentifier(database)}`);
        const policies = rowsOf(result).map((row) => ({
            name: String(row.name),
            days: durationHours(String(row.duration)) / 24,
            isDefault: row.default === true,
        }));
        const raw = policies.find((p) => (retentionPolicy === undefined ? p.isDefault : p.name === retentionPolicy));
        const available: AvailablePolicies = { raw: { policy: retentionPolicy, days: raw?.days ?? 0 } };
        // Rollups are only read when this service fills them: elsewhere they may hold other points, or none.
        if (this.managesRetention) {
            for (const name of [ROLLUP_1M_POLICY, ROLLUP_1H_POLICY] as const) {
                const rollup = policies.find((p) => p.name === name);
                if (rollup !== undefined) available[name] = { days: rollup.days };
            }
        }
        return available;
    }

    /**
     * With managed retention, runs the continuous queries over the whole hours around [fromMs, toMs]:
     * points written after their queries ran (a spool replayed after an outage) reach the rollups.
     * Resolves at once without managed retention.
     */
    async rollUp(fromMs: number, toMs: number): Promise<void> {
        if (!this.managesRetention) return;
        const from = Math.floor(fromMs / HOUR_MS) * HOUR_MS;
        const to = (Math.floor(toMs / HOUR_MS) + 1) * HOUR_MS;
        for (const statement of rollupStatements(this.settings.database, from, to)) await this.execute(statement);
        this.emit('rolledUp', from, to);
    }

    /**
     * With managed retention, brings the database to the layout of ./retention, and tries again
     * (the first retry after `retentionRetryMinMs`, doubling up to `retentionRetryMaxMs`) until
     * InfluxDB answers; reports by events. Nothing without managed retention, or once closed.
     */
    setUpRetention(): void {
        const retention = this.settings.retention;
        if (retention === undefined || this.closed) return;
        let lastFailure: string | undefined;
        const attempt = (delayMs: number): void => {
            this.runRetentionSetup(retention).then(
                () => {
                    if (lastFailure !== undefined && !this.closed) this.emit('retentionRecovered');
                },
                (err: Error) => {
                    if (this.closed) return;
                    // One report per distinct failure: an InfluxDB that stays down must not flood the log.
                    if (err.message !== lastFailure) this.emit('retentionFailed', err, delayMs);
                    lastFailure = err.message;
                    this.retryTimer = setTimeout(() => attempt(Math.min(delayMs * 2, this.retryMaxMs)), delayMs);
                },
            );
        };
        attempt(this.retryMinMs);
    }

    /**
     * Stops the retention set-up: no statement of it runs, no event of it is emitted, no timer is
     * left. Queries in flight finish: the users may still be closing (a store flushing its points).
     */
    close(): void {
        this.closed = true;
        clearTimeout(this.retryTimer);
    }

    private async runRetentionSetup(retention: RetentionSettings): Promise<void> {
        const statements = setupStatements(retention, await this.existingLayout(retention.database));
        for (const statement of statements) {
            if (this.closed) return;
            await this.execute(statement);
            this.emit('retentionStatement', statement);
        }
    }

    private async existingLayout(database: string): Promise<ExistingLayout> {
        const [databases] = await this.execute('SHOW DATABASES');
        const names = rowsOf(databases).map((row) => String(row.name));
        if (!names.includes(database)) return { databases: names, policies: [], continuousQueries: [] };
        const db = quoteIdentifier(database);
        const [policies] = await this.execute(`SHOW RETENTION POLICIES ON ${db}`);
        const [queries] = await this.execute('SHOW CONTINUOUS QUERIES');
        return {
            databases: names,
            policies: rowsOf(policies).map((row) => ({
                name: String(row.name),
                duration: String(row.duration),
                default: row.default === true,
            })),
            continuousQueries: rowsOf(queries, database).map((row) => ({ name: String(row.name), query: String(row.query) })),
        };
    }

    /** Why the client got no answer to `statement`, from what it rejected with. */
    private failureOf(err: Error, statement: string): InfluxAdminError {
        const fail = (failure: InfluxFailure, detail: string) => new InfluxAdminError(this.serverName, failure, detail.trim(), statement);
        const code = (err as NodeJS.ErrnoException).code;
        const answer = err instanceof RequestError ? err.res : undefined;
        // The client's message is `A <status> <text> error occurred: <body>`: the body is InfluxDB's words.
        const statusLine = answer === undefined ? undefined : `${answer.statusCode} ${answer.statusMessage}`;
        const body = statusLine === undefined ? undefined : err.message.slice(`A ${statusLine} error occurred: `.length);
        const detail = statusLine === undefined ? err.message : `${statusLine}: ${body}`;
        const problem = tlsProblemOf({ code, message: err.message, status: answer?.statusCode });
        if (problem !== undefined) return fail({ reason: 'tls', problem }, detail);
        if (answer !== undefined) {
            const { username, password, token } = this.connection;
            const credentials = username !== undefined || password !== undefined || token !== undefined;
            return fail({ reason: 'status', status: answer.statusCode ?? 0, credentials }, detail);
        }
        if (err instanceof ServiceNotAvailableError) {
            if (err.message === CLIENT_TIMEOUT_MESSAGE) return fail({ reason: 'timeout', ms: this.requestTimeoutMs }, detail);
            return fail({ reason: 'server error' }, detail);
        }
        // JSON.parse's, on an answer that is not InfluxDB's.
        if (err instanceof SyntaxError) return fail({ reason: 'unreadable' }, detail);
        return fail({ reason: 'unreachable', code }, detail);
    }
}

/** The rows of a statement's result as objects keyed by column (of the series named `series`, if given). */
function rowsOf(result: StatementResult | undefined, series?: string): Record<string, unknown>[] {
    const found = result?.series?.find((s) => series === undefined || s.name === series);
    if (found === undefined) return [];
    return (found.values ?? []).map((values) => Object.fromEntries(found.columns.map((column, i) => [column, values[i]])));
}
