/**
 * The demo's flow file: the shipped flows at the first start, then whatever the user deploys in
 * the editor. A marker beside it holds a digest of the shipped flows the demo last wrote, which
 * tells a file nobody has changed since (brought up to date when the shipped flows change) from
 * one deployed in the editor (kept). Replacing a file always keeps the previous one beside it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const FLOW_FILE = 'flows.json';
const CREDENTIALS_FILE = 'flows_cred.json';
const MARKER_FILE = '.demo-shipped-flows.sha256';

export type FlowsOutcome =
    /** No flow file yet: the shipped flows were written. */
    | { action: 'deployed'; file: string }
    /** The user's flows were left as they are; `differsFromShipped` when they are not the shipped ones. */
    | { action: 'kept'; file: string; differsFromShipped: boolean }
    /** The file was the shipped flows as the demo wrote them, and the shipped flows have changed since: replaced. */
    | { action: 'updated'; file: string; backup: string }
    /** Asked for: the shipped flows replaced the file, which was moved to `backup`. */
    | { action: 'reset'; file: string; backup: string };

/** A digest of flows that ignores how the file is laid out (Node-RED writes it its own way on deploy). */
function digest(flows: unknown): string {
    return createHash('sha256').update(JSON.stringify(flows)).digest('hex');
}

function readDigest(file: string): string | undefined {
    try {
        return digest(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch {
        // Unreadable or not JSON: not something the demo wrote, so the user's.
        return undefined;
    }
}

/** Copies the flow file (and its credentials) to names stamped with `now`; returns the flow file's copy. */
function backUp(userDir: string, now: Date): string {
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    const backup = path.join(userDir, `flows-backup-${stamp}.json`);
    fs.copyFileSync(path.join(userDir, FLOW_FILE), backup);
    const credentials = path.join(userDir, CREDENTIALS_FILE);
    if (fs.existsSync(credentials)) fs.copyFileSync(credentials, path.join(userDir, `flows_cred-backup-${stamp}.json`));
    return backup;
}

/**
 * Brings `userDir`'s flow file to what the demo should run: the shipped flows when there is none
 * or `reset` is asked, the user's otherwise.
 */
export function prepareFlows(userDir: string, shipped: unknown[], options: { reset?: boolean; now?: Date } = {}): FlowsOutcome {
    const file = path.join(userDir, FLOW_FILE);
    const marker = path.join(userDir, MARKER_FILE);
    const shippedDigest = digest(shipped);
    const write = () => {
        fs.mkdirSync(userDir, { recursive: true });
        fs.writeFileSync(file, JSON.stringify(shipped, null, 2));
        fs.writeFileSync(marker, `${shippedDigest}\n`);
    };
    if (!fs.existsSync(file)) {
        write();
        return { action: 'deployed', file };
    }
    const now = options.now ?? new Date();
    if (options.reset) {
        const backup = backUp(userDir, now);
        write();
        return { action: 'reset', file, backup };
    }
    const current = readDigest(file);
    // Without a marker the folder is from before the demo kept flows: it wrote the shipped ones at every start.
    const written = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : current;
    if (current === written && current !== shippedDigest) {
        const backup = backUp(userDir, now);
        write();
        return { action: 'updated', file, backup };
    }
    if (current === shippedDigest && written !== shippedDigest) fs.writeFileSync(marker, `${shippedDigest}\n`);
    return { action: 'kept', file, differsFromShipped: current !== shippedDigest };
}
