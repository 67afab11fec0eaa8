/**
 * The demo as one function: a private InfluxDB, simulated meters writing real Téléinfo into
 * pseudo-terminals, a mail sink receiving the flows' alert mails, and Node-RED with this package,
 * node-red-dashboard and node-red-node-email running every shipped flow. The demo command and the
 * end-to-end test both start it from here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backfillHistory, METER_TAG, TELEINFO_MEASUREMENT } from '../../sim/history-backfill';
import { readMeterState } from '../../sim/meter-state';
import { openPtyPair, type PtyPair } from '../../sim/pty';
import { startSmtpSink, type SmtpSink } from '../../sim/smtp-sink';
import {
    HistoricMonoHpHcMeter,
    StandardTriProducerMeter,
    type HistoricMeterState,
    type StandardMeterState,
    type TicMeterModel,
    type TicMeterState,
} from '../../sim/tic-frames';
import { startTicSimulator } from '../../sim/tic-meter-sim';
import { prepareFlows, FLOW_FILE, type FlowsOutcome } from './demo-flows';
import { influxProblem, influxQuery, startInfluxd, type Influxd } from './influxd';
import { startNodeRed, type NodeRedOptions, type NodeRedProcess } from './node-red';
import { assertPortFree, freePort, HOST, projectRoot } from './service';

export interface DemoOptions {
    /** Where the demo keeps its state (InfluxDB data, Node-RED userDir and log, meter states, pty links). */
    dir: string;
    /** The editor's and dashboard's port, checked free before anything starts; a free one when omitted or 0. */
    nodeRedPort?: number;
    /** Use an InfluxDB that already runs (e.g. http://127.0.0.1:8086) instead of a private one. */
    influxUrl?: string;
    runtime?: 'node-red' | 'node-red-5';
    nodeBinary?: string;
    /** Simulated seconds per real second for the meters' load curves (1 = real time). */
    speedup?: number;
    /** Deploys the shipped flows over the ones deployed in the editor (those are backed up first). */
    resetFlows?: boolean;
    log?: (line: string) => void;
    /** Each line Node-RED prints, as it prints it (all of them also go to `nodeRedLog`). */
    onNodeRedOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface Demo {
    editorUrl: string;
    dashboardUrl: string;
    influxUrl: string;
    /** Why InfluxDB did not answer when the demo started (it goes on: the flows spool their points), undefined when it did. */
    influxProblem: string | undefined;
    /** The file Node-RED's output goes to; the previous start's is kept beside it with `.1` appended. */
    nodeRedLog: string;
    /** What became of the flow file at this start. */
    flows: FlowsOutcome;
    /** The Node-RED running now: restartNodeRed() replaces it. */
    readonly nodeRed: NodeRedProcess;
    /** Stops Node-RED and starts it again on the same userDir and port, the rest of the demo running on. */
    restartNodeRed(): Promise<void>;
    /** The SMTP server the flows' e-mail nodes send to (SMTP_HOST, SMTP_PORT), with what it received. */
    mailbox: SmtpSink;
    stop(): Promise<void>;
}

/** While InfluxDB does not answer, it is asked again this often, to say when it does. */
const INFLUX_RECHECK_MS = 10_000;

