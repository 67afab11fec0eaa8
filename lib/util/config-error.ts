/**
 * A node property that cannot be used: the i18n key of the reason, the property and its value.
 * Thrown by the nodes' property parsers, turned into a red status and an error by the node.
 */
export class ConfigError extends Error {
    constructor(readonly key: string, readonly property: string, readonly value: unknown) {
        super(`${property}: ${JSON.stringify(value)}`);
    }
}
