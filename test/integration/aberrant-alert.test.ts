/**
 * The shipped aberrant-consumption flow (flows/aberrant-consumption.json, loaded as shipped) in a
 * real Node-RED 4.1, its e-mail node pointed at a real SMTP receiver (sim/smtp-sink):
 *
 * - recipients are added and removed on the dashboard in headless Chromium, survive a restart
 *   in the 'file' context store, and the "send a test mail" button mails them;
 * - two days of the demo meter's household load curve warm the model up, then sustained
 *   excursions: the first mails once, with the series, the failure's start, the observed value
 *   and the band; a second inside the cool-down mails nobody; a third after it mails again;
 * - a sample above PEAK_ALERT_VA sends the peak mail;
 * - every step's mean and forecast are in a real InfluxDB (scripts/stack/influxd).
 *
 * Samples are one a minute in simulated time, sent as fast as the runtime takes them, through a
 * test-only tab: an `http in` and a `link out` to the shipped flow's `link in` (the one the Home
 * Linky flow feeds). What the flow decided is read back from its alert log, in the flow's 'file'
 * context, through the admin API. The cool-down is 30 s here instead of an hour.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { influxQuery, startInfluxd, type Influxd } from '../../scripts/stack/influxd';
import { startNodeRed, type NodeRedProcess, flowContext as readFlowContext } from '../../scripts/stack/node-red';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../sim/smtp-sink';
import { HouseholdModel } from '../../sim/tic-frames';
import { projectRoot } from '../support/paths';
import { eventually } from '../support/wait';
import { sampleFeedTab } from '../support/sample-feed';

const FLOW = 'aberrant-consumption';
const METER = '021975348497';
const DATABASE = 'aberrant_test';
const MAIL_FROM = 'energy-alerts@example.org';
const DASHBOARD_URL = 'http://energy.example.org:1880/ui/';
const COOLDOWN_MS = 30_000;
const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';
const CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-dev-shm-usage',
];

const MINUTE_MS = 60_000;
const STEP_MS = 5 * MINUTE_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** A Monday, local midnight in Paris: the model's first day. */
const DAY_ONE = Date.parse('2025-01-06T00:00:00+01:00');
/**
 * Excursions on nights, when the household draws a flat ~300 VA: a 1.5 kW heater left on for 35
 * minutes, i.e. 7 steps outside the band, the flow's `threshold`. A failure lasts beyond its
 * excursion, while the level the model raised comes back down: the second excursion comes once
 * the first failure has ended, and the third the next night, after the cool-down.
 */
const THIRD_DAY = DAY_ONE + 2 * DAY_MS;
const HEATER_VA = 1500;
const EXCURSION_MS = 35 * MINUTE_MS;
const EXCURSIONS = [THIRD_DAY + HOUR_MS, THIRD_DAY + 4.5 * HOUR_MS, THIRD_DAY + DAY_MS + 3 * HOUR_MS].map((from) => ({
    from,
    to: from + EXCURSION_MS,
}));

/** An entry of the flow's alert log (flow context `alertLog`, newest first). */
interface AlertRecord {
    time: number;
    event: string;
    series: string;
    value: number;
    prediction: number;
    lower: number;
    upper: number;
    mail: string;
}

const feed = sampleFeedTab('aberrant-test', 'aberrant-link-in-papp');

/** The demo's Home meter household (seed 1). */
const household = new HouseholdModel(1);
let dir: string;
let influxd: Influxd;
let sink: SmtpSink;
let nodeRed: NodeRedProcess;
let userDir: string;
/** Every Node-RED run's output, for the log check: a restart starts a new process. */
const earlierLogs: string[] = [];

function startFlows(): Promise<NodeRedProcess> {
    return startNodeRed({
        userDir,
        runtime: 'node-red',
        env: {
            SMTP_HOST: sink.host,
            SMTP_PORT: String(sink.port),
            MAIL_FROM,
            DASHBOARD_URL,
            ALERT_COOLDOWN_MINUTES: String(COOLDOWN_MS / MINUTE_MS),
            INFLUX_HOST: influxd.host,
            INFLUX_PORT: String(influxd.port),
            INFLUX_DB: DATABASE,
        },
    });
}

