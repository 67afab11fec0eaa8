/**
 * `tariff-cost`: prices consumption per tariff period with a schedule of tariffs, and keeps the
 * schedule a dashboard (or any flow) sends it across restarts. The model, the pricing, the reading
 * of the consumption messages and the table live in lib/tariff; this file maps the node's
 * properties, messages, saved state and status onto them.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { ConsumptionError, consumptionIntervals } from '../../lib/tariff/consumption-input';
import { HOME_LINKY_SERIES, homeLinkyOption, homeLinkySchedules } from '../../lib/tariff/home-linky';
import { priceConsumption } from '../../lib/tariff/pricing';
import { currencySymbol, pricingTable } from '../../lib/tariff/pricing-table';
import { TariffError } from '../../lib/tariff/tariff-error';
import { validateSchedule, type TariffSchedule } from '../../lib/tariff/tariff';
import { TimeZone } from '../../lib/util/time-zone';
import { settingsOrRefuse } from '../shared/bad-config';
import { StateFile } from '../shared/state-file';
import { TrailingThrottle } from '../shared/status-throttle';
import { userDirPath } from '../shared/user-dir';
import { parseTariffCost, periodList, scheduleFrom, TARIFF_COST_LIMITS, unpricedPeriods, type TariffCostProperties } from './config';
import { consumptionReason, tariffReason } from './reasons';
import { tariffCostStatus } from './status';

type TariffCostDef = NodeDef & TariffCostProperties;

/** What the node prices with: the schedule in force and the period of each series. */
interface Pricer {
    schedule: TariffSchedule;
    /** Undefined: the series' own names. */
    periods: string[] | undefined;
}

/** The saved state: the pricer, and the properties it was derived from (a changed property wins). */
interface SavedState {
    format: typeof STATE_FORMAT;
    configured: { schedule: TariffSchedule; periods: string[] | null };
    schedule: TariffSchedule;
    periods: string[] | null;
}

/** A consumption message kept to be priced again under a new schedule. */
interface KeptConsumption {
    msg: NodeMessage;
    receivedAt: number;
}

const STATE_FORMAT = 'energy-tariff-cost/1';
/** Under the userDir: one file per node, named by its id. */
const STATE_FOLDER = 'energy-tariff-cost';
/** The last consumption of at most this many topics is kept to be priced again. */
const KEPT_TOPICS = 100;

/** A message the node cannot use: its reason, worded, for done(err). */
class Refusal extends Error {}

