/**
 * `influx-server`: the connection to one InfluxDB database, shared by the influx-store and
 * influx-history nodes: its URL, credentials and TLS options (from a core `tls-config` node), an
 * `influx` client for queries, and, when asked, the retention layout of lib/store/retention
 * (database, policies, continuous queries), set up at start and retried until InfluxDB answers.
 */
import type * as https from 'node:https';
import { InfluxDB } from 'influx';
import { RequestError } from 'influx/lib/src/pool';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { AvailablePolicies } from '../../lib/store/history-query';
import { durationHours, quoteIdentifier, rollupStatements, ROLLUP_1H_POLICY, ROLLUP_1M_POLICY, setupStatements, type RetentionSettings } from '../../lib/store/retention';
import { tlsProblemOf, type TlsProblem } from '../../lib/store/tls-problems';
import { ConfigError, parseInfluxServer, type InfluxServer, type InfluxServerCredentials, type InfluxServerProperties } from './config';

type InfluxServerDef = NodeDef & InfluxServerProperties;

/** The core `tls-config` node (@node-red/nodes core/network/05-tls.js), as far as this node uses it. */
interface TlsConfigNode extends Node {
    /** False when it could not read its certificate files: it has said why with its own error. */
    valid: boolean;
    /**
     * Fills `opts` with its CA, certificate, key and passphrase (when valid), servername, ALPN
     * protocol, and `rejectUnauthorized` from its "verify server certificate" box; returns `opts`.
     */
    addTLSOptions(opts: https.RequestOptions): https.RequestOptions;
}

const TLS_PROBLEM_KEYS: Record<TlsProblem, string> = {
    'untrusted certificate': 'influx-server.errors.certificateUntrusted',
    'not tls': 'influx-server.errors.notTls',
    'tls expected': 'influx-server.errors.httpsExpected',
};

interface StatementResult {
    error?: string;
    series?: { name: string; columns: string[]; values?: unknown[][] }[];
}

/** The first retry of the retention setup; each failure doubles it, up to the maximum. */
const SETUP_RETRY_MIN_MS = 5000;
const SETUP_RETRY_MAX_MS = 5 * 60_000;
/** Queries are short; a server that does not answer within this is reported as down. */
const QUERY_TIMEOUT_MS = 10_000;
const HOUR_MS = 3_600_000;
/**
 * The client's pool takes a host that failed out of use for a while (up to 10 s): with a single
 * host, the queries in that while fail with "No host available" instead of the reason, even once
 * InfluxDB is back. A delay of 0 keeps it in use. With it, no retries: a host that does not answer
 * would take three timeouts to report.
 */
const KEEP_HOST = { getDelay: () => 0, next: () => KEEP_HOST, reset: () => KEEP_HOST };

