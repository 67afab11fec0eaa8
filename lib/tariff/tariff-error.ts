/**
 * Why a tariff, a schedule or a pricing request is refused: a code and the data a node needs to
 * word it in its own locales. `tariff`, `window` and `interval` in the data are positions in the
 * list given (0-based), `date` a local YYYY-MM-DD date, `value` the offending value.
 *
 *   schedule         the schedule is not a non-empty list                       { value }
 *   tariff           a tariff is not an object                                  { tariff, value }
 *   currency         not an ISO 4217 code the runtime knows                     { tariff, value }
 *   unit             not a non-empty unit name                                  { tariff, value }
 *   mixedCurrencies  a schedule prices in two currencies                        { tariff, value, expected }
 *   mixedUnits       a schedule prices two units                                { tariff, value, expected }
 *   subscription     not null nor { amount ≥ 0, per: month | year }             { tariff, value }
 *   prices           no price at all, or not an object                          { tariff, value }
 *   period           a period name that is not an identifier                    { tariff, value }
 *   price            a price that is not a finite number ≥ 0                    { tariff, period, value }
 *   date             `from` or `to` not a real date, or `to` before `from`      { tariff, field, value }
 *   overlap          two tariffs apply on the same day                          { tariff, other, date }
 *   window           a clock window (or the clock) is malformed                 { tariff, window, field, value }
 *   windowPeriod     a clock names a period the tariff does not price           { tariff, window, period }
 *   localTime        a local time given to periodAt is malformed                { field, value }
 *   interval         a consumption interval is malformed                        { interval, field, value }
 *   quantity         a consumption that is not a finite number ≥ 0 (nor null)   { interval, period, value }
 *   noTariff         consumption or subscription on a day no tariff covers      { date }
 *   unpricedPeriod   consumption in a period the tariff in force does not price { interval, period, tariff }
 *   option           not a home Linky tariff option                             { value }
 *
 * `window` is 'otherwise' for the clock's default period, null for the clock itself; in
 * unpricedPeriod, `tariff` is the `from` date of the tariff in force.
 */
export type TariffErrorReason =
    | 'schedule'
    | 'tariff'
    | 'currency'
    | 'unit'
    | 'mixedCurrencies'
    | 'mixedUnits'
    | 'subscription'
    | 'prices'
    | 'period'
    | 'price'
    | 'date'
    | 'overlap'
    | 'window'
    | 'windowPeriod'
    | 'localTime'
    | 'interval'
    | 'quantity'
    | 'noTariff'
    | 'unpricedPeriod'
    | 'option';

export class TariffError extends Error {
    constructor(
        readonly reason: TariffErrorReason,
        readonly data: Readonly<Record<string, unknown>>,
    ) {
        super(`tariff: ${reason} ${JSON.stringify(data)}`);
    }
}
