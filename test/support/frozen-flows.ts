/**
 * The flows 0.1.0 shipped, frozen in test/fixtures/flows-0.1.0, with the settings 0.1.0's parse
 * functions gave their nodes; and what today's code makes of a saved node: migrated to the latest
 * config version, then parsed, as the runtime does when it builds the node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { util as nodeRedUtil } from '@node-red/util';
import { parseHoltWintersNode } from '../../nodes/holt-winters/config';
import { parseInfluxHistory } from '../../nodes/influx-history/config';
import { parseInfluxServer } from '../../nodes/influx-server/config';
import { parseInfluxStore } from '../../nodes/influx-store/config';
import { energyKit, migrateConfig, migrationsOf } from '../../nodes/shared/migrations';
import { parseTeleinfoIn } from '../../nodes/teleinfo-in/config';
import { projectRoot } from './paths';

const FROZEN_FLOWS_DIR = path.join(projectRoot, 'test', 'fixtures', 'flows-0.1.0');

/** A node as a flow file holds it. */
export interface SavedNode {
    id: string;
    type: string;
    z?: string;
    [property: string]: unknown;
}

/** test/fixtures/flows-0.1.0/settings.json, written by record-settings.js there. */
export interface RecordedSettings {
    /** Per tab id: the tab's environment with no variable set, which `${VAR}` properties were resolved from. */
    environments: Record<string, Record<string, unknown>>;
    /** Per fixture file, per node id. */
    settings: Record<string, Record<string, { type: string; settings: unknown }>>;
}

const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { 'node-red': { nodes: object } };
/** The node types of this package, as package.json declares them to Node-RED. */
export const PACKAGE_TYPES: readonly string[] = Object.keys(manifest['node-red'].nodes);

/** A frozen flow file, and the nodes of this package in it. */
export interface FrozenFlow {
    /** Its name in FROZEN_FLOWS_DIR, as settings.json keys it. */
    file: string;
    path: string;
    nodes: SavedNode[];
}

export function frozenFlows(): FrozenFlow[] {
    return fs
        .readdirSync(FROZEN_FLOWS_DIR)
        .filter((f) => f.endsWith('.json') && f !== 'settings.json')
        .sort()
        .map((file) => {
            const flowPath = path.join(FROZEN_FLOWS_DIR, file);
            return { file, path: flowPath, nodes: packageNodes(readFlow(flowPath)) };
        });
}

export function readFlow(file: string): SavedNode[] {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SavedNode[];
}

export function recordedSettings(): RecordedSettings {
    return JSON.parse(fs.readFileSync(path.join(FROZEN_FLOWS_DIR, 'settings.json'), 'utf8')) as RecordedSettings;
}

export function packageNodes(flow: readonly SavedNode[]): SavedNode[] {
    return flow.filter((node) => PACKAGE_TYPES.includes(node.type));
}

/** The config version a node of `type` saves today (1 for a type without migrations). */
export function latestVersion(type: string): number {
    return energyKit.latestVersion(migrationsOf(type));
}

/** A saved node's config version: missing means 1. */
export function savedVersion(node: SavedNode): number {
    return Number(node.configVersion) || 1;
}

/**
 * Node-RED replaces a string property that is exactly `${VAR}` (also inside arrays and objects)
 * before it builds a node, and leaves it as it is when the variable is not set.
 */
function resolveVariables<T>(value: T, environment: Record<string, unknown>): T {
    if (typeof value === 'string') {
        const variable = /^\$\{(\S+)\}$/.exec(value);
        return (variable && environment[variable[1]] !== undefined ? environment[variable[1]] : value) as T;
    }
    if (Array.isArray(value)) return value.map((item: unknown) => resolveVariables(item, environment)) as T;
    if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveVariables(item, environment)])) as T;
    }
    return value;
}

type Parse = (config: Record<string, unknown>) => unknown;

/** Today's parse function of each type, called as the node calls it. */
const PARSERS: Record<string, Parse> = {
    'teleinfo-in': (config) => parseTeleinfoIn(config),
    'holt-winters': (config) => parseHoltWintersNode(config, (property) => nodeRedUtil.normalisePropertyExpression(property)),
    'influx-server': (config) => parseInfluxServer(config),
    'influx-store': (config) => parseInfluxStore(config),
    'influx-history': (config) => parseInfluxHistory(config),
};

/**
 * What today's runtime makes of a node saved in a flow: its `${VAR}` properties resolved from its
 * tab's environment (as recorded in settings.json), migrated, then parsed.
 */
export function settingsToday(node: SavedNode, environments: RecordedSettings['environments']): unknown {
    const parse = PARSERS[node.type];
    if (parse === undefined) throw new Error(`no parse function known for ${node.type}`);
    return parse(migrateConfig(node.type, resolveVariables(node, environments[node.z ?? ''] ?? {})));
}

/** Settings as settings.json holds them: JSON, a setting that is undefined written as null. */
export function asRecorded(settings: unknown): unknown {
    return JSON.parse(JSON.stringify(settings, (_key, value: unknown) => (value === undefined ? null : value)));
}
