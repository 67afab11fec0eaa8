/**
 * The editor, headless: Node-RED 4.1 with this package, node-red-dashboard and node-red-node-email,
 * its editor driven in Chromium as a user would. Every node of the package is added, edited and
 * saved without an error in the page; the flows 0.1.0 shipped, imported, opened, saved and deployed,
 * give today's runtime the settings they give it straight from their file, at the latest config version.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startNodeRed, type NodeRedProcess } from '../../scripts/stack/node-red';
import { launchChromium } from '../support/browser';
import {
    frozenFlows,
    latestVersion,
    PACKAGE_TYPES,
    recordedSettings,
    savedVersion,
    settingsToday,
    type SavedNode,
} from '../support/frozen-flows';

// The editor's globals, inside page.evaluate: RED and jQuery, untyped.
declare const RED: any;
declare const $: any;

const ENERGY_KIT = 'resources/@kerrucent/node-red-energy/energy-kit.js';
/** The discard port: nothing listens there on loopback, and no unprivileged test server can take it. */
const CLOSED_PORT = '9';
/**
 * What the editor catches in a node's definition (oneditprepare, validators, labels…) and only logs,
 * with console.log or console.warn (Node-RED 4.1's wording).
 */
const CAUGHT_BY_THE_EDITOR = new RegExp(
    '^(oneditprepare|oneditsave|oneditcancel|oneditdelete|oneditresize' +
        '|Definition error|Validation error|registerType:|RED\\.(events|comms)\\.emit error)',
);
/** An i18n key shown as it is: a label whose translation is missing. */
const RAW_I18N_KEY = new RegExp(`\\b(${PACKAGE_TYPES.join('|')})\\.[a-zA-Z]+\\.[\\w.]+`);

let dir: string;
let nodeRed: NodeRedProcess;
let browser: Browser;

before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'energy-editor-'));
    const userDir = path.join(dir, 'node-red');
    fs.mkdirSync(userDir);
    fs.writeFileSync(path.join(userDir, 'flows.json'), '[]');
    // The shipped flows read their devices and servers from these: pointed at nothing. (The examples
    // name 127.0.0.1:8086 and /dev/ttyUSB0 themselves: nothing answers there on a test machine.)
    const env = {
        TIC_HOME_PORT: path.join(dir, 'no-home-meter'),
        TIC_SOLAR_PORT: path.join(dir, 'no-solar-meter'),
        INFLUX_HOST: '127.0.0.1',
        INFLUX_PORT: CLOSED_PORT,
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: CLOSED_PORT,
    };
    nodeRed = await startNodeRed({ userDir, runtime: 'node-red', env });
    browser = await launchChromium();
});

after(async () => {
    await browser?.close();
    await nodeRed?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
});

interface Editor {
    page: Page;
    /** Every error the page reported: console errors, uncaught exceptions, errors the editor caught, failed requests. */
    problems: string[];
    /** The status of each request for a file of this package's resources/. */
    resources: Map<string, number>;
}

async function openEditor(): Promise<Editor> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const editor: Editor = { page, problems: [], resources: new Map() };
    page.on('console', (message) => {
        if (message.type() === 'error' || CAUGHT_BY_THE_EDITOR.test(message.text())) {
            editor.problems.push(`console ${message.type()}: ${message.text()} (${message.location().url})`);
        }
    });
    page.on('pageerror', (error) => editor.problems.push(`page error: ${error.stack ?? error.message}`));
    page.on('requestfailed', (request) => editor.problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
    page.on('response', (response) => {
        const url = response.url();
        if (url.includes('/resources/@kerrucent/node-red-energy/')) editor.resources.set(url, response.status());
        if (response.status() >= 400) editor.problems.push(`HTTP ${response.status()}: ${url}`);
    });
    await page.goto(`${nodeRed.url}/`);
    const loaded = await page
        .waitForFunction(
            (types) =>
                typeof RED === 'object' &&
                RED.workspaces?.active() &&
                types.every((type: string) => RED.nodes.getType(type) !== undefined) &&
                $('.red-ui-header-toolbar').is(':visible') &&
                !$('#red-ui-loading-progress').is(':visible'),
            PACKAGE_TYPES,
            { timeout: 60_000 },
        )
        .then(
            () => true,
            () => false,
        );
    assert.ok(loaded, `the editor loaded every node of the package within 60 s; the page reported:\n${editor.problems.join('\n')}`);
    return editor;
}

