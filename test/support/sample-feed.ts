/**
 * A test-only flow tab that feeds samples into a shipped flow: POST a JSON array of
 * { topic, payload, timestamp } to `/<name>/samples` and each becomes one message sent to the
 * `link in` node `target` (link nodes reach across tabs, so the shipped flow is used as is).
 */
export function sampleFeedTab(name: string, target: string): { nodes: unknown[]; path: string } {
    const id = (part: string) => `${name}-${part}`;
    const path = `/${name}/samples`;
    return {
        path,
        nodes: [
            { id: name, type: 'tab', label: 'Test feed', disabled: false, info: '' },
            {
                z: name,
                id: id('http'),
                type: 'http in',
                name: '',
                url: path,
                method: 'post',
                upload: false,
                swaggerDoc: '',
                x: 140,
                y: 80,
                wires: [[id('split')]],
            },
            {
                z: name,
                id: id('split'),
                type: 'function',
                name: 'One message per sample',
                func: 'const samples = msg.payload.map((s) => ({ topic: s.topic, payload: s.payload, timestamp: s.timestamp }));\nmsg.payload = { count: samples.length };\nreturn [samples, msg];',
                outputs: 2,
                timeout: 0,
                noerr: 0,
                initialize: '',
                finalize: '',
                libs: [],
                x: 360,
                y: 80,
                wires: [[id('link')], [id('response')]],
            },
            { z: name, id: id('link'), type: 'link out', name: '', mode: 'link', links: [target], x: 560, y: 60, wires: [] },
            { z: name, id: id('response'), type: 'http response', name: '', statusCode: '', headers: {}, x: 570, y: 100, wires: [] },
        ],
    };
}
