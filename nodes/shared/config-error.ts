/**
 * A node property that cannot be used: the i18n key of the reason, the property and its value, and
 * any further parameters the reason's text names. Thrown by the property readers and the nodes'
 * parsers; `refuseToRun` (bad-config.ts) turns it into the node's red status and catchable errors.
 */
export class ConfigError extends Error {
    constructor(
        readonly key: string,
        readonly property: string,
        readonly value: unknown,
        readonly params: Readonly<Record<string, string | number>> = {},
    ) {
        super(`${key} (${property}: ${JSON.stringify(value)})`);
    }
}
