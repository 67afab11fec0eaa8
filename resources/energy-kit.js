/**
 * What the editor and the runtime share: config migrations, the check of numeric properties
 * against their limits, and the editor's form helpers. Node-RED serves this folder at resources/@kerrucent/node-red-energy/;
 * every node's editor .html loads this file first, then its own migrations
 * (migrations/<type>.js). The runtime requires the same files (nodes/shared/migrations.ts), so the
 * editor and the runtime migrate a saved config the same way.
 *
 * Plain ES5 for the browser, no dependency; the editor-only helpers read RED and jQuery when called.
 */
(function (root, factory) {
    var kit = factory();
    if (typeof module === 'object' && module.exports) module.exports = kit;
    else root.EnergyKit = root.EnergyKit || kit;
})(this, function () {
    'use strict';

    /** Migrations per node type, filled by migrations/<type>.js in the editor. */
    var migrations = {};

    /**
     * Whether `value` (a number) is within `limits` ({ integer, min, max, above, below }, each
     * optional): the browser's copy of lib/util/limits.ts, tested against it.
     */
    function withinLimits(value, limits) {
        if (typeof value !== 'number' || !isFinite(value)) return false;
        if (limits.integer === true && Math.floor(value) !== value) return false;
        if (limits.min !== undefined && value < limits.min) return false;
        if (limits.max !== undefined && value > limits.max) return false;
        if (limits.above !== undefined && value <= limits.above) return false;
        return limits.below === undefined || value < limits.below;
    }

    /** The config version a node of this type saves today: the last migration's, 1 without any. */
    function latestVersion(list) {
        return list.length === 0 ? 1 : list[list.length - 1].to;
    }

    /**
     * A copy of `config` brought to the latest version: each migration whose `to` is above the saved
     * `configVersion` (missing means 1) runs in order. A config saved by a newer release of the
     * package is returned as it is rather than downgraded.
     */
    function migrate(config, list) {
        var from = Number(config.configVersion) || 1;
        var latest = latestVersion(list);
        var out = {};
        Object.keys(config).forEach(function (key) {
            out[key] = config[key];
        });
        if (from > latest) return out;
        list.forEach(function (migration) {
            if (migration.to > from) out = migration.up(out);
        });
        out.configVersion = latest;
        return out;
    }

    // ---- editor only ----

    /** The translated reason a validator returns (the editor shows it), or false outside the editor. */
    function reason(node, key) {
        return node && typeof node._ === 'function' ? node._(key) : false;
    }

    /**
     * The value of `property` on the form while the node's edit dialog is open (the element
     * `markerId` exists only in that dialog), else the node's saved value; `fallback` when empty.
     * Validators run both while editing (live, on the form) and on the workspace (on the saved node).
     */
    function formOr(node, property, fallback, markerId) {
        var editing = $('#' + markerId).length > 0;
        var value = editing ? $('#' + inputPrefix(node) + property).val() : node[property];
        return value === undefined || value === null || value === '' ? fallback : value;
    }

    /**
     * A validator of a numeric property against the limits the runtime exports in the setting
     * `setting` (e.g. influxStoreLimits), refused with the i18n key `key`. An empty value passes
     * when `optional` (the runtime's default applies). Two parameters: the editor shows the reason
     * only for a two-argument validator.
     */
    function numberValidator(setting, property, key, optional) {
        return function (v, opt) {
            var text = String(v === undefined || v === null ? '' : v).trim();
            if (text === '') return optional ? true : reason(this, key);
            var limits = (RED.settings[setting] || {})[property] || {};
            return withinLimits(Number(text), limits) ? true : reason(this, key);
        };
    }

    /** The editor's id prefix of a node's form inputs: config nodes have their own. */
    function inputPrefix(node) {
        return node._def && node._def.category === 'config' ? 'node-config-input-' : 'node-input-';
    }

    /**
     * Brings the node being edited to the latest config version before its form is used: the
     * editor fills the form from the saved properties and saves what the form shows, so a migrated
     * value must reach both the node and its input. Call first in oneditprepare.
     */
    function prepareForm(node, type) {
        var migrated = migrate(node, migrations[type] || []);
        Object.keys(migrated).forEach(function (key) {
            var value = migrated[key];
            if (node[key] === value) return;
            node[key] = value;
            var input = $('#' + inputPrefix(node) + key);
            if (input.is(':checkbox')) input.prop('checked', value === true || value === 'true');
            else if (input.length > 0) input.val(value);
        });
    }

    return {
        migrations: migrations,
        withinLimits: withinLimits,
        latestVersion: latestVersion,
        migrate: migrate,
        reason: reason,
        formOr: formOr,
        numberValidator: numberValidator,
        prepareForm: prepareForm,
    };
});
