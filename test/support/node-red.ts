/**
 * node-red-node-test-helper on both supported runtimes: Node-RED 4.1 (the `node-red` dev
 * dependency) and Node-RED 5.0 (`node-red-5`, an npm alias). The helper drives the runtime's
 * modules directly, so Node-RED 5 runs here on Node 20 too.
 */
import helper = require('node-red-node-test-helper');

export const runtimes = [
    { name: 'Node-RED 4.1', path: require.resolve('node-red') },
    { name: 'Node-RED 5.0', path: require.resolve('node-red-5') },
];

export { helper };

/** Resolves with the next status a node sets. */
/** Resolves when `predicate` holds for a status the node sets (checking the calls made so far too). */
export function statusMatching(testNode: unknown, predicate: (s: { fill?: string; shape?: string; text?: string }) => boolean, timeoutMs = 5000): Promise<{ fill?: string; shape?: string; text?: string }> {
    const node = testNode as { on(event: string, cb: (call: { args: unknown[] }) => void): void; status: { args?: unknown[][] } };
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching status within ${timeoutMs} ms`)), timeoutMs);
        const check = (s: { fill?: string; shape?: string; text?: string }) => {
            if (predicate(s)) {
                clearTimeout(timer);
                resolve(s);
                return true;
            }
            return false;
        };
        for (const args of node.status.args ?? []) if (check(args[0] as { text?: string })) return;
        node.on('call:status', (call) => check(call.args[0] as { text?: string }));
    });
}