export = function (RED: NodeAPI) {
    function InfluxServerNode(this: InfluxServer, def: InfluxServerDef) {
        RED.nodes.createNode(this, def);
        const node = this;

        /** The options https takes from the tls-config node `id`; a ConfigError when there is no such node or it could not read its files. */
        function tlsOptionsOf(id: string): https.RequestOptions {
            const tlsConfig = RED.nodes.getNode(id) as TlsConfigNode | null;
            if (tlsConfig === null || tlsConfig.type !== 'tls-config') throw new ConfigError('influx-server.errors.tlsConfig', 'tlsConfig', id);
            // Without its files it would still give rejectUnauthorized, and every request would fail on the certificate instead.
            if (!tlsConfig.valid) throw new ConfigError('influx-server.errors.tlsConfigInvalid', 'tlsConfig', id);
            return tlsConfig.addTLSOptions({});
        }

        try {
            const parsed = parseInfluxServer(def);
            node.tlsOptions = parsed.tlsConfig === undefined ? undefined : tlsOptionsOf(parsed.tlsConfig);
            node.settings = parsed;
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            node.configError = RED._(err.key, { value: String(err.value) });
            node.error(`${node.configError} (${err.property}: ${JSON.stringify(err.value)})`);
        }
        const settings = node.settings;
        // The store and history nodes check `settings` first and report `configError`: nothing else is needed.
        if (settings === undefined) return;

        const credentials = node.credentials ?? {};
        const username = credentials.username || undefined;
        const password = credentials.password || undefined;
        // Every InfluxDB 2.x takes a token in its own scheme on the v1 API; Basic with a token as the
        // password only works for some releases and setups. A username there is a v1 authorization's.
        node.token = settings.version === '2.x-v1' && username === undefined ? password : undefined;
        // Basic with an empty username: InfluxDB 1.x then says the credentials are wrong, not missing.
        node.username = node.token === undefined ? (username ?? (password === undefined ? undefined : '')) : undefined;
        node.password = node.token === undefined ? password : undefined;
        // An IPv6 address goes in brackets in a URL.
        const hostPort = `${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.port}`;
        node.url = `${settings.tls ? 'https' : 'http'}://${hostPort}`;
        node.client = new InfluxDB({
            host: settings.host,
            port: settings.port,
            protocol: settings.tls ? 'https' : 'http',
            database: settings.database,
            // Not undefined: the client would fill in its default 'root' and send root:root. A username
            // that is not a string is how it sends no credentials at all (its types omit that).
            username: node.username ?? (null as unknown as string),
            password: node.password,
            options: node.token === undefined ? node.tlsOptions : { ...node.tlsOptions, headers: { authorization: `Token ${node.token}` } },
            pool: { requestTimeout: QUERY_TIMEOUT_MS, backoff: KEEP_HOST, maxRetries: 0 },
        });

        const serverName = `InfluxDB ${hostPort}/${settings.database}`;

        /** Why a query got no answer, plain words first; the statement when the answer is about it. */
        function failureOf(err: Error, statement: string): string {
            const status = err instanceof RequestError ? err.res.statusCode : undefined;
            const tlsProblem = tlsProblemOf({ code: (err as NodeJS.ErrnoException).code, message: err.message, status });
            if (tlsProblem !== undefined) return `${RED._(TLS_PROBLEM_KEYS[tlsProblem])} (${err.message.trim()})`;
            if (!(err instanceof RequestError)) return err.message;
            if (status === 401) return `${RED._(node.username === undefined && node.token === undefined ? 'influx-server.errors.credentialsNeeded' : 'influx-server.errors.credentialsRefused')} (${err.message})`;
            if (status === 403) return `${RED._('influx-server.errors.forbidden')} (${err.message}) (${statement})`;
            return `${err.message} (${statement})`;
        }

        node.execute = async (statement) => {
            const answer = (await node.client.queryRaw(statement, { method: 'POST', precision: 'ms' }).catch((err: Error) => {
                throw new Error(`${serverName}: ${failureOf(err, statement)}`);
            })) as { results?: StatementResult[]; error?: string };
            const error = answer.error ?? answer.results?.find((r) => r.error !== undefined)?.error;
            if (error !== undefined) throw new Error(`${serverName}: ${error} (${statement})`);
            return answer.results ?? [];
        };

        node.fieldKeys = async () => {
            const policy = settings.retentionPolicy;
            const [result] = await node.execute(policy === undefined ? 'SHOW FIELD KEYS' : `SHOW FIELD KEYS FROM ${quoteIdentifier(policy)}./.*/`);
            return result?.series ?? [];
        };

        node.availablePolicies = async () => {
            // The v1 API of InfluxDB 2.x maps a database and policy to a bucket: its retention is the bucket's.
            if (settings.version !== '1.x') return { raw: { policy: settings.retentionPolicy, days: 0 } };
            const [result] = await node.execute(`SHOW RETENTION POLICIES ON ${quoteIdentifier(settings.database)}`);
            const policies = rowsOf(result).map((row) => ({ name: String(row.name), days: durationHours(String(row.duration)) / 24, isDefault: row.default === true }));
            const raw = policies.find((p) => (settings.retentionPolicy === undefined ? p.isDefault : p.name === settings.retentionPolicy));
            const available: AvailablePolicies = { raw: { policy: settings.retentionPolicy, days: raw?.days ?? 0 } };
            // Rollups are only read when this node fills them: elsewhere they may hold other points, or none.
            if (settings.retention !== undefined) {
                for (const name of [ROLLUP_1M_POLICY, ROLLUP_1H_POLICY] as const) {
                    const rollup = policies.find((p) => p.name === name);
                    if (rollup !== undefined) available[name] = { days: rollup.days };
                }
            }
            return available;
        };

        node.rollUp = async (fromMs, toMs) => {
            if (settings.retention === undefined) return;
            const from = Math.floor(fromMs / HOUR_MS) * HOUR_MS;
            const to = (Math.floor(toMs / HOUR_MS) + 1) * HOUR_MS;
            for (const statement of rollupStatements(settings.database, from, to)) await node.execute(statement);
            node.log(RED._('influx-server.log.rolledUp', { from: new Date(from).toISOString(), to: new Date(to).toISOString() }));
        };

        if (settings.retention === undefined) return;

        const retention = settings.retention;
        let closed = false;
        let retryTimer: NodeJS.Timeout | undefined;
        let lastFailure: string | undefined;

        async function setUpRetention(): Promise<void> {
            const statements = setupStatements(retention, await existingLayout(retention));
            for (const statement of statements) {
                if (closed) return;
                await node.execute(statement);
                node.log(RED._('influx-server.log.statement', { statement }));
            }
        }

        async function existingLayout(layout: RetentionSettings) {
            const [databases] = await node.execute('SHOW DATABASES');
            const names = rowsOf(databases).map((row) => String(row.name));
            if (!names.includes(layout.database)) return { databases: names, policies: [], continuousQueries: [] };
            const db = quoteIdentifier(layout.database);
            const [policies] = await node.execute(`SHOW RETENTION POLICIES ON ${db}`);
            const [queries] = await node.execute('SHOW CONTINUOUS QUERIES');
            return {
                databases: names,
                policies: rowsOf(policies).map((row) => ({ name: String(row.name), duration: String(row.duration), default: row.default === true })),
                continuousQueries: rowsOf(queries, layout.database).map((row) => ({ name: String(row.name), query: String(row.query) })),
            };
        }

        function attempt(delayMs: number): void {
            setUpRetention().then(() => {
                if (lastFailure !== undefined && !closed) node.log(RED._('influx-server.log.retentionReady', { database: retention.database }));
            }, (err: Error) => {
                if (closed) return;
                // One report per distinct failure: an InfluxDB that stays down must not flood the log.
                if (err.message !== lastFailure) node.warn(RED._('influx-server.errors.retentionSetup', { error: err.message, seconds: Math.round(delayMs / 1000) }));
                lastFailure = err.message;
                retryTimer = setTimeout(() => attempt(Math.min(delayMs * 2, SETUP_RETRY_MAX_MS)), delayMs);
            });
        }
        attempt(SETUP_RETRY_MIN_MS);

        node.on('close', (_removed: boolean, done: () => void) => {
            closed = true;
            clearTimeout(retryTimer);
            done();
        });
    }

    RED.nodes.registerType<InfluxServer, InfluxServerDef, unknown, InfluxServerCredentials>('influx-server', InfluxServerNode, {
        credentials: {
            username: { type: 'text' },
            password: { type: 'password' },
        },
    });
};

/** The rows of a statement's result as objects keyed by column (of the series named `series`, if given). */
function rowsOf(result: StatementResult | undefined, series?: string): Record<string, unknown>[] {
    const found = result?.series?.find((s) => series === undefined || s.name === series);
    if (found === undefined) return [];
    return (found.values ?? []).map((values) => Object.fromEntries(found.columns.map((column, i) => [column, values[i]])));
}
