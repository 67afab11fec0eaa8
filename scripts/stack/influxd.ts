/**
 * A private InfluxDB 1.x server for the demo and the integration tests: its own config, data and
 * ports under one folder, loopback only, over http or https, stopped by whoever started it.
 * Starting again on the same folder reopens the same databases (the demo runs twice in a row on
 * one data folder).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { quoteIdentifier } from '../../lib/store/retention';
import { freePort, HOST, supervise } from './service';

/** An InfluxDB user, sent with HTTP Basic authentication. */
export interface InfluxCredentials {
    username: string;
    password: string;
}

/** PEM files. */
export interface InfluxdHttps {
    /** The certificate influxd serves (for 127.0.0.1: an IP subject alternative name) and its key. */
    certificate: string;
    privateKey: string;
    /**
     * The CA certificate that signed `certificate` (`certificate` itself when self-signed): the
     * readiness probe and influxQuery/influxWrite trust it for this server's URL.
     */
    ca: string;
}

export interface InfluxdOptions {
    /** Holds influxdb.conf, influxd.pid, meta/, data/ and wal/; created if missing, reused if not. */
    dataDir: string;
    /** HTTP port; a free one when omitted or 0. */
    port?: number;
    /** Runs the continuous-query service (the store's downsampling relies on it). */
    continuousQueries?: boolean;
    /** Receives each line influxd writes (its log goes to stderr). */
    log?: (line: string) => void;
    /**
     * Turns authentication on (`auth-enabled`) with this admin user, created once influxd answers
     * (InfluxDB 1.x takes the first admin user without credentials); kept when started again on
     * the same folder with the same password.
     */
    auth?: InfluxCredentials;
    /** Serves https instead of http (`https-enabled`); the URL is then `https://…`. */
    https?: InfluxdHttps;
}

export interface Influxd {
    url: string;
    port: number;
    host: '127.0.0.1';
    pid: number;
    /** SIGTERM, then SIGKILL if influxd has not exited after 10 s. Safe to call twice. */
    stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
/** How long the readiness probe waits for one answer. */
const PROBE_TIMEOUT_MS = 2000;
const STOP_GRACE_MS = 10_000;
/** How much of influxd's output is kept for error messages. */
const OUTPUT_TAIL_CHARS = 4000;
/** Free ports are probed then released, so another process can take one first: retry a few times. */
const PORT_ATTEMPTS = 3;

export async function startInfluxd(options: InfluxdOptions): Promise<Influxd> {
    const dataDir = path.resolve(options.dataDir);
    fs.mkdirSync(dataDir, { recursive: true });
    const pidFile = path.join(dataDir, 'influxd.pid');
    refuseIfRunning(pidFile, dataDir);
    for (let attempt = 1; ; attempt++) {
        const httpPort = options.port || (await freePort());
        const rpcPort = await freePort();
        try {
            return await launch(options, dataDir, pidFile, httpPort, rpcPort);
        } catch (err) {
            const portTaken = err instanceof Error && /address already in use/.test(err.message);
            if (!portTaken || attempt === PORT_ATTEMPTS) throw err;
        }
    }
}

async function launch(options: InfluxdOptions, dataDir: string, pidFile: string, httpPort: number, rpcPort: number): Promise<Influxd> {
    const configFile = path.join(dataDir, 'influxdb.conf');
    fs.writeFileSync(
        configFile,
        influxdConfig(dataDir, httpPort, rpcPort, options.continuousQueries ?? true, options.auth !== undefined, options.https),
    );
    const url = `${options.https === undefined ? 'http' : 'https'}://${HOST}:${httpPort}`;
    if (options.https !== undefined) trustedCas.set(url, fs.readFileSync(options.https.ca));
    const child = spawn('influxd', ['run', '-config', configFile, '-pidfile', pidFile], { stdio: ['ignore', 'pipe', 'pipe'] });

    let outputTail = '';
    let partialLine = '';
    const onOutput = (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        outputTail = (outputTail + text).slice(-OUTPUT_TAIL_CHARS);
        if (options.log === undefined) return;
        const lines = (partialLine + text).split('\n');
        partialLine = lines.pop() ?? '';
        for (const line of lines) options.log(line);
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);

    const supervised = supervise(child, 'SIGTERM', STOP_GRACE_MS);
    const stop = async () => {
        await supervised.stop();
        trustedCas.delete(url);
    };
    /** Why the readiness probe's last GET /ping failed: over https, a CA that does not trust the certificate shows here. */
    let probeFailure = '';
    const pinged = async () => {
        try {
            return (await exchange('GET', `${url}/ping`, undefined, {}, PROBE_TIMEOUT_MS)).status === 204;
        } catch (err) {
            probeFailure = (err as Error).message;
            return false;
        }
    };
    const describe = (reason: string) =>
        new Error(`influxd ${reason} (config ${configFile})\n--- influxd output (tail) ---\n${outputTail.trim()}`);
    try {
        await supervised.waitUntil(pinged, READY_TIMEOUT_MS, (reason) =>
            describe(`${reason} (last GET /ping: ${probeFailure || 'no answer'})`),
        );
    } catch (err) {
        trustedCas.delete(url);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            throw new Error(
                'influxd (InfluxDB 1.x) is not on the PATH: install it with `apt-get install influxdb` (bash scripts/test.sh does so on Debian)',
            );
        }
        throw err;
    }
    if (options.auth !== undefined) {
        const { username, password } = options.auth;
        try {
            // The credentials are ignored while no admin user exists, and authenticate it on a restart.
            await influxQuery(
                url,
                undefined,
                `CREATE USER ${quoteIdentifier(username)} WITH PASSWORD ${influxString(password)} WITH ALL PRIVILEGES`,
                options.auth,
            );
        } catch (err) {
            await stop();
            // The first line only: the statement that follows holds the password.
            throw describe(`did not create its admin user ${username}: ${(err as Error).message.split('\n')[0]}`);
        }
    }
    return { url, port: httpPort, host: HOST, pid: child.pid!, stop };
}

