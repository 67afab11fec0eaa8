/**
 * The "Home Linky" flow's tariffs as the model, so that the flow can move onto it keeping the
 * prices its users saved. The flow keeps, in the `file` context store, `tariffs`: the dashboard
 * form's object (a subscription in € per month, and € per kWh: base, hphcHC, hphcHP, tempoBlueHC,
 * tempoBlueHP, tempoWhiteHC, tempoWhiteHP, tempoRedHC, tempoRedHP; numbers, or the strings a form
 * may hand over), and `tariffOption`: base, hphc or tempo. It read a price as `Number(value) || 0`,
 * and so does the mapping: an empty or missing price is 0.
 */
import { TEMPO_PERIODS } from './clock';
import { TariffError } from './tariff-error';
import { validateSchedule, type Tariff, type TariffSchedule } from './tariff';

export const HOME_LINKY_OPTIONS = ['base', 'hphc', 'tempo'] as const;
export type HomeLinkyOption = (typeof HOME_LINKY_OPTIONS)[number];

/**
 * The period of each series of the flow's history charts, in the order of its influx-history
 * fields: HCHC and HCHP (the home meter) for base and hphc, EASF01 to EASF06 (the Tempo meter) for
 * tempo. With consumptionOf, a chart interval's values become the consumption priceConsumption takes.
 */
export const HOME_LINKY_SERIES: Readonly<Record<HomeLinkyOption, readonly string[]>> = {
    base: ['base', 'base'],
    hphc: ['HC', 'HP'],
    tempo: TEMPO_PERIODS,
};

/** Since when the mapped tariffs apply: the flow priced all its history with one set of prices. */
export const HOME_LINKY_SINCE = '1970-01-01';

/** The stored option; HP/HC when none was ever chosen, as the flow defaulted. */
export function homeLinkyOption(value: unknown): HomeLinkyOption {
    if (value === undefined || value === null || value === '') return 'hphc';
    if (!(HOME_LINKY_OPTIONS as readonly unknown[]).includes(value)) throw new TariffError('option', { value });
    return value as HomeLinkyOption;
}

/** One schedule per option from the stored prices (undefined before any was saved): all three keep the user's prices. */
export function homeLinkySchedules(stored: unknown, from = HOME_LINKY_SINCE): Record<HomeLinkyOption, TariffSchedule> {
    const saved = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
    const price = (key: string) => Number(saved[key]) || 0;
    const tariff = (prices: Record<string, number>): Tariff => ({
        from,
        currency: 'EUR',
        unit: 'kWh',
        subscription: { amount: price('subscription'), per: 'month' },
        prices,
    });
    const storedTempoKey = (period: string) => `tempo${period[0].toUpperCase()}${period.slice(1)}`;
    return {
        base: validateSchedule([tariff({ base: price('base') })]),
        hphc: validateSchedule([tariff({ HC: price('hphcHC'), HP: price('hphcHP') })]),
        tempo: validateSchedule([tariff(Object.fromEntries(TEMPO_PERIODS.map((period) => [period, price(storedTempoKey(period))])))]),
    };
}
