/**
 * `npm run demo`: starts the whole demo (see scripts/stack/demo-stack.ts), prints where to look,
 * shows Node-RED's warnings and errors as they come, and stops every process it started on Ctrl-C.
 *
 * Environment: NODE_RED_PORT (default 1880), DEMO_DIR (default .demo in the project),
 * INFLUX_URL (use an existing InfluxDB instead of starting a private one), DEMO_SPEEDUP
 * (simulated seconds per second for the load curves, default 1), DEMO_RESET=1 (deploy the
 * shipped flows again over yours, which are backed up), DEMO_VERBOSE=1 (show all of Node-RED's
 * log, not only its warnings and errors).
 */
import * as path from 'node:path';
import { startDemo, type Demo } from './stack/demo-stack';
import type { FlowsOutcome } from './stack/demo-flows';
import { PortInUseError, projectRoot } from './stack/service';

const DEFAULT_PORT = 1880;
/** Node-RED's levels that are not worth a user's attention as they come. */
const QUIET_LEVELS = ['info', 'debug', 'trace', 'metric', 'audit'];
/** Warnings every new userDir gets once, that ask nothing of the user: they stay in the log file. */
const FIRST_START_WARNINGS = [/\[warn\] Encrypted credentials not found$/];

/**
 * Which of Node-RED's lines to show live: with `verbose` all, otherwise those of a warning or an
 * error, with the lines that carry on one (a stack trace), and what it writes to stderr.
 */
function liveLogFilter(verbose: boolean): (line: string, stream: 'stdout' | 'stderr') => boolean {
    let showing = false;
    return (line, stream) => {
        // Node-RED's log lines: "2 Dec 18:37:00 - [warn] …"; a line without that header carries on the one before.
        const level = /^\d{1,2} \w{3} \d\d:\d\d:\d\d - \[(\w+)\]/.exec(line)?.[1];
        if (level !== undefined) {
            showing = !QUIET_LEVELS.includes(level) && !FIRST_START_WARNINGS.some((warning) => warning.test(line));
        }
        return verbose || showing || stream === 'stderr';
    };
}

function flowsLine(flows: FlowsOutcome): string {
    switch (flows.action) {
        case 'deployed':
            return `${flows.file} (the shipped flows; what you deploy in the editor is kept from now on)`;
        case 'kept':
            return flows.differsFromShipped
                ? `${flows.file} (yours, kept; DEMO_RESET=1 deploys the shipped flows again, yours backed up)`
                : `${flows.file} (the shipped flows, kept)`;
        case 'updated':
            return `${flows.file} (the shipped flows changed: updated, the previous file is ${flows.backup})`;
        case 'reset':
            return `${flows.file} (the shipped flows again; yours are in ${flows.backup})`;
    }
}

function printSummary(demo: Demo): void {
    const influx =
        demo.influxProblem === undefined
            ? demo.influxUrl
            : `${demo.influxUrl}  NOT ANSWERING (${demo.influxProblem}): check INFLUX_URL, or leave it unset for a private InfluxDB`;
    console.log('');
    console.log(`  Node-RED editor:  ${demo.editorUrl}`);
    console.log(`  Dashboard:        ${demo.dashboardUrl}`);
    console.log(`  InfluxDB:         ${influx}`);
    console.log(`  Flows:            ${flowsLine(demo.flows)}`);
    console.log(`  Node-RED log:     ${demo.nodeRedLog} (warnings and errors are shown here too; DEMO_VERBOSE=1 shows all of it)`);
    console.log('');
    console.log('  Ctrl-C stops everything.');
}

function failure(err: Error): string {
    if (err instanceof PortInUseError) {
        return (
            `port ${err.port} on 127.0.0.1 is already in use by another program (an installed Node-RED listens on ${DEFAULT_PORT}): ` +
            `set NODE_RED_PORT to a free port, e.g. NODE_RED_PORT=${err.port + 1} npm run demo`
        );
    }
    return err.message;
}

async function main(): Promise<void> {
    const showLive = liveLogFilter(process.env.DEMO_VERBOSE === '1');
    const demo = await startDemo({
        dir: process.env.DEMO_DIR ?? path.join(projectRoot, '.demo'),
        nodeRedPort: Number(process.env.NODE_RED_PORT ?? DEFAULT_PORT),
        influxUrl: process.env.INFLUX_URL || undefined,
        speedup: Number(process.env.DEMO_SPEEDUP ?? 1),
        resetFlows: process.env.DEMO_RESET === '1',
        log: (line) => console.log(`demo: ${line}`),
        onNodeRedOutput: (line, stream) => {
            if (showLive(line, stream)) console.log(`node-red: ${line}`);
        },
    });
    printSummary(demo);

    let stopping = false;
    const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`\ndemo: ${signal}, stopping…`);
        demo.stop().then(
            () => process.exit(0),
            (err: Error) => {
                console.error(`demo: ${err.message}`);
                process.exit(1);
            },
        );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: Error) => {
    console.error(`demo failed: ${failure(err)}`);
    process.exit(1);
});
