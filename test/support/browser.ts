/** Debian's headless Chromium for the browser tests, driven by playwright-core (which never downloads a browser). */
import { chromium, type Browser } from 'playwright-core';

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

export function launchChromium(): Promise<Browser> {
    return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}
