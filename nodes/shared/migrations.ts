/**
 * Saved configs brought to the node's latest config version before they are parsed, by the same
 * migrations the editor runs (resources/migrations/<type>.js, through resources/energy-kit.js):
 * a flow saved by an older release of this package keeps working after an upgrade.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One change of a node's config shape: `up` takes a config of version `to - 1` and returns it at `to`. */
export interface Migration {
    to: number;
    up(config: Record<string, unknown>): Record<string, unknown>;
}

interface EnergyKit {
    withinLimits(value: unknown, limits: object): boolean;
    latestVersion(list: readonly Migration[]): number;
    migrate<T extends object>(config: T, list: readonly Migration[]): T;
}

/** The files the editor loads; the build copies them beside dist/nodes, where this module finds them. */
const RESOURCES = path.join(__dirname, '..', '..', 'resources');

// A path known only at run time (the same files serve the editor): require, not import.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const energyKit = require(path.join(RESOURCES, 'energy-kit.js')) as EnergyKit;

/** The migrations of a node type, oldest first; none for a type that never changed shape. */
export function migrationsOf(type: string): readonly Migration[] {
    const file = path.join(RESOURCES, 'migrations', `${type}.js`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return fs.existsSync(file) ? (require(file) as Migration[]) : [];
}

/** A copy of `saved` at the latest config version of `type` (as it is when a newer release saved it). */
export function migrateConfig<T extends object>(type: string, saved: T): T {
    return energyKit.migrate(saved, migrationsOf(type));
}
