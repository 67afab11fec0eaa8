/**
 * influx-store's config migrations, run by the runtime (nodes/shared/migrations.ts) and the editor
 * (EnergyKit.prepareForm), oldest first. Plain ES5: the editor runs it as it is.
 */
(function (migrations) {
    if (typeof module === 'object' && module.exports) module.exports = migrations;
    else window.EnergyKit.migrations['influx-store'] = migrations;
})([
    {
        // 2: numbers are floats unless asked (`numbers`, `integerFields`). A flow saved with
        // numbers 'auto' keeps it; one saved without `numbers` takes the new default, 'float'.
        to: 2,
        up: function (config) {
            if (config.numbers === undefined || config.numbers === null || config.numbers === '') config.numbers = 'float';
            if (config.integerFields === undefined || config.integerFields === null) config.integerFields = '';
            return config;
        },
    },
]);
