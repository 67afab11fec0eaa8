/**
 * The demo as one function: a private InfluxDB, simulated meters writing real Téléinfo into
 * pseudo-terminals, a mail sink receiving the flows' alert mails, and Node-RED with this package,
 * node-red-dashboard and node-red-node-email running every shipped flow. The demo command and the
 * end-to-end test both start it from here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backfillHistory } from '../../sim/history-backfill';
import { openPtyPair, type PtyPair } from '../../sim/pty';
import { startSmtpSink, type SmtpSink } from '../../sim/smtp-sink';
import { HistoricMonoHpHcMeter, StandardTriProducerMeter } from '../../sim/tic-frames';
import { startTicSimulator, type TicSimulator } from '../../sim/tic-meter-sim';
import { influxQuery, startInfluxd, type Influxd } from './influxd';
import { startNodeRed, type NodeRedOptions, type NodeRedProcess } from './node-red';
import { freePort, HOST, projectRoot } from './service';

export interface DemoOptions {
    /** Where the demo keeps its state (InfluxDB data, Node-RED userDir, pty links). */
    dir: string;
    nodeRedPort?: number;
    /** Use an InfluxDB that already runs (e.g. http://127.0.0.1:8086) instead of a private one. */
    influxUrl?: string;
    runtime?: 'node-red' | 'node-red-5';
    nodeBinary?: string;
    /** Simulated seconds per real second for the meters' load curves (1 = real time). */
    speedup?: number;
    log?: (line: string) => void;
}

export interface Demo {
    editorUrl: string;
    dashboardUrl: string;
    influxUrl: string;
    /** The Node-RED running now: restartNodeRed() replaces it. */
    readonly nodeRed: NodeRedProcess;
    /** Stops Node-RED and starts it again on the same userDir and port, the rest of the demo running on. */
    restartNodeRed(): Promise<void>;
    /** The SMTP server the flows' e-mail nodes send to (SMTP_HOST, SMTP_PORT), with what it received. */
    mailbox: SmtpSink;
    stop(): Promise<void>;
}

/** Every shipped flow, concatenated into one flow file. */
export function shippedFlows(): unknown[] {
    const dir = path.join(projectRoot, 'flows');
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .flatMap((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as unknown[]);
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
    const log = options.log ?? (() => undefined);
    const stoppers: (() => Promise<void>)[] = [];
    const stopAll = async () => {
        for (const stop of stoppers.reverse()) await stop().catch((err: Error) => log(`while stopping: ${err.message}`));
    };
    try {
        fs.mkdirSync(options.dir, { recursive: true });

        let influxUrl = options.influxUrl;
        if (influxUrl === undefined) {
            const influxd: Influxd = await startInfluxd({ dataDir: path.join(options.dir, 'influxdb'), continuousQueries: true });
            stoppers.push(() => influxd.stop());
            influxUrl = influxd.url;
            // The flows' stores write into `energy` (their INFLUX_DB default) from their first point on.
            await influxQuery(influxUrl, undefined, 'CREATE DATABASE energy');
            log(`InfluxDB ${influxUrl} (data in ${path.join(options.dir, 'influxdb')})`);
            // The Home Linky flow's influx-server manages this retention: the same settings.
            await backfillHistory({ influxUrl, retention: { database: 'energy', rawDays: 30, rollup1mDays: 400, rollup1hDays: 0 }, log });
        }

        const ptyDir = path.join(options.dir, 'tty');
        fs.mkdirSync(ptyDir, { recursive: true });
        const home: PtyPair = await openPtyPair(ptyDir, 'tic-home');
        stoppers.push(() => home.close());
        const solar: PtyPair = await openPtyPair(ptyDir, 'tic-solar');
        stoppers.push(() => solar.close());
        const meters: TicSimulator[] = [
            startTicSimulator({ path: home.meterPath, meter: new HistoricMonoHpHcMeter(), baud: 1200, speedup: options.speedup }),
            startTicSimulator({ path: solar.meterPath, meter: new StandardTriProducerMeter(), baud: 9600, speedup: options.speedup }),
        ];
        for (const meter of meters) stoppers.push(() => meter.stop());
        log(`simulated meters on ${home.appPath} (historic) and ${solar.appPath} (standard)`);

        const mailbox = await startSmtpSink({ onMail: (mail) => log(`mail to ${mail.to.join(', ')}: ${mail.subject}`) });
        stoppers.push(() => mailbox.close());
        log(`mail sink smtp://${mailbox.host}:${mailbox.port}: the subjects of the alert mails it receives are printed here`);

        const userDir = path.join(options.dir, 'node-red');
        fs.mkdirSync(userDir, { recursive: true });
        fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(shippedFlows(), null, 2));
        const influx = new URL(influxUrl);
        // Known before the start: the mails give the dashboard's address.
        const nodeRedPort = options.nodeRedPort || (await freePort());
        const nodeRedOptions: NodeRedOptions = {
            userDir,
            runtime: options.runtime ?? 'node-red',
            nodeBinary: options.nodeBinary,
            flowFile: 'flows.json',
            env: {
                TIC_HOME_PORT: home.appPath,
                TIC_SOLAR_PORT: solar.appPath,
                INFLUX_HOST: influx.hostname,
                INFLUX_PORT: influx.port,
                SMTP_HOST: mailbox.host,
                SMTP_PORT: String(mailbox.port),
                MAIL_FROM: 'node-red-energy-demo@localhost',
                DASHBOARD_URL: `http://${HOST}:${nodeRedPort}/ui/`,
            },
        };
        let nodeRed = await startNodeRed({ ...nodeRedOptions, port: nodeRedPort });
        stoppers.push(() => nodeRed.stop());
        return {
            editorUrl: `${nodeRed.url}/`,
            dashboardUrl: `${nodeRed.url}/ui/`,
            influxUrl,
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
