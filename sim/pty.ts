/**
 * A virtual serial cable: two linked pseudo-terminals from socat. The application opens `appPath`
 * like a USB Téléinfo adapter, the meter simulator writes into `meterPath`; socat copies the bytes
 * across. Killing socat is the cable being pulled: both ends get an I/O error.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface PtyPair {
    /** The end the application reads, like /dev/ttyUSB0. */
    appPath: string;
    /** The end the meter simulator writes into. */
    meterPath: string;
    /** Stops socat (both ends go away) and resolves once it has exited. */
    close(): Promise<void>;
}

const READY_TIMEOUT_MS = 5000;
const POLL_MS = 20;
const KILL_GRACE_MS = 2000;

/** Opens `<dir>/<name>` (application end) and `<dir>/<name>-meter` (meter end). */
export async function openPtyPair(dir: string, name: string): Promise<PtyPair> {
    const appPath = path.join(dir, name);
    const meterPath = `${appPath}-meter`;
    // socat's address syntax gives these characters a meaning: such a path would be misread.
    if (/[,:!]/.test(appPath)) throw new Error(`pty path ${appPath} must not contain ',', ':' or '!' (socat address syntax)`);

    // A link left by a killed socat may point at a pty number that is in use again.
    fs.rmSync(appPath, { force: true });
    fs.rmSync(meterPath, { force: true });
    const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${appPath}`, `pty,raw,echo=0,link=${meterPath}`], {
        stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    socat.stderr.setEncoding('utf8');
    socat.stderr.on('data', (text: string) => {
        log = (log + text).slice(-2000);
    });
    // 'close' comes after 'exit' once stderr is drained too: every handle is released.
    const closed = new Promise<void>((resolve) => socat.once('close', () => resolve()));
    let failure: Error | undefined;
    socat.once('error', (err: NodeJS.ErrnoException) => {
        failure =
            err.code === 'ENOENT'
                ? new Error('socat is not installed (needed for virtual serial ports): apt-get install socat')
                : new Error(`socat could not start: ${err.message}`);
    });
    socat.once('exit', (code, signal) => {
        failure ??= new Error(`socat exited (${signal ?? `code ${code}`}) before ${appPath} was ready: ${log.trim()}`);
    });

    const exited = () => socat.exitCode !== null || socat.signalCode !== null;
    const close = async (): Promise<void> => {
        if (socat.pid !== undefined && !exited()) {
            socat.kill('SIGTERM');
            const killer = setTimeout(() => socat.kill('SIGKILL'), KILL_GRACE_MS);
            await closed;
            clearTimeout(killer);
        }
        // socat removes its links on SIGTERM, not when killed.
        fs.rmSync(appPath, { force: true });
        fs.rmSync(meterPath, { force: true });
    };

    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(fs.existsSync(appPath) && fs.existsSync(meterPath))) {
        if (failure) {
            await close();
            throw failure;
        }
        if (Date.now() > deadline) {
            await close();
            throw new Error(`socat did not create ${appPath} and ${meterPath} within ${READY_TIMEOUT_MS} ms: ${log.trim()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return { appPath, meterPath, close };
}
