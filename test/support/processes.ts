import { after, before } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Influxd } from '../../scripts/stack/influxd';
import type { NodeRedProcess } from '../../scripts/stack/node-red';

/** Whether a process the test started is still alive (signal 0 only checks). */
export function isRunning(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** The influxd and Node-RED processes a test file starts, in a temp folder of its own. */
export interface ProcessStack {
    /** The folder (created before the file's first test). */
    readonly dir: string;
    influxd?: Influxd;
    nodeRed?: NodeRedProcess;
    /** Stops Node-RED, then influxd, whichever runs. */
    stop(): Promise<void>;
}

/** Declares the hooks: a temp folder before the file's tests, and after them every process stopped and the folder removed. */
export function processStack(prefix: string): ProcessStack {
    let dir = '';
    const stack: ProcessStack = {
        get dir() {
            return dir;
        },
        async stop() {
            await stack.nodeRed?.stop();
            await stack.influxd?.stop();
            stack.nodeRed = undefined;
            stack.influxd = undefined;
        },
    };
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    });
    after(async () => {
        await stack.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    return stack;
}

/**
 * The nodes of an endpoint `POST /points` on tab `tab`: the body, a JSON array, goes through a
 * function whose `toMessages` (an expression of `msg.payload`) makes one message per point for
 * `storeId`; the request is answered 204 once they are sent.
 */
export function pointsEndpoint(tab: string, toMessages: string, storeId: string): unknown[] {
    return [
        {
            id: 'points-in',
            type: 'http in',
            z: tab,
            url: '/points',
            method: 'post',
            upload: false,
            swaggerDoc: '',
            wires: [['one-per-point']],
        },
        {
            id: 'one-per-point',
            type: 'function',
            z: tab,
            func: `const points = ${toMessages};\nmsg.payload = '';\nreturn [points, msg];`,
            outputs: 2,
            wires: [[storeId], ['points-done']],
        },
        { id: 'points-done', type: 'http response', z: tab, statusCode: '204', headers: {}, wires: [] },
    ];
}
