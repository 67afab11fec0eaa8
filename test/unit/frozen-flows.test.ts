/**
 * A flow saved with an older release keeps working: every node of this package in the flows 0.1.0
 * shipped (test/fixtures/flows-0.1.0) gives, migrated and parsed by today's code, the settings
 * 0.1.0's own parse functions gave it, but for the intended changes named below. The shipped flows
 * and the editors save config versions this release reads.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import {
    asRecorded,
    frozenFlows,
    latestVersion,
    PACKAGE_TYPES,
    packageNodes,
    readFlow,
    recordedSettings,
    savedVersion,
    settingsToday,
    type SavedNode,
} from '../support/frozen-flows';
import { projectRoot } from '../support/paths';

interface EditorDefinition {
    defaults: Record<string, { value: unknown }>;
}

interface EditorKit {
    latestVersion(list: readonly unknown[]): number;
    migrations: Record<string, unknown[]>;
}

/** Where the editor's <script src> of this package point: Node-RED serves resources/ there. */
const RESOURCES_URL = 'resources/@kerrucent/node-red-energy/';

/**
 * A node's editor .html run as the editor runs it (its package scripts first, then its own),
 * against a stand-in for RED and jQuery that accepts anything: what it registers, and the
 * EnergyKit it left in the page.
 */
function loadEditor(type: string): { definition: EditorDefinition; kit: EditorKit | undefined } {
    const html = fs.readFileSync(path.join(projectRoot, 'nodes', type, `${type}.html`), 'utf8');
    const anything: unknown = new Proxy(function () {}, {
        get: (_target, key) => (key === Symbol.toPrimitive ? () => '' : anything),
        apply: () => anything,
        construct: () => anything as object,
    });
    const registered = new Map<string, EditorDefinition>();
    const registerType = (name: string, definition: EditorDefinition) => registered.set(name, definition);
    const nodes = new Proxy({}, { get: (_target, key) => (key === 'registerType' ? registerType : anything) });
    const RED = new Proxy({}, { get: (_target, key) => (key === 'nodes' ? nodes : anything) });
    const page = vm.createContext({ RED, $: anything, jQuery: anything });
    vm.runInContext('var window = this;', page);
    for (const [, attributes, body] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
        const src = /\bsrc="([^"]*)"/.exec(attributes)?.[1];
        if (src !== undefined) {
            assert.ok(src.startsWith(RESOURCES_URL), `${type}.html loads ${src}, which is not in this package's resources`);
            const file = path.join(projectRoot, 'resources', src.slice(RESOURCES_URL.length));
            assert.ok(fs.existsSync(file), `${type}.html loads ${src}: resources/${src.slice(RESOURCES_URL.length)} does not exist`);
            vm.runInContext(fs.readFileSync(file, 'utf8'), page, { filename: file });
        } else if (!/type="text\/(html|x-red)"/.test(attributes)) {
            vm.runInContext(body, page, { filename: `${type}.html` });
        }
    }
    const definition = registered.get(type);
    assert.ok(definition, `${type}.html registers ${type}`);
    return { definition, kit: (page as { EnergyKit?: EditorKit }).EnergyKit };
}

/** The value the editor gives a property a node has not saved (a new node, or a node imported without it). */
function editorDefault(type: string, property: string): unknown {
    return loadEditor(type).definition.defaults[property]?.value;
}

/**
 * The intended changes of settings since 0.1.0, each for the saved configs it names; any other
 * difference from what 0.1.0 gave fails.
 *
 * One so far: an influx-store saved without `numbers` (0.1.0 read that as 'auto') writes every number
 * as a float (its migration to config version 2); a store saved with `numbers` keeps what it saved.
 * The editor's default for a new store is the same, 'float'.
 */
function expectedToday(node: SavedNode, recorded: unknown): unknown {
    if (node.type === 'influx-store' && (node.numbers === undefined || node.numbers === '')) {
        assert.equal(editorDefault('influx-store', 'numbers'), 'float');
        return { ...(recorded as object), numbers: 'float' };
    }
    return recorded;
}

/**
 * Where `today` differs from `recorded`: every setting 0.1.0 had must be there with the same value.
 * A setting 0.1.0 did not have is new, and takes its default for these flows; it is not compared.
 */
function differences(recorded: unknown, today: unknown, at = 'settings'): string[] {
    const isRecord = (value: unknown): value is Record<string, unknown> =>
        value !== null && typeof value === 'object' && !Array.isArray(value);
    if (isRecord(recorded) && isRecord(today)) {
        return Object.entries(recorded).flatMap(([key, value]) => differences(value, today[key], `${at}.${key}`));
    }
    try {
        assert.deepEqual(today, recorded);
        return [];
    } catch {
        return [`${at}: ${JSON.stringify(recorded)} in 0.1.0, ${JSON.stringify(today)} today`];
    }
}

describe('flows saved with 0.1.0 give the same settings today', () => {
    const { environments, settings } = recordedSettings();

    for (const { file, nodes } of frozenFlows()) {
        test(`${file}: every node of the package has its 0.1.0 settings recorded`, () => {
            assert.deepEqual(Object.keys(settings[file] ?? {}).sort(), nodes.map((n) => n.id).sort());
        });

        for (const node of nodes) {
            test(`${file}: ${node.type} ${node.id}`, () => {
                const recorded = settings[file][node.id];
                assert.equal(recorded.type, node.type);
                const today = asRecorded(settingsToday(node, environments));
                assert.deepEqual(differences(expectedToday(node, recorded.settings), today), []);
            });
        }
    }

    test("a store saved with numbers: 'auto' keeps it, whatever the default becomes", () => {
        const saved = frozenFlows()
            .flatMap((flow) => flow.nodes)
            .find((node) => node.id === 'home-linky-store')!;
        assert.equal(saved.numbers, 'auto');
        assert.equal((settingsToday(saved, environments) as { numbers: unknown }).numbers, 'auto');
    });
});

describe('config versions', () => {
    const shipped = ['flows', 'examples'].flatMap((dir) =>
        fs
            .readdirSync(path.join(projectRoot, dir))
            .filter((f) => f.endsWith('.json'))
            .map((f) => `${dir}/${f}`),
    );

    test('every node of the package in the shipped flows and examples has a config version this release reads', () => {
        assert.ok(shipped.length > 0);
        const unreadable = (node: SavedNode): boolean => {
            const saved = node.configVersion;
            const valid = saved === undefined || (Number.isInteger(saved) && (saved as number) >= 1);
            return !valid || savedVersion(node) > latestVersion(node.type);
        };
        const tooNew = shipped.flatMap((file) =>
            packageNodes(readFlow(path.join(projectRoot, file)))
                .filter(unreadable)
                .map((node) => `${file}: ${node.type} ${node.id} at ${JSON.stringify(node.configVersion)} > ${latestVersion(node.type)}`),
        );
        assert.deepEqual(tooNew, []);
    });

    for (const type of PACKAGE_TYPES) {
        test(`${type}: the editor saves the latest config version, and knows every migration the runtime runs`, () => {
            const { definition, kit } = loadEditor(type);
            // An editor without the default saves no configVersion, which reads as 1.
            const saves = definition.defaults.configVersion === undefined ? 1 : definition.defaults.configVersion.value;
            assert.equal(saves, latestVersion(type));
            const editorLatest = kit === undefined ? 1 : kit.latestVersion(kit.migrations[type] ?? []);
            assert.equal(editorLatest, latestVersion(type), `the editor migrates ${type} configs to version ${editorLatest}`);
        });
    }
});
