/**
 * One policy for a node whose configuration cannot be used: a red ring with the reason, one error
 * naming the property and its value, and on a node with an input every message answered with a
 * catchable error, so that a Catch node sees why nothing comes out.
 */
import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { ConfigError } from './config-error';
import type { KitConfigNode } from './config-node';
import { migrateConfig } from './migrations';

/** What a Catch node receives with the error raised when the flows start. */
export type ConfigProblemMessage = {
    topic: string;
    payload: { property: string; value: unknown; reason: string };
};

/** The reason in the runtime's language, for a status or a config node's users. */
export function reasonOf(RED: NodeAPI, problem: ConfigError): string {
    return RED._(problem.key, { property: problem.property, value: String(problem.value), ...problem.params });
}

export function refuseToRun(RED: NodeAPI, node: Node, problem: ConfigError): void {
    const reason = reasonOf(RED, problem);
    const error = `${reason} (${problem.property}: ${JSON.stringify(problem.value)})`;
    node.status({ fill: 'red', shape: 'ring', text: reason });
    // Catch nodes are gathered once every node of the flows is built: an error raised from the
    // constructor would reach none. Once the flows have started, it reaches the flow's Catch nodes.
    const report = (): void => {
        const message: ConfigProblemMessage = { topic: node.type, payload: { property: problem.property, value: problem.value, reason } };
        node.error(error, message);
    };
    RED.events.once('flows:started', report);
    node.on('close', () => RED.events.removeListener('flows:started', report));
    node.on('input', (_msg: NodeMessageInFlow, _send, done) => done(new Error(error)));
}

/**
 * A node's settings from its saved config, brought to the latest config version first; undefined
 * when a property is refused, after the node has been set to refuse to run.
 */
export function settingsOrRefuse<S>(RED: NodeAPI, node: Node, saved: object, parse: (config: Record<string, unknown>) => S): S | undefined {
    try {
        return parse(migrateConfig(node.type, saved as Record<string, unknown>));
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        refuseToRun(RED, node, err);
        return undefined;
    }
}

/**
 * A config node's settings, as settingsOrRefuse; a config node has no status and no Catch node sees
 * it, so a refusal is logged once and kept as its `configProblem`, which every node using it shows
 * (configNodeOf).
 */
export function configNodeSettings<S>(
    RED: NodeAPI,
    node: KitConfigNode,
    saved: object,
    parse: (config: Record<string, unknown>) => S,
): S | undefined {
    node.configProblem = undefined;
    try {
        return parse(migrateConfig(node.type, saved as Record<string, unknown>));
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        node.configProblem = reasonOf(RED, err);
        node.error(`${node.configProblem} (${err.property}: ${JSON.stringify(err.value)})`);
        return undefined;
    }
}