/** An InfluxQL string literal (a password in CREATE USER). */
export function influxString(text: string): string {
    return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function influxdConfig(
    dataDir: string,
    httpPort: number,
    rpcPort: number,
    continuousQueries: boolean,
    authEnabled: boolean,
    httpsFiles: InfluxdHttps | undefined,
): string {
    const dir = (name: string) => JSON.stringify(path.join(dataDir, name));
    const httpsSettings =
        httpsFiles === undefined
            ? '  https-enabled = false'
            : `  https-enabled = true
  https-certificate = ${JSON.stringify(path.resolve(httpsFiles.certificate))}
  https-private-key = ${JSON.stringify(path.resolve(httpsFiles.privateKey))}`;
    return `# Written by scripts/stack/influxd.ts at each start: ports change from one run to the next.
reporting-disabled = true
bind-address = "${HOST}:${rpcPort}"

[meta]
  dir = ${dir('meta')}

[data]
  dir = ${dir('data')}
  wal-dir = ${dir('wal')}
  query-log-enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "${HOST}:${httpPort}"
  auth-enabled = ${authEnabled}
${httpsSettings}
  log-enabled = false

[continuous_queries]
  enabled = ${continuousQueries}
`;
}

/**
 * Two influxd processes on one data folder would corrupt it, and a demo stopped with Ctrl-C can
 * leave one behind: refuse to start, naming the process, rather than kill something we did not start.
 */
function refuseIfRunning(pidFile: string, dataDir: string): void {
    let pid: number;
    try {
        pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    } catch {
        return;
    }
    let cmdline: string;
    try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
        return; // gone: influxd was killed before it could remove its pid file
    }
    if (cmdline.includes('influxd') && cmdline.includes(pidFile)) {
        throw new Error(`an influxd (pid ${pid}) is already running on ${dataDir}: stop it first (kill ${pid})`);
    }
}

