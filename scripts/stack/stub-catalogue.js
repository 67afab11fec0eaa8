// Preload (node -r) for scripts/scorecard.sh: node-red-dev 0.1.6 downloads the Flow Library
// catalogue with axios (checks P08 and N01), and catalogue.nodered.org is unreachable here, which
// aborts the whole validation. This answers that one URL with an empty catalogue; every other
// request (registry.npmjs.org for P06, P07, D02, D03) goes out unchanged. With an empty catalogue
// P08 (similar names) and N01 (unique type names) pass by construction: check them online.
'use strict';
const Module = require('node:module');

const CATALOGUE_URL = 'https://catalogue.nodered.org/catalogue.json';
const stubbed = Symbol('catalogue stub installed');
const originalLoad = Module._load;

Module._load = function (request, parent, isMain) {
    const loaded = originalLoad.call(this, request, parent, isMain);
    if (request === 'axios' && loaded && loaded.interceptors && !loaded[stubbed]) {
        loaded[stubbed] = true;
        loaded.interceptors.request.use((config) => {
            if (config.url !== CATALOGUE_URL) return config;
            // A request adapter short-circuits the network; axios still applies its response transforms.
            return {
                ...config,
                adapter: async () => ({
                    data: JSON.stringify({ modules: [] }),
                    status: 200,
                    statusText: 'OK',
                    headers: { 'content-type': 'application/json' },
                    config,
                    request: {},
                }),
            };
        });
    }
    return loaded;
};
