/**
 * What the demo's and the tests' servers (influxd, Node-RED) share: loopback ports, the project's
 * root, and a child process that is watched from spawn to exit and stopped with a signal, then
 * killed after a grace period.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** Every server the project starts listens on loopback only. */
export const HOST = '127.0.0.1';

function findProjectRoot(start: string): string {
    let dir = start;
    while (!fs.existsSync(path.join(dir, 'package.json'))) {
        const parent = path.dirname(dir);
        if (parent === dir) throw new Error(`no package.json above ${start}`);
        dir = parent;
    }
    return dir;
}

/** The checkout's root, whether this runs from its source or from dist/. */
export const projectRoot = findProjectRoot(__dirname);

/** A port on HOST that another process listens on (or holds on every interface). */
export class PortInUseError extends Error {
    constructor(readonly port: number) {
        super(`port ${port} on ${HOST} is already in use by another process`);
        this.name = 'PortInUseError';
    }
}

/** Listens on `port` (0: any free one) and closes at once: the port it got; PortInUseError when taken. */
function probePort(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port) : err));
        server.listen(port, HOST, () => {
            const bound = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(bound));
        });
    });
}

/** A port free right now; another process may take it before we bind it, so callers retry. */
export function freePort(): Promise<number> {
    return probePort(0);
}

/** Throws PortInUseError when `port` is taken now: a server that needs that very port can fail before anything else starts. */
export async function assertPortFree(port: number): Promise<void> {
    await probePort(port);
}

export interface SupervisedChild {
    /** How the process ended, once it has. */
    exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
    /** Why it could not be spawned (ENOENT…), if so. */
    spawnError(): NodeJS.ErrnoException | undefined;
    /** Sends `stopSignal`, then SIGKILL after the grace period; resolves on exit. Safe to call twice. */
    stop(): Promise<void>;
    /** Polls `ready` until it answers true; throws (and stops the child) if it exits or times out. */
    waitUntil(ready: () => Promise<boolean>, timeoutMs: number, describe: (reason: string) => Error): Promise<void>;
}

export function supervise(child: ChildProcess, stopSignal: NodeJS.Signals, graceMs: number): SupervisedChild {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const exited = new Promise<void>((resolve) => {
        child.once('exit', (code, signal) => {
            exit = { code, signal };
            resolve();
        });
    });
    let spawnError: NodeJS.ErrnoException | undefined;
    child.once('error', (err) => {
        spawnError = err;
    });

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
        stopping ??= (async () => {
            if (child.pid === undefined || exit !== undefined) return;
            child.kill(stopSignal);
            const killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await exited;
            clearTimeout(killTimer);
        })();
        return stopping;
    };

    const waitUntil = async (ready: () => Promise<boolean>, timeoutMs: number, describe: (reason: string) => Error): Promise<void> => {
        const deadline = Date.now() + timeoutMs;
        try {
            for (;;) {
                if (spawnError !== undefined) throw spawnError;
                if (exit !== undefined) throw describe(`exited during start-up (${exit.signal ?? `code ${exit.code}`})`);
                if (await ready()) return;
                if (Date.now() > deadline) throw describe(`was not ready within ${timeoutMs / 1000} s`);
                await new Promise((r) => setTimeout(r, 100));
            }
        } catch (err) {
            await stop();
            throw err;
        }
    };

    return { exit: () => exit, spawnError: () => spawnError, stop, waitUntil };
}

/** True when GET `url` answers with `status` (any 2xx when omitted) within 2 s. */
export async function answers(url: string, status?: number): Promise<boolean> {
    try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        return status === undefined ? res.ok : res.status === status;
    } catch {
        return false;
    }
}