export interface InfluxSeries {
    name: string;
    tags?: Record<string, string>;
    columns: string[];
    values: unknown[][];
}

export interface InfluxStatementResult {
    statement_id: number;
    series?: InfluxSeries[];
}

/** Runs InfluxQL (POST, so CREATE/DROP work too), as `auth` when given; throws on the first statement error. */
export async function influxQuery(
    url: string,
    db: string | undefined,
    q: string,
    auth?: InfluxCredentials,
): Promise<InfluxStatementResult[]> {
    const form = new URLSearchParams({ q });
    if (db !== undefined) form.set('db', db);
    const res = await exchange('POST', `${url}/query`, form.toString(), {
        ...authorization(auth),
        'content-type': 'application/x-www-form-urlencoded',
    });
    let body: { error?: string; results?: (InfluxStatementResult & { error?: string })[] };
    try {
        body = JSON.parse(res.body) as typeof body;
    } catch {
        throw new Error(`InfluxDB query failed (HTTP ${res.status}, not JSON): ${res.body.trim().slice(0, 300)}\n  ${q}`);
    }
    const error = body.error ?? body.results?.find((r) => r.error !== undefined)?.error;
    if (res.status !== 200 || error !== undefined)
        throw new Error(`InfluxDB query failed (HTTP ${res.status}): ${error ?? 'no error text'}\n  ${q}`);
    return body.results ?? [];
}

/** Writes line protocol, as `auth` when given; timestamps are in `precision` units (InfluxDB's default: ns). */
export async function influxWrite(
    url: string,
    db: string,
    lineProtocol: string,
    precision: 'ns' | 'u' | 'ms' | 's' = 'ns',
    auth?: InfluxCredentials,
): Promise<void> {
    const res = await exchange('POST', `${url}/write?${new URLSearchParams({ db, precision })}`, lineProtocol, authorization(auth));
    if (res.status !== 204) throw new Error(`InfluxDB write to ${db} failed (HTTP ${res.status}): ${res.body.trim()}`);
}

/** The CA each https influxd started here (and not stopped yet) was given, by URL. */
const trustedCas = new Map<string, Buffer>();

/**
 * One request and its whole answer. An https URL must be an influxd started here: it is trusted
 * with the CA given to startInfluxd (fetch cannot take a CA without undici's Agent, which Node
 * does not expose).
 */
function exchange(
    method: 'GET' | 'POST',
    url: string,
    body: string | undefined,
    headers: Record<string, string>,
    timeoutMs?: number,
): Promise<{ status: number; body: string }> {
    const target = new URL(url);
    const ca = trustedCas.get(target.origin);
    if (target.protocol === 'https:' && ca === undefined)
        return Promise.reject(new Error(`${target.origin} is not an https influxd started by startInfluxd: its CA is unknown`));
    return new Promise((resolve, reject) => {
        const options: https.RequestOptions = { method, headers, ca, timeout: timeoutMs };
        const req = target.protocol === 'https:' ? https.request(target, options) : http.request(target, options);
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.on('response', (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.end(body);
    });
}

function authorization(auth: InfluxCredentials | undefined): Record<string, string> {
    return auth === undefined ? {} : { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}

/**
 * Why no InfluxDB answers at `url` (connection refused, no answer, not InfluxDB), or undefined
 * when one does: GET /ping, answered 204 with InfluxDB's version header (1.x and 2.x alike).
 */
export async function influxProblem(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | undefined> {
    let res: Response;
    try {
        res = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
        if ((err as Error).name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
        const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
        if (cause?.code === 'ECONNREFUSED') return 'connection refused';
        return cause?.message ?? (err as Error).message;
    }
    await res.body?.cancel();
    if (res.status === 204 && res.headers.has('x-influxdb-version')) return undefined;
    const version = res.headers.has('x-influxdb-version') ? '' : ', without an InfluxDB version';
    return `GET /ping answered HTTP ${res.status}${version}: not an InfluxDB`;
}