/** The i18n keys the open edit dialog shows as they are, in its text, placeholders and tooltips. */
async function untranslated(page: Page, config: boolean): Promise<string[]> {
    const texts = await page.evaluate(
        (form) =>
            [
                $(form).text(),
                ...$(form)
                    .find('[placeholder], [title]')
                    .get()
                    .map((e: Element) => `${e.getAttribute('placeholder')} ${e.getAttribute('title')}`),
            ] as string[],
        config ? '#node-config-dialog-edit-form' : '#dialog-form',
    );
    return texts.flatMap((text) => RAW_I18N_KEY.exec(text)?.[0] ?? []);
}

/** Waits for the open edit dialog's form, then checks it: inputs of the node's properties, every label translated. */
async function assertFormRendered(page: Page, type: string, config: boolean): Promise<void> {
    const prefix = config ? 'node-config-input-' : 'node-input-';
    const rendered = await page
        .waitForFunction(
            ({ type, prefix }) => Object.keys(RED.nodes.getType(type).defaults).some((p) => document.getElementById(prefix + p) !== null),
            { type, prefix },
            { timeout: 10_000 },
        )
        .then(
            () => true,
            () => false,
        );
    assert.ok(rendered, `the ${type} dialog shows an input of its properties`);
    assert.deepEqual(await untranslated(page, config), [], `the ${type} dialog translates every label`);
}

/** Clicks the edit dialog's Done (Add, Update for a config node) and waits for the dialog to close. */
async function clickDone(page: Page, config: boolean): Promise<void> {
    const button = page.locator(config ? '#node-config-dialog-ok' : '#node-dialog-ok');
    await button.click();
    await button.waitFor({ state: 'detached' });
}

/** A new node of `type` on the active flow, as the palette adds it, its edit dialog open. */
async function addAndEdit(page: Page, type: string, y: number): Promise<string> {
    const id = await page.evaluate(
        ({ type, y }) => {
            const created = RED.view.createNode(type, 200, y);
            const node = RED.nodes.add(created.node, { source: 'palette' });
            RED.history.push(created.historyEvent);
            RED.view.redraw(true);
            RED.editor.edit(node);
            return node.id as string;
        },
        { type, y },
    );
    await page.locator('#node-dialog-ok').waitFor({ state: 'visible' });
    return id;
}

/** A flow node type of the package with a property that takes a config node of `configType`. */
async function userOf(page: Page, configType: string): Promise<{ type: string; property: string }> {
    const user = await page.evaluate(
        ({ configType, types }) => {
            for (const type of types) {
                const defaults = RED.nodes.getType(type).defaults;
                const property = Object.keys(defaults).find((p) => defaults[p].type === configType);
                if (property !== undefined) return { type, property };
            }
            return undefined;
        },
        { configType, types: PACKAGE_TYPES },
    );
    assert.ok(user, `a node of the package uses ${configType}`);
    return user;
}

test('every node of the package is added, edited and saved in the editor without an error', { timeout: 120_000 }, async () => {
    const { page, problems, resources } = await openEditor();
    try {
        const categories = await page.evaluate((types) => types.map((type: string) => RED.nodes.getType(type).category), PACKAGE_TYPES);
        for (const [index, type] of PACKAGE_TYPES.entries()) {
            const y = 120 + 60 * index;
            if (categories[index] !== 'config') {
                await addAndEdit(page, type, y);
                await assertFormRendered(page, type, false);
                await clickDone(page, false);
                continue;
            }
            // A config node is added from the dialog of a node that uses it, with the + beside its field.
            const user = await userOf(page, type);
            const userId = await addAndEdit(page, user.type, y);
            await page.locator(`#node-input-btn-${user.property}-add`).click();
            await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible' });
            await assertFormRendered(page, type, true);
            await page.locator('#node-config-input-name').fill(`${type} from the editor test`);
            await clickDone(page, true);
            await clickDone(page, false);
            const used = await page.evaluate(({ userId, property }) => RED.nodes.node(RED.nodes.node(userId)[property])?.type, {
                userId,
                property: user.property,
            });
            assert.equal(used, type, `the ${user.type} uses the new ${type}`);
        }
        const kit = `${nodeRed.url}/${ENERGY_KIT}`;
        assert.ok([200, 304].includes(resources.get(kit) ?? 0), `the editor loaded ${ENERGY_KIT}: ${resources.get(kit)}`);
        assert.equal((await fetch(kit)).status, 200);
        assert.deepEqual(problems, []);
    } finally {
        await page.close();
    }
});

