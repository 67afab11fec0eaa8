/**
 * One node's saved state: a JSON file written atomically (a temporary file renamed over it, so a
 * crash mid-write leaves the previous state whole), writes queued one after the other.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export class StateFile {
    private queue: Promise<void> = Promise.resolve();

    constructor(readonly file: string) {}

    /** The saved value, or undefined when there is none; throws when the file is unreadable or not JSON. */
    read(): unknown {
        let text: string;
        try {
            text = fs.readFileSync(this.file, 'utf8');
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw err;
        }
        return JSON.parse(text) as unknown;
    }

    /** Writes `value` as it is now, after the writes already queued. */
    write(value: unknown): Promise<void> {
        const text = JSON.stringify(value);
        return this.enqueue(async () => {
            await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
            const temporary = `${this.file}.${process.pid}.tmp`;
            await fs.promises.writeFile(temporary, text);
            await fs.promises.rename(temporary, this.file);
        });
    }

    remove(): Promise<void> {
        return this.enqueue(() => fs.promises.rm(this.file, { force: true }));
    }

    private enqueue(task: () => Promise<void>): Promise<void> {
        const run = this.queue.then(task);
        // A failed write must not block the next one; the caller gets its error.
        this.queue = run.catch(() => undefined);
        return run;
    }
}
