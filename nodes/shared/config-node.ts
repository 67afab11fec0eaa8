/**
 * A node's config node (an InfluxDB server, a WES server, a strip back-end), looked up by the id
 * saved in the property that names it, and usable: a missing one and one whose own configuration is
 * refused are both ConfigErrors of the node that uses it, so that its status says why it cannot run.
 */
import type { Node, NodeAPI } from 'node-red';
import { ConfigError } from './config-error';

/** What every config node of the package offers its users besides its service. */
export interface KitConfigNode extends Node {
    /** Why its own configuration cannot be used (in the runtime's language); undefined when it can. */
    configProblem: string | undefined;
}

/**
 * The config node of `type` whose id is in `owner`'s property `property`. Refusals use the keys
 * `<owner>.errors.<property>` (none configured, or not found) and `<owner>.errors.<property>Settings`
 * (its configuration is refused; the value is its reason).
 */
export function configNodeOf<T extends KitConfigNode>(RED: NodeAPI, owner: string, property: string, id: unknown, type: string): T {
    const found = typeof id === 'string' && id !== '' ? (RED.nodes.getNode(id) as T | null) : null;
    if (found === null || found.type !== type) throw new ConfigError(`${owner}.errors.${property}`, property, id ?? '');
    if (found.configProblem !== undefined) throw new ConfigError(`${owner}.errors.${property}Settings`, property, found.configProblem);
    return found;
}