/** Imports a flow file through Import (the clipboard dialog), pasted, and drops what lands on the active flow. */
async function importFlow(page: Page, file: string): Promise<void> {
    await page.evaluate(() => RED.actions.invoke('core:show-import-dialog'));
    await page.locator('#red-ui-clipboard-dialog-import-text').waitFor({ state: 'visible' });
    await page.evaluate((text) => $('#red-ui-clipboard-dialog-import-text').val(text).trigger('paste'), fs.readFileSync(file, 'utf8'));
    await page.locator('#red-ui-clipboard-dialog-ok:not([disabled])').click();
    if (await page.evaluate(() => RED.view.state() === RED.state.IMPORT_DRAGGING)) await page.mouse.click(600, 500);
}

/** Opens a node's edit dialog as a double click on it (or on it in the configuration nodes' list) does. */
async function edit(page: Page, node: SavedNode): Promise<boolean> {
    const config = await page.evaluate((id) => {
        const found = RED.nodes.node(id);
        if (found._def.category === 'config') {
            RED.editor.editConfig('', found.type, found.id);
            return true;
        }
        RED.workspaces.show(found.z);
        RED.editor.edit(found);
        return false;
    }, node.id);
    await page.locator(config ? '#node-config-dialog-ok' : '#node-dialog-ok').waitFor({ state: 'visible' });
    return config;
}

/** Deploys with the Deploy button; fails if the editor asks for a confirmation first (nodes it finds invalid or unknown). */
async function deploy(page: Page): Promise<void> {
    const confirm = '#red-ui-deploy-dialog-confirm-deploy-deploy';
    await page.locator('#red-ui-header-button-deploy').click();
    await page.waitForFunction((confirm) => !RED.nodes.dirty() || $(confirm).is(':visible'), confirm);
    const asked = await page.evaluate((confirm) => $(confirm).closest('.red-ui-notification').text() as string, confirm);
    assert.equal(asked, '', 'the editor deploys without asking for a confirmation');
}

test('the flows 0.1.0 shipped, imported, opened, saved and deployed in the editor, keep their settings', { timeout: 180_000 }, async () => {
    const { environments } = recordedSettings();
    const flows = frozenFlows();
    const { page, problems } = await openEditor();
    try {
        for (const flow of flows) await importFlow(page, flow.path);
        const ours = flows.flatMap((flow) => flow.nodes);
        for (const node of ours) {
            const config = await edit(page, node);
            await assertFormRendered(page, node.type, config);
            await clickDone(page, config);
        }
        const ids = ours.map((node) => node.id);
        const invalid = await page.evaluate((ids) => ids.filter((id) => RED.nodes.node(id).valid === false), ids);
        assert.deepEqual(invalid, [], 'the editor finds every node of the package valid');
        await deploy(page);
        assert.deepEqual(problems, []);
    } finally {
        await page.close();
    }

    const res = await fetch(`${nodeRed.url}/flows`);
    assert.equal(res.status, 200);
    const deployed = new Map(((await res.json()) as SavedNode[]).map((node) => [node.id, node]));
    for (const { file, nodes } of flows) {
        for (const node of nodes) {
            const which = `${file}: ${node.type} ${node.id}`;
            const roundTrip = deployed.get(node.id);
            assert.ok(roundTrip, `${which} is deployed`);
            // An example's nodes come back on the editor's flow (its id as `z`): no environment either way.
            const sameSettings = `${which} gives the same settings after the editor`;
            assert.deepEqual(settingsToday(roundTrip, environments), settingsToday(node, environments), sameSettings);
            assert.equal(savedVersion(roundTrip), latestVersion(node.type), `${which} is saved at the latest config version`);
        }
    }
});
