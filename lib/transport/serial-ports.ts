/**
 * The serial ports a user can pick in the editor. SerialPort.list() shells out to udevadm, which
 * containers and minimal systems lack: then the stable /dev/serial/by-id links are offered.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { SerialPort } from 'serialport';

export interface SerialPortChoice {
    path: string;
    /** Manufacturer or adapter description when known. */
    label: string;
}

const BY_ID = '/dev/serial/by-id';

export async function listSerialPorts(): Promise<SerialPortChoice[]> {
    try {
        const ports = await SerialPort.list();
        if (ports.length > 0)
            return ports.map((p) => ({ path: p.path, label: [p.manufacturer, p.serialNumber].filter(Boolean).join(' ') }));
    } catch {
        // udevadm missing or failing: fall through to the by-id links.
    }
    try {
        const names = await fs.readdir(BY_ID);
        return names.sort().map((name) => ({ path: path.join(BY_ID, name), label: name }));
    } catch {
        return [];
    }
}
