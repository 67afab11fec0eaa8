/**
 * `tariff-cost` in a real Node-RED runtime (node-red-node-test-helper), on Node-RED 4.1 and 5.0:
 * an influx-history chart priced as lib/tariff prices it, samples and intervals, the schedule and
 * series periods received on the input (a schedule, the home Linky form) kept across a restart and
 * the consumption priced again, refused schedules and consumption (catchable errors, the previous
 * schedule kept), bad properties, changed properties, and the state file's removal with the node.
 * `RED._` returns keys in the helper, so status texts, errors and warnings are asserted on their keys.
 */
import { afterEach, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import tariffCostNode = require('../../nodes/tariff-cost/tariff-cost');
import { TEMPO_PERIODS } from '../../lib/tariff/clock';
import { priceConsumption, type Pricing } from '../../lib/tariff/pricing';
import type { Tariff, TariffSchedule } from '../../lib/tariff/tariff';
import { TimeZone } from '../../lib/util/time-zone';
import { describeOnEachRuntime, helper, pastCalls, received, statusMatching } from '../support/node-red';
import { chartIntervals, growingIndexesChart, HPHC as HPHC_2025, intervalIn } from '../support/tariff';
import { waitFor } from '../support/wait';

type Msg = Record<string, unknown>;

const paris = new TimeZone('Europe/Paris');
const DAY_MS = 86_400_000;
const HPHC: Tariff = { ...HPHC_2025, from: '2024-02-01' };
/** Prices from 1 August 2025. */
const HPHC_AUGUST: Tariff = { ...HPHC, from: '2025-08-01', subscription: { amount: 16.1, per: 'month' }, prices: { HC: 0.2, HP: 0.25 } };

/** What lib/tariff makes of a chart, every interval priced whole (the chart lies in the past). */
function expectedPricing(
    schedule: TariffSchedule,
    periods: readonly string[],
    { payload, plan }: ReturnType<typeof growingIndexesChart>,
): Pricing {
    return priceConsumption(schedule, chartIntervals(plan, payload, periods));
}

/** A day view of the HP/HC meter, 10 September 2025 from midnight to midnight: 30 Wh off-peak and 50 Wh peak a bucket. */
const DAY_CHART = growingIndexesChart('day', Date.parse('2025-09-10T21:55:00Z'), ['HCHC', 'HCHP'], (field) => (field === 0 ? 30 : 50));

describeOnEachRuntime('tariff-cost', () => {
    let userDir: string;

    beforeEach(() => {
        userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tariff-cost-test-'));
        helper.settings({ userDir });
    });
    afterEach(() => {
        fs.rmSync(userDir, { recursive: true, force: true });
    });

    /** As the editor saves it: the schedule as JSON text. */
    const flow = (extra: Record<string, unknown> = {}) => [
        {
            id: 'tc',
            type: 'tariff-cost',
            name: '',
            schedule: JSON.stringify([HPHC]),
            periods: 'HC,HP',
            timeZone: 'Europe/Paris',
            wires: [['pricings'], ['schedules']],
            ...extra,
        },
        { id: 'pricings', type: 'helper' },
        { id: 'schedules', type: 'helper' },
        { id: 'c1', type: 'catch', scope: ['tc'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
    ];
    const stateFile = () => path.join(userDir, 'energy-tariff-cost', 'tc.json');

    /** Loads the flow; once the node has announced its schedule (output 2, when the flows start) unless it refuses to run. */
    async function load(extra: Record<string, unknown> = {}, refusing = false) {
        await helper.load(tariffCostNode, flow(extra));
        const tc = helper.getNode('tc');
        const loaded = {
            tc,
            pricings: received<Msg>(helper.getNode('pricings')),
            schedules: received<Msg>(helper.getNode('schedules')),
            caught: received<Msg & { error: { message: string } }>(helper.getNode('caught')),
        };
        if (!refusing) {
            await waitFor(() => loaded.schedules.length === 1);
            loaded.schedules.length = 0;
        }
        return loaded;
    }

    /** The schedule the node announced when the flows started, without its message id. */
    function announced(): Msg {
        const [[outputs]] = pastCalls(helper.getNode('tc'), 'send') as [[(Msg | null)[]]];
        const { _msgid, ...message } = outputs[1]!;
        assert.equal(typeof _msgid, 'string');
        return message;
    }

    test("an influx-history chart: the pricing lib/tariff gives, a table, and the message's history and topic kept", async () => {
        const { tc, pricings } = await load();
        tc.receive({ topic: 'home', payload: DAY_CHART.payload, history: DAY_CHART.history });
        await waitFor(() => pricings.length === 1);
        const [msg] = pricings;
        const expected = expectedPricing([HPHC], ['HC', 'HP'], DAY_CHART);
        assert.deepEqual(msg.payload, expected);
        // 144 intervals of 30 and 50 Wh.
        assert.deepEqual(
            expected.periods.map(({ period, quantity }) => [period, Number(quantity.toFixed(9))]),
            [
                ['HC', 4.32],
                ['HP', 7.2],
            ],
        );
        assert.equal(msg.topic, 'home');
        assert.deepEqual(msg.history, DAY_CHART.history);
        assert.deepEqual(msg.table, {
            currency: 'EUR',
            unit: 'kWh',
            covered: { from: '2025-09-10 00:00', to: '2025-09-11 00:00', days: '1.00' },
            lines: [
                { tariff: '2024-02-01', period: 'HC', label: 'HC', quantity: '4.3 kWh', price: '0.1696 €/kWh', cost: '0.73 €' },
                { tariff: '2024-02-01', period: 'HP', label: 'HP', quantity: '7.2 kWh', price: '0.2146 €/kWh', cost: '1.55 €' },
            ],
            // A day of a 30-day September: 15.74 / 30.
            subscriptions: [{ tariff: '2024-02-01', amount: '15.74 €', per: 'month', days: '1.00', cost: '0.52 €' }],
            quantity: '11.5 kWh',
            energy: '2.28 €',
            subscription: '0.52 €',
            total: '2.80 €',
        });
        const status = await statusMatching(tc, (s) => s.fill === 'green');
        assert.equal(status.text, 'tariff-cost.status.summaryWithTotal');
    });

    test("a chart whose last interval holds now: that interval counts up to the message's arrival", async () => {
        const { tc, pricings } = await load();
        const now = Date.now();
        const live = growingIndexesChart('day', now, ['HCHC', 'HCHP'], () => 10);
        const before = Date.now();
        tc.receive({ payload: live.payload, history: live.history });
        await waitFor(() => pricings.length === 1);
        const { covered } = pricings[0].payload as Pricing;
        assert.ok(covered!.end >= before && covered!.end <= Date.now(), `${covered!.end} is the arrival, not ${live.history.end}`);
        assert.equal(covered!.start, live.plan.bounds[0]);
    });

    test('a new schedule: output 2 sends it, the consumption kept is priced again, and both survive a restart', async () => {
        let { tc, pricings, schedules } = await load();
        assert.deepEqual(announced(), { payload: [HPHC], periods: ['HC', 'HP'], labels: { HC: 'HC', HP: 'HP' }, symbol: '€' });
        tc.receive({ topic: 'home', payload: DAY_CHART.payload, history: DAY_CHART.history });
        await waitFor(() => pricings.length === 1);

        tc.receive({ kind: 'schedule', payload: [HPHC, HPHC_AUGUST] });
        await waitFor(() => pricings.length === 2 && schedules.length === 1);
        assert.deepEqual(schedules[0].payload, [HPHC, HPHC_AUGUST]);
        assert.deepEqual(pricings[1].payload, expectedPricing([HPHC, HPHC_AUGUST], ['HC', 'HP'], DAY_CHART));
        assert.equal(pricings[1].payload.energyLines[0].price, 0.2, "September is priced from August's tariff");
        assert.equal(pricings[1].topic, 'home');
        assert.notEqual(pricings[1]._msgid, pricings[0]._msgid);
        await waitFor(() => fs.existsSync(stateFile())); // saved in the background, after output 2 is sent

        // Restart: the runtime stops, then starts again with the same flow.
        await helper.unload();
        ({ tc, pricings, schedules } = await load());
        assert.deepEqual(announced().payload, [HPHC, HPHC_AUGUST]);
        tc.receive({ payload: DAY_CHART.payload, history: DAY_CHART.history });
        await waitFor(() => pricings.length === 1);
        assert.deepEqual(pricings[0].payload, expectedPricing([HPHC, HPHC_AUGUST], ['HC', 'HP'], DAY_CHART));
        tc.receive({ kind: 'get' });
        await waitFor(() => schedules.length === 1);
        assert.deepEqual(schedules[0].payload, [HPHC, HPHC_AUGUST]);
        assert.deepEqual(pastCalls(tc, 'warn'), []);
    });

    const refusedSchedules: [string, Msg, string][] = [
        [
            'a negative price',
            { kind: 'schedule', payload: [{ ...HPHC, prices: { HC: -0.1, HP: 0.2 } }] },
            'tariff-cost.errors.refusedSchedule',
        ],
        [
            'two tariffs on one day',
            { kind: 'schedule', payload: [HPHC, { ...HPHC_AUGUST, from: HPHC.from }] },
            'tariff-cost.errors.refusedSchedule',
        ],
        [
            "no price for a series' period",
            { kind: 'schedule', payload: [{ ...HPHC, prices: { base: 0.2 } }] },
            'tariff-cost.errors.unpricedPeriods',
        ],
        ['series periods that are not names', { kind: 'schedule', payload: [HPHC], periods: 'HC,1HP' }, 'tariff-cost.errors.inputPeriods'],
        ['an unknown home Linky option', { kind: 'homeLinky', payload: {}, option: 'ejp' }, 'tariff-cost.errors.refusedSchedule'],
        ['an unknown kind', { kind: 'prices', payload: [HPHC] }, 'tariff-cost.errors.kind'],
    ];
    for (const [what, msg, key] of refusedSchedules) {
        test(`a refused schedule (${what}): a catchable error naming it, red status, and the previous schedule in force`, async () => {
            const { tc, pricings, schedules, caught } = await load();
            tc.receive(msg);
            await waitFor(() => caught.length === 1);
            assert.equal(caught[0].error.message, `Error: ${key}`);
            await statusMatching(tc, (s) => s.fill === 'red' && s.shape === 'ring');
            assert.equal(schedules.length, 0);
            tc.receive({ payload: DAY_CHART.payload, history: DAY_CHART.history });
            await waitFor(() => pricings.length === 1);
            assert.deepEqual(pricings[0].payload, expectedPricing([HPHC], ['HC', 'HP'], DAY_CHART));
            await statusMatching(tc, (s) => s.fill === 'green');
            assert.equal(fs.existsSync(stateFile()), false, 'nothing saved');
        });
    }

    test("the home Linky form: its option's schedule and series, its saved prices as the flow read them", async () => {
        const { tc, pricings, schedules, caught } = await load();
        const stored = { subscription: '12.44', base: '0.2516', hphcHC: '', hphcHP: '0.27', tempoRedHP: '0.7062' };
        tc.receive({ kind: 'homeLinky', payload: stored, option: 'base' });
        await waitFor(() => schedules.length === 1);
        const base: Tariff = {
            from: '1970-01-01',
            currency: 'EUR',
            unit: 'kWh',
            subscription: { amount: 12.44, per: 'month' },
            prices: { base: 0.2516 },
        };
        assert.deepEqual(schedules[0], {
            payload: [base],
            periods: ['base', 'base'],
            labels: { base: 'base' },
            symbol: '€',
            _msgid: schedules[0]._msgid,
        });
        tc.receive({ payload: DAY_CHART.payload, history: DAY_CHART.history });
        await waitFor(() => pricings.length === 1);
        assert.deepEqual(pricings[0].payload, expectedPricing([base], ['base', 'base'], DAY_CHART));

        const tempoChart = growingIndexesChart(
            'month',
            Date.parse('2025-09-10T12:00:00Z'),
            ['EASF01', 'EASF02', 'EASF03', 'EASF04', 'EASF05', 'EASF06'],
            (f) => 100 * (f + 1),
        );
        tc.receive({ kind: 'homeLinky', payload: stored, option: 'tempo' });
        tc.receive({ payload: tempoChart.payload, history: tempoChart.history });
        await waitFor(() => pricings.length === 2 && schedules.length === 2);
        const tempoPrices = Object.fromEntries(TEMPO_PERIODS.map((period) => [period, period === 'redHP' ? 0.7062 : 0]));
        const tempo: Tariff = { ...base, prices: tempoPrices };
        assert.deepEqual(schedules[1].payload, [tempo]);
        assert.deepEqual(schedules[1].periods, TEMPO_PERIODS);
        assert.deepEqual(pricings[1].payload, expectedPricing([tempo], TEMPO_PERIODS, tempoChart));
        // The base chart kept was priced again under Tempo first, and refused: its two series are not Tempo's six.
        assert.deepEqual(
            caught.map((m) => m.error.message),
            ['tariff-cost.consumptionErrors.periods'],
        );
    });

    test('samples and intervals, and msg.periods for one message', async () => {
        const { tc, pricings, caught } = await load({ periods: '' });
        const start = Date.parse('2025-09-10T00:00:00+02:00');
        tc.receive({
            payload: [
                { timestamp: start, value: 1.5 },
                { timestamp: start + 3_600_000, value: null },
                { timestamp: start + 7_200_000, value: 2 },
            ],
            history: { start, end: start + 3 * 3_600_000, interval: 3600, field: 'HCHP' },
            periods: ['HP'],
        });
        tc.receive({ payload: [{ start: '2025-09-10T00:00:00+02:00', end: '2025-09-11T00:00:00+02:00', consumption: { HC: 4, HP: 6 } }] });
        await waitFor(() => pricings.length === 2);
        const hour = (h: number, quantity: number | null) =>
            intervalIn(paris, start + h * 3_600_000, start + (h + 1) * 3_600_000, { HP: quantity });
        assert.deepEqual(pricings[0].payload, priceConsumption([HPHC], [hour(0, 1.5), hour(1, null), hour(2, 2)]));
        assert.deepEqual(pricings[1].payload, priceConsumption([HPHC], [intervalIn(paris, start, start + DAY_MS, { HC: 4, HP: 6 })]));
        assert.equal(pricings[1].payload.total, 4 * 0.1696 + 6 * 0.2146 + 15.74 / 30);
        assert.equal(caught.length, 0);
    });

    const refusedConsumption: [string, Msg, string][] = [
        ['not consumption', { payload: 42 }, 'tariff-cost.consumptionErrors.shape'],
        ['a chart without its end', { payload: DAY_CHART.payload }, 'tariff-cost.consumptionErrors.end'],
        [
            'more series than periods',
            { payload: DAY_CHART.payload, history: DAY_CHART.history, periods: 'HC' },
            'tariff-cost.consumptionErrors.periods',
        ],
        [
            'a day no tariff covers',
            { payload: [{ start: '2023-05-01T00:00:00+02:00', end: '2023-05-02T00:00:00+02:00', consumption: { HC: 1 } }] },
            'tariff-cost.errors.pricing',
        ],
        [
            'a negative quantity',
            { payload: [{ start: '2025-05-01T00:00:00+02:00', end: '2025-05-02T00:00:00+02:00', consumption: { HC: -1 } }] },
            'tariff-cost.errors.pricing',
        ],
    ];
    for (const [what, msg, key] of refusedConsumption) {
        test(`consumption that cannot be priced (${what}): a catchable error, counted, and the node goes on`, async () => {
            const { tc, pricings, caught } = await load();
            tc.receive(msg);
            await waitFor(() => caught.length === 1);
            assert.equal(caught[0].error.message, `Error: ${key}`);
            await statusMatching(tc, (s) => s.fill === 'red' && s.text === 'tariff-cost.status.summary');
            tc.receive({ payload: DAY_CHART.payload, history: DAY_CHART.history });
            await waitFor(() => pricings.length === 1);
        });
    }

    const badProperties: [string, Record<string, unknown>, string][] = [
        ['no tariffs', { schedule: '' }, 'tariff-cost.errors.noSchedule'],
        ['tariffs that are not JSON', { schedule: '[{"from": ' }, 'tariff-cost.errors.scheduleJson'],
        ['a tariff without a currency', { schedule: JSON.stringify([{ ...HPHC, currency: 'euro' }]) }, 'tariff-cost.errors.schedule'],
        ['series periods that are not names', { periods: 'HC;HP' }, 'tariff-cost.errors.periods'],
        ['a series period no tariff prices', { periods: 'HC,HP,base' }, 'tariff-cost.errors.unpricedPeriods'],
        ['an unknown time zone', { timeZone: 'Europe/Pariss' }, 'tariff-cost.errors.timeZone'],
    ];
    for (const [what, props, key] of badProperties) {
        test(`bad properties (${what}): red status with the reason, a catchable error at start and for every message`, async () => {
            const { tc, pricings, schedules } = await load(props, true);
            const status = await statusMatching(tc, (s) => s.fill === 'red');
            assert.equal(status.text, key);
            const [[startError, startMessage]] = pastCalls(tc, 'error');
            assert.ok(String(startError).startsWith(`${key} (`), String(startError));
            assert.equal((startMessage as { topic: string }).topic, 'tariff-cost');
            tc.receive({ payload: DAY_CHART.payload, history: DAY_CHART.history });
            const c1 = helper.getNode('c1');
            await waitFor(() => pastCalls(c1, 'send').length === 2);
            const messages = pastCalls(c1, 'send').map(([caught]) => (caught as { error: { message: string } }).error.message);
            assert.deepEqual(messages, [startError, `Error: ${String(startError)}`]);
            assert.equal(pricings.length + schedules.length, 0);
        });
    }

    test('changed properties win over a schedule received earlier, with a warning', async () => {
        const first = await load();
        first.tc.receive({ kind: 'schedule', payload: [HPHC_AUGUST] });
        await waitFor(() => first.schedules.length === 1);
        await helper.unload();
        const { tc } = await load({ schedule: JSON.stringify([HPHC, HPHC_AUGUST]) });
        assert.deepEqual(
            pastCalls(tc, 'warn').map(([text]) => text),
            ['tariff-cost.warnings.propertiesChanged'],
        );
        assert.deepEqual(announced().payload, [HPHC, HPHC_AUGUST]);
    });

    test('an unreadable state file: a warning, and the properties in force', async () => {
        fs.mkdirSync(path.dirname(stateFile()), { recursive: true });
        fs.writeFileSync(stateFile(), '{ not json');
        const { tc } = await load();
        assert.deepEqual(
            pastCalls(tc, 'warn').map(([text]) => text),
            ['tariff-cost.warnings.unreadableState'],
        );
        assert.deepEqual(announced().payload, [HPHC]);
    });

    test('deleting the node deletes its state file', async () => {
        const { tc, schedules } = await load();
        tc.receive({ kind: 'schedule', payload: [HPHC_AUGUST] });
        await waitFor(() => schedules.length === 1);
        await helper.setFlows(flow(), 'full');
        assert.ok(fs.existsSync(stateFile()));
        await helper.setFlows(
            flow().filter((n) => n.id !== 'tc' && n.id !== 'c1'),
            'full',
        );
        assert.equal(fs.existsSync(stateFile()), false);
    });
});