before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aberrant-alert-'));
    influxd = await startInfluxd({ dataDir: path.join(dir, 'influxdb') });
    await influxQuery(influxd.url, undefined, `CREATE DATABASE ${DATABASE}`);
    sink = await startSmtpSink();
    userDir = path.join(dir, 'node-red');
    fs.mkdirSync(userDir);
    const shipped = JSON.parse(fs.readFileSync(path.join(projectRoot, 'flows', 'aberrant-consumption.json'), 'utf8')) as unknown[];
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify([...shipped, ...feed.nodes]));
    nodeRed = await startFlows();
});

after(async () => {
    await nodeRed?.stop();
    await sink?.close();
    await influxd?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

/** A value of the flow's 'file' context store, undefined when unset. */
function flowContext<T>(key: string): Promise<T | undefined> {
    return readFlowContext<T>(nodeRed.url, FLOW, key, 'file');
}

/** The alert log, oldest first, once it holds at least `count` records of `event`. */
async function alertLogWith(event: string, count: number, timeoutMs = 30_000): Promise<AlertRecord[]> {
    let log: AlertRecord[] = [];
    try {
        return await eventually(
            async () => {
                log = ((await flowContext<AlertRecord[]>('alertLog')) ?? []).slice().reverse();
                return log.filter((r) => r.event === event).length >= count ? log : undefined;
            },
            timeoutMs,
            200,
        );
    } catch {
        const lines = log.map((r) => `${new Date(r.time).toISOString()} ${r.event} ${r.value} [${r.lower}, ${r.upper}] ${r.mail}`);
        throw new Error(`the alert log has fewer than ${count} "${event}" after ${timeoutMs} ms:\n${lines.join('\n')}`);
    }
}

function mailsAbout(subjectStart: string): ReceivedMail[] {
    return sink.mails.filter((m) => m.subject.startsWith(subjectStart));
}

function waitForMails(subjectStart: string, count: number): Promise<ReceivedMail[]> {
    return eventually(() => (mailsAbout(subjectStart).length >= count ? mailsAbout(subjectStart) : undefined), 15_000, 50);
}

/** Where the samples sent so far stop: each feed goes on from there. */
let fedUntil = DAY_ONE;

/**
 * One sample a minute from where the last feed stopped to `to` (excluded), as the Home meter
 * reports PAPP (VA, to the nearest 10), plus `extraVa`. The model only learns a step's average
 * once a sample at or after the step's end arrives.
 */
async function feedUntil(to: number, extraVa = 0): Promise<void> {
    const samples = [];
    for (; fedUntil < to; fedUntil += MINUTE_MS) {
        const va = household.consumptionVa(new Date(fedUntil)) + extraVa;
        samples.push({ topic: METER, payload: Math.round(va / 10) * 10, timestamp: fedUntil });
    }
    const res = await fetch(`${nodeRed.url}${feed.path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(samples),
    });
    assert.equal(res.status, 200, `POST samples: ${await res.text()}`);
}

/** The excursion, then one normal step, which completes the excursion's last step. */
async function feedExcursion(excursion: { from: number; to: number }): Promise<void> {
    await feedUntil(excursion.from);
    await feedUntil(excursion.to, HEATER_VA);
    await feedUntil(excursion.to + STEP_MS);
}

function parisTime(ms: number, options: Intl.DateTimeFormatOptions): string {
    return new Date(ms).toLocaleString('en-GB', { timeZone: 'Europe/Paris', ...options });
}

test(
    'recipients are added and removed on the dashboard, survive a restart, and the test mail button mails them',
    { timeout: 60_000 },
    async () => {
        const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
        try {
            const page = await browser.newPage({ viewport: { width: 1280, height: 1200 } });
            await page.goto(`${nodeRed.url}/ui/`);
            const form = page.locator('.aberrant-add-recipient');
            for (const address of [ALICE, BOB]) {
                await form.locator('input[type=email]').fill(address);
                await form.locator('button[type=submit]').click();
                await page.locator('.aberrant-recipient-address', { hasText: address }).waitFor();
            }
            await page.locator('.aberrant-recipient', { hasText: BOB }).locator('.aberrant-recipient-remove').click();
            await page.locator('.aberrant-recipient', { hasText: BOB }).waitFor({ state: 'detached' });
            assert.deepEqual(await page.locator('.aberrant-recipient-address').allTextContents(), [ALICE]);
        } finally {
            await browser.close();
        }

        // Stopping Node-RED closes the context stores, which writes the 'file' store to the userDir.
        earlierLogs.push(nodeRed.logs());
        await nodeRed.stop();
        nodeRed = await startFlows();
        assert.deepEqual(await flowContext<string[]>('recipients'), [ALICE]);

        const browserAgain = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
        try {
            const page = await browserAgain.newPage();
            await page.goto(`${nodeRed.url}/ui/`);
            await page.locator('.aberrant-recipient-address', { hasText: ALICE }).waitFor();
            await page.locator('.aberrant-test-mail button').click();
            const [mail] = await waitForMails('Test mail', 1);
            assert.deepEqual(mail.to, [ALICE]);
            assert.equal(mail.from, MAIL_FROM);
            assert.match(mail.text, new RegExp(`Dashboard: ${DASHBOARD_URL}`));
        } finally {
            await browserAgain.close();
        }
        const [record] = await alertLogWith('test mail', 1);
        assert.equal(record.mail, `sent to ${ALICE}`);
    },
);

test(
    'after two days of warm-up, a sustained excursion mails exactly once: series, failure start, observed value and band',
    { timeout: 60_000 },
    async () => {
        const [excursion] = EXCURSIONS;
        await feedExcursion(excursion);

        const log = await alertLogWith('failure start', 1);
        const starts = log.filter((r) => r.event === 'failure start');
        assert.equal(starts.length, 1, `one failure, during the excursion: ${JSON.stringify(starts)}`);
        const [start] = starts;
        assert.equal(start.series, METER);
        // The time of the step at which `threshold` violations were reached, within the excursion.
        assert.ok(start.time > excursion.from && start.time <= excursion.to, `failure start ${new Date(start.time).toISOString()}`);
        assert.ok(
            start.value > start.upper && start.value > HEATER_VA,
            `observed ${start.value} above the band ${start.lower}–${start.upper}`,
        );
        assert.equal(start.mail, `sent to ${ALICE}`);

        const mails = await waitForMails('Aberrant consumption', 1);
        assert.equal(mails.length, 1);
        const [mail] = mails;
        const localStart = parisTime(start.time, { hour: '2-digit', minute: '2-digit' });
        assert.equal(mail.subject, `Aberrant consumption on ${METER} since ${localStart}`);
        assert.deepEqual(mail.to, [ALICE]);
        assert.equal(mail.from, MAIL_FROM);
        const va = (x: number) => `${Math.round(x)} VA`;
        assert.match(
            mail.text,
            new RegExp(
                `Failure start: +${parisTime(start.time, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' })} \\(Europe/Paris\\)`,
            ),
        );
        assert.ok(mail.text.includes(new Date(start.time).toISOString()), 'failure start in ISO');
        assert.match(mail.text, new RegExp(`Observed value: ${va(start.value)}`));
        assert.match(
            mail.text,
            new RegExp(`Expected band: +${va(start.lower)} – ${va(start.upper)} \\(prediction ${va(start.prediction)}\\)`),
        );
        assert.ok(mail.text.includes(`Dashboard: ${DASHBOARD_URL}`));
    },
);

test('a second excursion inside the cool-down mails nobody; a third one after it mails again', { timeout: 90_000 }, async () => {
    // The cool-down runs from the first mail, sent before this point.
    const firstMailAt = Date.now();
    const [, second, third] = EXCURSIONS;
    // The failure lasts while the level the excursion raised comes back down: wait for its end.
    await feedUntil(second.from);
    await alertLogWith('failure end', 1);
    await feedExcursion(second);

    const log = await alertLogWith('failure start', 2);
    const secondStart = log.filter((r) => r.event === 'failure start')[1];
    assert.ok(secondStart.time > second.from && secondStart.time <= second.to, `second start ${new Date(secondStart.time).toISOString()}`);
    assert.ok(secondStart.time > log.filter((r) => r.event === 'failure end')[0].time);
    assert.match(
        secondStart.mail,
        /^not sent: cool-down until /,
        `the second start came ${COOLDOWN_MS / 1000} s or more after the first mail`,
    );
    assert.equal(mailsAbout('Aberrant consumption').length, 1, 'no mail for the second excursion');

    await feedUntil(third.from);
    await alertLogWith('failure end', 2);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstMailAt + COOLDOWN_MS - Date.now())));
    await feedExcursion(third);
    const thirdStart = (await alertLogWith('failure start', 3)).filter((r) => r.event === 'failure start')[2];
    assert.ok(thirdStart.time > third.from && thirdStart.time <= third.to, `third start ${new Date(thirdStart.time).toISOString()}`);
    assert.equal(thirdStart.mail, `sent to ${ALICE}`);
    const mails = await waitForMails('Aberrant consumption', 2);
    assert.equal(mails.length, 2);
    assert.ok(mails[1].text.includes(new Date(thirdStart.time).toISOString()));
});

