/**
 * The home Linky flow's tariffs, as shipped (flows/home-linky.json), on Node-RED 4.1 and 5.0: the
 * prices its earlier releases kept in the `file` context store (`tariffs`, `tariffOption`) are
 * handed to its two tariff-cost nodes once, by its own inject, switch and change nodes, and a
 * restart does not hand them over again. The dashboard templates are replaced by helper nodes; the
 * rest are the flow's nodes with their saved properties. The helper starts flows without the
 * context stores of the settings: the test loads them (a `file` store in its userDir) once the flow
 * is loaded, then fires the inject that the flow fires once at start.
 */
import { after, afterEach, before, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeInitializer } from 'node-red';
import tariffCostNode = require('../../nodes/tariff-cost/tariff-cost');
import { HOME_LINKY_SERIES, homeLinkySchedules } from '../../lib/tariff/home-linky';
import { describeOnEachRuntime, helper, received, type Runtime } from '../support/node-red';
import { projectRoot } from '../support/paths';
import { waitFor } from '../support/wait';

type Msg = Record<string, unknown>;
type FlowNode = Record<string, unknown> & { id: string; type: string };

const shipped = JSON.parse(fs.readFileSync(path.join(projectRoot, 'flows', 'home-linky.json'), 'utf8')) as FlowNode[];
const HANDOVER = [
    'home-linky',
    'home-linky-inject-tariffs',
    'home-linky-sw-handed-over',
    'home-linky-sw-saved',
    'home-linky-ch-home-form',
    'home-linky-ch-tempo-form',
    'home-linky-tariff-home',
    'home-linky-tariff-tempo',
];
const EDITORS = ['home-linky-tpl-tariffs', 'home-linky-tpl-tariffs-tempo'];
const TABLES = ['home-linky-tpl-cost', 'home-linky-tpl-cost-tempo'];

/** The flow's handover and tariff nodes as shipped (the inject fired by the test), its dashboard templates as helpers. */
function flow(): FlowNode[] {
    const nodes = shipped
        .filter((n) => HANDOVER.includes(n.id))
        .map((n) => (n.id === 'home-linky-inject-tariffs' ? { ...n, once: false } : n));
    assert.equal(nodes.length, HANDOVER.length, 'the shipped flow has every node of the handover');
    return [...nodes, ...[...EDITORS, ...TABLES].map((id) => ({ id, z: 'home-linky', type: 'helper' }))];
}

/** The core nodes the handover uses, from the runtime under test. */
function coreNodes(runtime: Runtime): NodeInitializer[] {
    const core = (file: string) =>
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the runtime under test is chosen per describe block
        require(require.resolve(`@node-red/nodes/core/${file}`, { paths: [runtime.path] })) as NodeInitializer;
    return [core('common/20-inject.js'), core('function/10-switch.js'), core('function/15-change.js')];
}

/** What an earlier release kept: a price typed as text, one left empty, the Base option. */
/** The context module of the runtime under test: the stores of the settings are loaded, and flushed to their files on close. */
function contextStores(): { load(): Promise<void>; close(): Promise<void> } {
    return (helper as unknown as { _context: ReturnType<typeof contextStores> })._context;
}

const STORED = {
    subscription: '13.02',
    base: '0.2276',
    hphcHC: '0.1828',
    hphcHP: '',
    tempoBlueHC: 0.1325,
    tempoBlueHP: 0.1612,
    tempoWhiteHC: 0.1499,
    tempoWhiteHP: 0.1871,
    tempoRedHC: 0.1575,
    tempoRedHP: 0.7062,
};

