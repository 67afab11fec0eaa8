/**
 * node-red-node-test-helper on both supported runtimes: Node-RED 4.1 (the `node-red` dev
 * dependency) and Node-RED 5.0 (`node-red-5`, an npm alias). The helper drives the runtime's
 * modules directly, so Node-RED 5 runs here on Node 20 too.
 */
import { after, afterEach, before, describe } from 'node:test';
import type { NodeAPI } from 'node-red';
import helper = require('node-red-node-test-helper');

export const runtimes = [
    { name: 'Node-RED 4.1', path: require.resolve('node-red') },
    { name: 'Node-RED 5.0', path: require.resolve('node-red-5') },
];

export { helper };

export type Runtime = (typeof runtimes)[number];

/**
 * Declares the same tests once per runtime, in a describe block whose hooks start the helper's
 * server on that runtime, unload the flows after each test and stop the server at the end. Hooks
 * that `body` declares run after these.
 */
export function describeOnEachRuntime(subject: string, body: (runtime: Runtime) => void): void {
    for (const runtime of runtimes) {
        describe(`${subject} on ${runtime.name}`, () => {
            before(async () => {
                helper.init(runtime.path);
                await new Promise<void>((resolve) => helper.startServer(resolve));
            });
            after(async () => {
                await new Promise<void>((resolve) => helper.stopServer(resolve));
            });
            afterEach(async () => {
                await helper.unload();
            });
            body(runtime);
        });
    }
}

/** Resolves when `predicate` holds for a status the node sets (checking the calls made so far too). */
export function statusMatching(
    testNode: unknown,
    predicate: (s: { fill?: string; shape?: string; text?: string }) => boolean,
    timeoutMs = 5000,
): Promise<{ fill?: string; shape?: string; text?: string }> {
    const node = testNode as {
        on(event: string, cb: (call: { args: unknown[] }) => void): void;
        // The helper spies on Node.prototype.status: its calls are every node's, told apart by `thisValue`.
        status: { getCalls?(): { thisValue: unknown; args: unknown[] }[] };
    };
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
        for (const call of node.status.getCalls?.() ?? []) if (call.thisValue === node && check(call.args[0] as { text?: string })) return;
        node.on('call:status', (call) => check(call.args[0] as { text?: string }));
    });
}

/** The messages a helper node receives, from now on. */
export function received<M = Record<string, unknown>>(node: unknown): M[] {
    const got: M[] = [];
    (node as { on(e: string, cb: (m: M) => void): void }).on('input', (m) => got.push(m));
    return got;
}

/** What a node passes to one of its spied methods (`call:error`, `call:warn`…), from now on. */
export function spiedCalls(node: unknown, event: string): unknown[][] {
    const seen: unknown[][] = [];
    (node as { on(e: string, cb: (call: { args: unknown[] }) => void): void }).on(event, (call) => seen.push(call.args));
    return seen;
}

/**
 * The arguments of the calls `node` has made so far to one of its spied methods (`error`, `send`…),
 * including those made while the flows were loading, before a listener could be attached.
 */
export function pastCalls(node: unknown, method: string): unknown[][] {
    const spy = (node as Record<string, { getCalls?(): { thisValue: unknown; args: unknown[] }[] }>)[method];
    return (spy.getCalls?.() ?? []).filter((call) => call.thisValue === node).map((call) => call.args);
}

/** A RED._ call a node made: the key and its values (the helper's RED._ returns the key alone). */
export interface Translation {
    key: string;
    values?: Record<string, unknown>;
}

/** `nodeModule`, each RED._ call it makes recorded in `into`, in order. */
export function recordingTranslations(nodeModule: (RED: NodeAPI) => void, into: Translation[]): (RED: NodeAPI) => void {
    return (RED) =>
        nodeModule(
            new Proxy(RED, {
                get: (target, property, receiver) =>
                    property === '_'
                        ? (key: string, values?: Record<string, string | number>) => {
                              into.push({ key, values });
                              return target._(key, values);
                          }
                        : (Reflect.get(target, property, receiver) as unknown),
            }),
        );
}

/**
 * How the store worded a problem of its writer, from its RED._ calls: the last description of a
 * problem (`influx-store.problem.unreachable` or `.answered`, with its values) and the advice key
 * it came with, if any.
 */
export function wordedProblem(
    translations: readonly Translation[],
): { key: string; values?: Record<string, unknown>; advice?: string } | undefined {
    let index = translations.length - 1;
    while (
        index >= 0 &&
        translations[index].key !== 'influx-store.problem.unreachable' &&
        translations[index].key !== 'influx-store.problem.answered'
    )
        index--;
    if (index < 0) return undefined;
    const next = translations[index + 1];
    const advice = next?.key.startsWith('influx-store.advice.') ? next.key : undefined;
    return { key: translations[index].key, values: translations[index].values, ...(advice === undefined ? {} : { advice }) };
}