/** Every shipped flow, concatenated into one flow file. */
export function shippedFlows(): unknown[] {
    const dir = path.join(projectRoot, 'flows');
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .flatMap((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as unknown[]);
}

/** The flows' database (their INFLUX_DB default). */
const DATABASE = 'energy';

/** One of the demo's simulated meters: its name (its pty is tic-<name>, its flow variable TIC_<NAME>_PORT) and its model. */
interface DemoMeter {
    name: string;
    create: (options: { state?: TicMeterState; minimumIndexes?: Record<string, number> }) => TicMeterModel;
}

/** The two meters of the Home Linky flow, each at its model's own line speed. */
const DEMO_METERS: readonly DemoMeter[] = [
    { name: 'home', create: ({ state, ...rest }) => new HistoricMonoHpHcMeter({ state: state as HistoricMeterState, ...rest }) },
    { name: 'solar', create: ({ state, ...rest }) => new StandardTriProducerMeter({ state: state as StandardMeterState, ...rest }) },
];

/** The last value InfluxDB holds for each field of a meter ({} when none, or when it cannot say). */
async function lastStored(influxUrl: string, meterId: string): Promise<Record<string, number>> {
    let results;
    try {
        results = await influxQuery(influxUrl, DATABASE, `SELECT last(*) FROM ${TELEINFO_MEASUREMENT} WHERE ${METER_TAG} = '${meterId}'`);
    } catch {
        return {};
    }
    const series = results[0]?.series?.[0];
    if (series === undefined) return {};
    const values: Record<string, number> = {};
    series.columns.forEach((column, i) => {
        const value = series.values[0][i];
        if (column.startsWith('last_') && typeof value === 'number') values[column.slice('last_'.length)] = value;
    });
    return values;
}

/**
 * A simulated meter carrying on from the state it saved in an earlier run. Without one (a first
 * start, or a folder from before meters kept their state) it starts at or above the last indexes
 * InfluxDB holds for it, if it answers: no stored index is ever followed by a lower one.
 */
async function openMeter(
    { name, create }: DemoMeter,
    stateFile: string,
    influxUrl: string | undefined,
    log: (line: string) => void,
): Promise<TicMeterModel> {
    const state = readMeterState(stateFile);
    if (state !== undefined) {
        try {
            const meter = create({ state });
            log(`${name} meter: carries on from its state in ${stateFile}`);
            return meter;
        } catch (err) {
            throw new Error(
                `meter state ${stateFile} cannot be used (${(err as Error).message}): remove it, and the meter carries on ` +
                    'from the last indexes InfluxDB holds',
            );
        }
    }
    const fresh = create({});
    const stored = influxUrl === undefined ? {} : await lastStored(influxUrl, fresh.id);
    if (Object.keys(stored).length === 0) {
        log(`${name} meter: starts from its first indexes, its state kept in ${stateFile} from now on`);
        return fresh;
    }
    log(`${name} meter: no state in ${stateFile}, carries on from the last indexes InfluxDB holds for it`);
    return create({ minimumIndexes: stored });
}

/** Exists while the private InfluxDB's history back-fill runs. */
function unfinishedBackfill(influxdDataDir: string): string {
    return path.join(influxdDataDir, 'history-backfill.unfinished');
}

/** Says when an InfluxDB that did not answer at the start does; returns what stops asking. */
function watchInfluxd(url: string, log: (line: string) => void): () => Promise<void> {
    let asking = false;
    const timer = setInterval(() => {
        if (asking) return;
        asking = true;
        void influxProblem(url).then((problem) => {
            asking = false;
            if (problem !== undefined) return;
            clearInterval(timer);
            log(`InfluxDB at ${url} answers now: the flows send it what they kept meanwhile`);
        });
    }, INFLUX_RECHECK_MS);
    return () => {
        clearInterval(timer);
        return Promise.resolve();
    };
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
    const log = options.log ?? (() => undefined);
    const stoppers: (() => Promise<void>)[] = [];
    let stopping = false;
    const stopAll = async () => {
        stopping = true;
        for (const stop of stoppers.reverse()) await stop().catch((err: Error) => log(`while stopping: ${err.message}`));
    };
    try {
        // Before anything slow: a port already taken is known at once.
        if (options.nodeRedPort) await assertPortFree(options.nodeRedPort);
        fs.mkdirSync(options.dir, { recursive: true });

        let influxUrl = options.influxUrl;
        let problem: string | undefined;
        let influxdDataDir: string | undefined;
        if (influxUrl === undefined) {
            influxdDataDir = path.join(options.dir, 'influxdb');
            log(`starting InfluxDB (data in ${influxdDataDir})`);
            const influxd: Influxd = await startInfluxd({ dataDir: influxdDataDir, continuousQueries: true });
            stoppers.push(() => influxd.stop());
            influxUrl = influxd.url;
            log(`InfluxDB answers on ${influxUrl}`);
            // The flows' stores write into it from their first point on.
            await influxQuery(influxUrl, undefined, `CREATE DATABASE ${DATABASE}`);
            // A back-fill cut short (Ctrl-C during the first start) would be taken for a finished
            // one: its points are dropped, and it starts again below with new meters.
            if (fs.existsSync(unfinishedBackfill(influxdDataDir))) {
                log('history back-fill: the last one was interrupted, starting it again');
                await influxQuery(influxUrl, DATABASE, `DROP MEASUREMENT ${TELEINFO_MEASUREMENT}`);
            }
        } else {
            problem = await influxProblem(influxUrl);
            if (problem === undefined) {
                log(`InfluxDB answers on ${influxUrl}`);
            } else {
                log(
                    `InfluxDB at ${influxUrl} does not answer (${problem}): the demo goes on, and the flows keep their points on disk ` +
                        'until it answers',
                );
                stoppers.push(watchInfluxd(influxUrl, log));
            }
        }

        const meterDir = path.join(options.dir, 'meters');
        const answering = problem === undefined ? influxUrl : undefined;
        const meters: { spec: DemoMeter; model: TicMeterModel; stateFile: string }[] = [];
        for (const spec of DEMO_METERS) {
            const stateFile = path.join(meterDir, `tic-${spec.name}.json`);
            meters.push({ spec, stateFile, model: await openMeter(spec, stateFile, answering, log) });
        }

        if (influxdDataDir !== undefined) {
            const unfinished = unfinishedBackfill(influxdDataDir);
            fs.writeFileSync(unfinished, '');
            // The Home Linky flow's influx-server manages this retention: the same settings. The
            // meters advance through the history, and carry on live from where it ends.
            const retention = { database: DATABASE, rawDays: 30, rollup1mDays: 400, rollup1hDays: 0 };
            await backfillHistory({ influxUrl, retention, meters: meters.map((meter) => meter.model), log });
            fs.rmSync(unfinished);
        }

        const ptyDir = path.join(options.dir, 'tty');
        fs.mkdirSync(ptyDir, { recursive: true });
        const ttys: Record<string, string> = {};
        for (const { spec, model, stateFile } of meters) {
            const pty: PtyPair = await openPtyPair(ptyDir, `tic-${spec.name}`);
            stoppers.push(() => pty.close());
            // Said once, and not while stopping: socat may go first, and every write after fails.
            let reported = false;
            const onError = (err: Error) => {
                if (stopping || reported) return;
                reported = true;
                log(`${spec.name} meter simulator: ${err.message}`);
            };
            const simulator = startTicSimulator({ path: pty.meterPath, meter: model, speedup: options.speedup, stateFile, onError });
            stoppers.push(() => simulator.stop());
            log(`${spec.name} meter (${model.mode} Téléinfo) on ${pty.appPath}`);
            ttys[spec.name] = pty.appPath;
        }

        const mailbox = await startSmtpSink({ onMail: (mail) => log(`mail to ${mail.to.join(', ')}: ${mail.subject}`) });
        stoppers.push(() => mailbox.close());
        log(`mail sink smtp://${mailbox.host}:${mailbox.port}: the subjects of the alert mails it receives are printed here`);

        const userDir = path.join(options.dir, 'node-red');
        const flows = prepareFlows(userDir, shippedFlows(), { reset: options.resetFlows });
        const nodeRedLog = path.join(options.dir, 'node-red.log');
        if (fs.existsSync(nodeRedLog)) fs.renameSync(nodeRedLog, `${nodeRedLog}.1`);
        const influx = new URL(influxUrl);
        // Known before the start: the mails give the dashboard's address.
        const nodeRedPort = options.nodeRedPort || (await freePort());
        const nodeRedOptions: NodeRedOptions = {
            userDir,
            runtime: options.runtime ?? 'node-red',
            nodeBinary: options.nodeBinary,
            flowFile: FLOW_FILE,
            logFile: nodeRedLog,
            onOutputLine: options.onNodeRedOutput,
            env: {
                TIC_HOME_PORT: ttys.home,
                TIC_SOLAR_PORT: ttys.solar,
                INFLUX_HOST: influx.hostname,
                INFLUX_PORT: influx.port,
                SMTP_HOST: mailbox.host,
                SMTP_PORT: String(mailbox.port),
                MAIL_FROM: 'node-red-energy-demo@localhost',
                DASHBOARD_URL: `http://${HOST}:${nodeRedPort}/ui/`,
            },
        };
        log(`starting Node-RED (its log: ${nodeRedLog})`);
        let nodeRed = await startNodeRed({ ...nodeRedOptions, port: nodeRedPort });
        stoppers.push(() => nodeRed.stop());
        return {
            editorUrl: `${nodeRed.url}/`,
            dashboardUrl: `${nodeRed.url}/ui/`,
            influxUrl,
            influxProblem: problem,
            nodeRedLog,
            flows,
            get nodeRed() {
                return nodeRed;
            },
            async restartNodeRed() {
                await nodeRed.stop();
                nodeRed = await startNodeRed({ ...nodeRedOptions, port: nodeRed.port });
            },
            mailbox,
            stop: stopAll,
        };
    } catch (err) {
        await stopAll();
        throw err;
    }
}