describeOnEachRuntime("the home Linky flow's saved tariffs", (runtime) => {
    /** A userDir per test, all removed at the end: the helper cleans the file store after a test without waiting. */
    let userDirs: string;
    let userDir: string;
    const storeFile = () => path.join(userDir, 'context', 'home-linky', 'flow.json');

    before(() => {
        userDirs = fs.mkdtempSync(path.join(os.tmpdir(), 'home-linky-tariffs-'));
    });
    after(() => {
        fs.rmSync(userDirs, { recursive: true, force: true });
    });
    beforeEach(() => {
        userDir = fs.mkdtempSync(path.join(userDirs, 'test-'));
        const contextStorage = { default: { module: 'memory' }, file: { module: 'localfilesystem', config: { dir: userDir } } };
        helper.settings({ userDir, contextStorage });
    });
    afterEach(async () => {
        await contextStores().close();
    });

    /** Starts the flow and fires its start-up inject; resolves once the tariff nodes have announced their schedules. */
    async function start() {
        await helper.load([tariffCostNode, ...coreNodes(runtime)], flow());
        const started = {
            home: received<Msg>(helper.getNode('home-linky-tpl-tariffs')),
            tempo: received<Msg>(helper.getNode('home-linky-tpl-tariffs-tempo')),
        };
        await contextStores().load();
        await waitFor(() => started.home.length === 1 && started.tempo.length === 1);
        helper.getNode('home-linky-inject-tariffs').receive({});
        return started;
    }

    async function stop() {
        await contextStores().close();
        await helper.unload();
    }

    test('the flow fires the handover once, at start', () => {
        const inject = shipped.find((n) => n.id === 'home-linky-inject-tariffs')!;
        assert.deepEqual([inject.once, inject.repeat], [true, '']);
    });

    test('handed over once: the home gets the saved option (Base), the solar house Tempo, each with its series', async () => {
        fs.mkdirSync(path.dirname(storeFile()), { recursive: true });
        fs.writeFileSync(storeFile(), JSON.stringify({ tariffs: STORED, tariffOption: 'base' }));
        let { home, tempo } = await start();
        // The schedules announced at start, then the handed-over ones.
        await waitFor(() => home.length === 2 && tempo.length === 2);
        const schedules = homeLinkySchedules(STORED);
        assert.deepEqual([home[1].payload, home[1].periods], [schedules.base, HOME_LINKY_SERIES.base]);
        assert.deepEqual([tempo[1].payload, tempo[1].periods], [schedules.tempo, HOME_LINKY_SERIES.tempo]);
        assert.equal(schedules.base[0].prices.base, 0.2276);
        const flowContext = () => helper.getNode('home-linky-ch-home-form').context().flow;
        assert.equal(flowContext().get('tariffsHandedOver', 'file'), true);

        // Prices changed on the dashboard afterwards survive a restart: the old ones are not handed over again.
        const edited = [{ ...schedules.base[0], prices: { base: 0.25 } }];
        helper.getNode('home-linky-tariff-home').receive({ kind: 'schedule', payload: edited });
        await waitFor(() => home.length === 3);
        await stop();
        ({ home, tempo } = await start());
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(home.length, 1, 'nothing handed over');
        assert.deepEqual(home[0].payload, edited);
        assert.deepEqual(tempo[0].payload, schedules.tempo);
        assert.deepEqual(
            [flowContext().get('tariffs', 'file'), flowContext().get('tariffOption', 'file')],
            [STORED, 'base'],
            'the saved keys are left as they were',
        );
    });

    test('the Tempo option: the home gets its HP/HC prices', async () => {
        fs.mkdirSync(path.dirname(storeFile()), { recursive: true });
        fs.writeFileSync(storeFile(), JSON.stringify({ tariffs: STORED, tariffOption: 'tempo' }));
        const { home, tempo } = await start();
        await waitFor(() => home.length === 2 && tempo.length === 2);
        assert.deepEqual([home[1].payload, home[1].periods], [homeLinkySchedules(STORED).hphc, HOME_LINKY_SERIES.hphc]);
        assert.deepEqual(tempo[1].payload, homeLinkySchedules(STORED).tempo);
    });

    test("nothing saved: nothing handed over, the example prices of the nodes' properties", async () => {
        const { home, tempo } = await start();
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.deepEqual([home.length, tempo.length], [1, 1]);
        const configured = (id: string) => JSON.parse(String(shipped.find((n) => n.id === id)!.schedule)) as unknown;
        assert.deepEqual(home[0].payload, configured('home-linky-tariff-home'));
        assert.deepEqual(tempo[0].payload, configured('home-linky-tariff-tempo'));
        assert.equal(helper.getNode('home-linky-ch-home-form').context().flow.get('tariffsHandedOver', 'file'), undefined);
    });
});