export = function (RED: NodeAPI) {
    function TariffCostNode(this: Node, def: TariffCostDef) {
        RED.nodes.createNode(this, def);
        const node = this;
        const describeTariffError = (err: TariffError) => tariffReason(RED._, err);

        const settings = settingsOrRefuse(RED, node, def, (config) => parseTariffCost(config, describeTariffError));
        if (settings === undefined) return;

        const zone = new TimeZone(settings.timeZone);
        const configured = { schedule: settings.schedule, periods: settings.periods ?? null };
        const stateFile = new StateFile(userDirPath(RED, STATE_FOLDER, `${encodeURIComponent(node.id)}.json`));
        let pricer: Pricer = restore();
        let saving: Promise<void> = Promise.resolve();
        const kept = new Map<string, KeptConsumption>();
        const counters = { priced: 0, refused: 0, lastTotal: undefined as string | undefined, lastRefused: false };

        const status = new TrailingThrottle(() => node.status(tariffCostStatus({ tariffs: pricer.schedule.length, ...counters }, RED._)));

        function restore(): Pricer {
            const fromProperties = { schedule: settings!.schedule, periods: settings!.periods };
            let saved: unknown;
            try {
                saved = stateFile.read();
                if (saved === undefined) return fromProperties;
                const state = saved as Partial<SavedState>;
                if (state.format !== STATE_FORMAT) throw new Error(`not ${STATE_FORMAT}`);
                if (JSON.stringify(state.configured) !== JSON.stringify(configured)) {
                    node.warn(RED._('tariff-cost.warnings.propertiesChanged'));
                    return fromProperties;
                }
                return checkedPricer(state.schedule, periodsOf(state.periods));
            } catch (err) {
                const error = err instanceof Refusal ? err.message : (err as Error).message;
                node.warn(RED._('tariff-cost.warnings.unreadableState', { file: stateFile.file, error }));
                return fromProperties;
            }
        }

        /** A schedule and a mapping checked together: every period a series maps to is priced by a tariff. */
        function checkedPricer(schedule: unknown, periods: string[] | undefined): Pricer {
            let checked: TariffSchedule;
            try {
                checked = validateSchedule(scheduleFrom(schedule));
            } catch (err) {
                if (err instanceof TariffError)
                    throw new Refusal(RED._('tariff-cost.errors.refusedSchedule', { reason: describeTariffError(err) }));
                throw err;
            }
            const unpriced = unpricedPeriods(checked, periods ?? []);
            if (unpriced.length > 0) throw new Refusal(RED._('tariff-cost.errors.unpricedPeriods', { periods: unpriced.join(', ') }));
            return { schedule: checked, periods };
        }

        /** msg.periods as a list; undefined when absent or empty. */
        function periodsOf(value: unknown): string[] | undefined {
            const list = periodList(value);
            if (list === undefined) throw new Refusal(RED._('tariff-cost.errors.inputPeriods', { value: JSON.stringify(value) }));
            return list.length === 0 ? undefined : list;
        }

        function scheduleMessage(): NodeMessage {
            const periods = new Set([...pricer.schedule.flatMap((tariff) => Object.keys(tariff.prices)), ...(pricer.periods ?? [])]);
            const labels = Object.fromEntries([...periods].map((period) => [period, labelOf(period)]));
            return {
                payload: pricer.schedule,
                periods: pricer.periods ?? null,
                labels,
                symbol: currencySymbol(pricer.schedule[0].currency),
            };
        }

        /** The period as the locale names it (off-peak for HC), its name when the locale has none. */
        function labelOf(period: string): string {
            const key = `tariff-cost.period.${period}`;
            const label = RED._(key);
            return label === '' || label.endsWith(key) ? period : label;
        }

        function priced(msg: NodeMessage, receivedAt: number): NodeMessage {
            const m = msg as NodeMessage & { history?: unknown; periods?: unknown };
            const periods = periodsOf(m.periods) ?? pricer.periods;
            try {
                const intervals = consumptionIntervals({ payload: m.payload, history: m.history }, { periods, zone, now: receivedAt });
                const pricing = priceConsumption(pricer.schedule, intervals);
                const table = pricingTable(pricing, labelOf);
                counters.priced++;
                counters.lastTotal = table.total;
                counters.lastRefused = false;
                return Object.assign(msg, { payload: pricing, table });
            } catch (err) {
                if (err instanceof ConsumptionError) throw new Refusal(consumptionReason(RED._, err));
                if (err instanceof TariffError)
                    throw new Refusal(RED._('tariff-cost.errors.pricing', { reason: describeTariffError(err) }));
                throw err;
            }
        }

        function keep(msg: NodeMessage, receivedAt: number): void {
            const topic = msg.topic === undefined || msg.topic === null ? '' : String(msg.topic);
            kept.delete(topic);
            kept.set(topic, { msg: RED.util.cloneMessage(msg), receivedAt });
            if (kept.size > KEPT_TOPICS) kept.delete(kept.keys().next().value!);
        }

        /** A new pricer in force: saved, sent on output 2, and the consumption kept priced again. */
        function adopt(next: Pricer, send: (msgs: (NodeMessage | NodeMessage[] | null)[]) => void): void {
            pricer = next;
            counters.lastRefused = false;
            const state: SavedState = { format: STATE_FORMAT, configured, schedule: next.schedule, periods: next.periods ?? null };
            saving = stateFile
                .write(state)
                .catch((err: Error) => node.warn(RED._('tariff-cost.warnings.saveFailed', { file: stateFile.file, error: err.message })));
            const repriced: NodeMessage[] = [];
            for (const { msg, receivedAt } of kept.values()) {
                const copy = RED.util.cloneMessage(msg);
                delete copy._msgid;
                try {
                    repriced.push(priced(copy, receivedAt));
                } catch (err) {
                    if (!(err instanceof Refusal)) throw err;
                    counters.refused++;
                    counters.lastRefused = true;
                    node.error(err.message, msg);
                }
            }
            send([repriced, scheduleMessage()]);
        }

        node.on('input', (msg: NodeMessageInFlow, send, done) => {
            const kind: unknown = (msg as { kind?: unknown }).kind ?? 'consumption';
            const receivedAt = Date.now();
            try {
                switch (kind) {
                    case 'consumption': {
                        const original = RED.util.cloneMessage(msg);
                        send([priced(msg, receivedAt), null]);
                        keep(original, receivedAt);
                        break;
                    }
                    case 'schedule':
                        adopt(checkedPricer(msg.payload, periodsOf((msg as { periods?: unknown }).periods) ?? pricer.periods), send);
                        break;
                    case 'homeLinky':
                        adopt(homeLinkyPricer((msg as { option?: unknown }).option, msg.payload), send);
                        break;
                    case 'get':
                        send([null, scheduleMessage()]);
                        break;
                    default:
                        throw new Refusal(RED._('tariff-cost.errors.kind', { kind: JSON.stringify(kind) }));
                }
            } catch (err) {
                if (!(err instanceof Refusal)) throw err;
                counters.refused++;
                counters.lastRefused = true;
                status.request(true);
                done(err);
                return;
            }
            status.request();
            done();
        });

        /** The home Linky flow's stored tariffs and option (lib/tariff/home-linky), with its series. */
        function homeLinkyPricer(storedOption: unknown, storedTariffs: unknown): Pricer {
            try {
                const option = homeLinkyOption(storedOption);
                return checkedPricer(homeLinkySchedules(storedTariffs)[option], [...HOME_LINKY_SERIES[option]]);
            } catch (err) {
                if (err instanceof TariffError)
                    throw new Refusal(RED._('tariff-cost.errors.refusedSchedule', { reason: describeTariffError(err) }));
                throw err;
            }
        }

        // The schedule in force once the flows run, for an editor wired to output 2.
        const announce = () => node.send([null, scheduleMessage()]);
        RED.events.once('flows:started', announce);

        node.on('close', (removed: boolean, done: () => void) => {
            RED.events.removeListener('flows:started', announce);
            status.cancel();
            // A deleted node's state goes with it, after any save in progress.
            const finish = removed ? saving.then(() => stateFile.remove()) : saving;
            finish
                .catch((err: Error) => node.warn(RED._('tariff-cost.warnings.saveFailed', { file: stateFile.file, error: err.message })))
                .finally(done);
        });

        status.request(true);
    }

    RED.nodes.registerType('tariff-cost', TariffCostNode, {
        settings: { tariffCostLimits: { value: TARIFF_COST_LIMITS, exportable: true } },
    });
};