test('a sample above PEAK_ALERT_VA (9000 by default) sends the peak mail', { timeout: 30_000 }, async () => {
    const at = THIRD_DAY + DAY_MS + 12 * HOUR_MS;
    await feedUntil(at);
    await feedUntil(at + MINUTE_MS, 9500);
    await feedUntil(at + 10 * MINUTE_MS);
    const [mail] = await waitForMails('Peak consumption', 1);
    assert.match(mail.subject, new RegExp(`^Peak consumption on ${METER}: \\d+ VA \\(limit 9000 VA\\)$`));
    assert.ok(mail.text.includes(new Date(at).toISOString()));
    assert.equal(sink.mails.length, 4, 'test, two aberrant-consumption and one peak mail');
});

test("every step's mean and forecast are stored in InfluxDB", { timeout: 30_000 }, async () => {
    // A sample completes every step that ends at or before its time.
    const lastSample = fedUntil - MINUTE_MS;
    const steps = Math.floor((lastSample - DAY_ONE) / STEP_MS);
    const counts = await eventually(async () => {
        const [result] = await influxQuery(
            influxd.url,
            DATABASE,
            `SELECT count(value) AS value, count(prediction) AS prediction, count(upper) AS upper FROM apparent_power_forecast WHERE meter = '${METER}'`,
        );
        const row = result.series?.[0].values[0] as [string, number, number, number] | undefined;
        return row !== undefined && row[1] === steps ? row : undefined;
    });
    // Predictions start after one season, bands after two (unknown fields are left out).
    assert.equal(counts[2], steps - 288, 'predictions');
    assert.equal(counts[3], steps - 2 * 288, 'bands');

    // The log is newest first.
    const firstStart = ((await flowContext<AlertRecord[]>('alertLog')) ?? []).filter((r) => r.event === 'failure start').at(-1)!;
    const [result] = await influxQuery(
        influxd.url,
        DATABASE,
        `SELECT value, lower, upper, violation, failure FROM apparent_power_forecast WHERE time = ${firstStart.time}ms`,
    );
    const [[time, ...fields]] = result.series?.[0].values ?? [[]];
    assert.equal(Date.parse(time as string), firstStart.time);
    // Stored exactly: the store writes the forecast's numbers as floats (its "whole numbers" setting).
    assert.deepEqual(fields, [firstStart.value, firstStart.lower, firstStart.upper, true, true]);
});

test('the Node-RED log shows no error', () => {
    const errors = [...earlierLogs, nodeRed.logs()]
        .join('\n')
        .split('\n')
        .filter((l) => /\[error\]/.test(l));
    assert.deepEqual(errors, []);
});
