/**
 * `npm run demo`: starts the whole demo (see scripts/stack/demo-stack.ts), prints where to look,
 * and stops every process it started on Ctrl-C.
 *
 * Environment: NODE_RED_PORT (default 1880), DEMO_DIR (default .demo in the project),
 * INFLUX_URL (use an existing InfluxDB instead of starting a private one), DEMO_SPEEDUP
 * (simulated seconds per second for the load curves, default 1).
 */
import * as path from 'node:path';
import { startDemo } from './stack/demo-stack';
import { projectRoot } from './stack/service';

async function main(): Promise<void> {
    const demo = await startDemo({
        dir: process.env.DEMO_DIR ?? path.join(projectRoot, '.demo'),
        nodeRedPort: Number(process.env.NODE_RED_PORT ?? 1880),
        influxUrl: process.env.INFLUX_URL || undefined,
        speedup: Number(process.env.DEMO_SPEEDUP ?? 1),
        log: (line) => console.log(`demo: ${line}`),
    });
    console.log('');
    console.log(`  Node-RED editor:  ${demo.editorUrl}`);
    console.log(`  Dashboard:        ${demo.dashboardUrl}`);
    console.log(`  InfluxDB:         ${demo.influxUrl}`);
    console.log('');
    console.log('  Ctrl-C stops everything.');

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
    console.error(`demo failed: ${err.message}`);
    process.exit(1);
});
