/**
 * Memory footprint of Node-RED running the demo: the whole demo stack (private InfluxDB, the two
 * simulated meters on pseudo-terminals, Node-RED with every shipped flow), left running for a
 * while with the load curves sped up, VmRSS sampled from /proc.
 *
 *   node dist/bench/footprint.js     FOOTPRINT_MINUTES (default 10) is how long it runs,
 *                                    FOOTPRINT_SPEEDUP (default 60) the simulated seconds per second
 *
 * The target is on the Node-RED process alone; InfluxDB and the simulators (which run in this
 * process, with a socat per pseudo-terminal pair) are sampled for information. Exits non-zero when
 * Node-RED's last sample is over the target. Sizes are in MB of 1024 kB, the unit of /proc and top.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDemo, type Demo } from '../scripts/stack/demo-stack';

const MINUTES = Number(process.env.FOOTPRINT_MINUTES ?? 10);
const SPEEDUP = Number(process.env.FOOTPRINT_SPEEDUP ?? 60);
const SAMPLE_EVERY_MS = 30_000;
/** The target for Node-RED running the demo. */
const TARGET_MB = 150;

interface Sample {
    seconds: number;
    nodeRedMB: number;
    influxdMB: number;
    /** This process (the simulators) and its socat children. */
    simulatorsMB: number;
}

/** VmRSS of a process in MB, or undefined once it has exited. */
function residentMB(pid: number): number | undefined {
    let status: string;
    try {
        status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
        return undefined;
    }
    const kB = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return kB === null ? undefined : Number(kB[1]) / 1024;
}

/** This process's children as pid → command name, from /proc/<pid>/stat. */
function childProcesses(): Map<number, string> {
    const children = new Map<number, string>();
    for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        let stat: string;
        try {
            stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        } catch {
            continue;
        }
        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
        const commEnd = stat.lastIndexOf(')');
        const ppid = Number(stat.slice(commEnd + 2).split(' ')[1]);
        if (ppid === process.pid) children.set(Number(entry), stat.slice(stat.indexOf('(') + 1, commEnd));
    }
    return children;
}

function sample(demo: Demo, seconds: number): Sample {
    const nodeRedMB = residentMB(demo.nodeRed.pid);
    if (nodeRedMB === undefined) {
        throw new Error(
            `Node-RED (pid ${demo.nodeRed.pid}) has exited\n--- Node-RED output (tail) ---\n${demo.nodeRed.logs().slice(-4000).trim()}`,
        );
    }
    let influxdMB = 0;
    let simulatorsMB = residentMB(process.pid) ?? 0;
    for (const [pid, command] of childProcesses()) {
        if (command === 'influxd') influxdMB += residentMB(pid) ?? 0;
        else if (command === 'socat') simulatorsMB += residentMB(pid) ?? 0;
    }
    return { seconds, nodeRedMB, influxdMB, simulatorsMB };
}

function printSample(s: Sample): void {
    const clock = `${Math.floor(s.seconds / 60)}:${String(s.seconds % 60).padStart(2, '0')}`;
    console.log(
        `${clock.padStart(6)}  node-red ${s.nodeRedMB.toFixed(1).padStart(6)} MB   influxd ${s.influxdMB.toFixed(1).padStart(6)} MB   simulators ${s.simulatorsMB.toFixed(1).padStart(6)} MB`,
    );
}

async function main(): Promise<number> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footprint-'));
    const demo = await startDemo({ dir, nodeRedPort: 0, speedup: SPEEDUP });
    const stopDemo = async () => {
        await demo.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    };
    // An interrupted run still stops influxd, socat and Node-RED.
    const onSignal = () => {
        void stopDemo().finally(() => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);

    const samples: Sample[] = [];
    try {
        console.log(
            `demo on ${demo.editorUrl} (Node-RED pid ${demo.nodeRed.pid}), ${MINUTES} min at speedup ${SPEEDUP}, node ${process.version}`,
        );
        const startedAt = Date.now();
        const durationMs = MINUTES * 60_000;
        for (let dueMs = 0; ; dueMs = Math.min(dueMs + SAMPLE_EVERY_MS, durationMs)) {
            await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + dueMs - Date.now())));
            const s = sample(demo, Math.round(dueMs / 1000));
            samples.push(s);
            printSample(s);
            if (dueMs >= durationMs) break;
        }
    } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await stopDemo();
    }

    const final = samples[samples.length - 1];
    const peakMB = Math.max(...samples.map((s) => s.nodeRedMB));
    const met = final.nodeRedMB < TARGET_MB;
    console.log(
        `node-red VmRSS ${final.nodeRedMB.toFixed(1)} MB after ${MINUTES} min (peak ${peakMB.toFixed(1)} MB), target < ${TARGET_MB} MB: ${met ? 'met' : 'NOT met'}`,
    );
    console.log(
        JSON.stringify({
            bench: 'footprint',
            node: process.version,
            minutes: MINUTES,
            speedup: SPEEDUP,
            samples: samples.map((s) => ({
                seconds: s.seconds,
                nodeRedMB: round1(s.nodeRedMB),
                influxdMB: round1(s.influxdMB),
                simulatorsMB: round1(s.simulatorsMB),
            })),
            nodeRedMB: round1(final.nodeRedMB),
            peakMB: round1(peakMB),
            target: { mb: TARGET_MB, met },
        }),
    );
    return met ? 0 : 1;
}

function round1(x: number): number {
    return Math.round(x * 10) / 10;
}

main().then(
    (code) => process.exit(code),
    (err: Error) => {
        console.error(`footprint failed: ${err.message}`);
        process.exit(2);
    },
);
