/**
 * A mail server that keeps what it receives: the alert mails of the shipped flows arrive here in
 * the demo and the tests, over real SMTP from node-red-node-email's `e-mail` node, so that the
 * path a user's mail relay sees is the one exercised. Loopback only, no authentication, no TLS:
 * a relay on 127.0.0.1:25 is the flows' default, and STARTTLS is not offered because the client
 * would try it and refuse smtp-server's self-signed certificate.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
    /** The From header, as written (`Name <address>` or the address). */
    from: string;
    /** The addresses of the To header. */
    to: string[];
    subject: string;
    /** The plain-text body. */
    text: string;
    /** The Date header. */
    date: Date | undefined;
}

export interface SmtpSinkOptions {
    /** 0 or omitted: a free port, see `port` on the result. */
    port?: number;
    /** Called for each mail once it is parsed. */
    onMail?: (mail: ReceivedMail) => void;
}

export interface SmtpSink {
    host: string;
    port: number;
    /** Every mail received so far, oldest first. */
    readonly mails: readonly ReceivedMail[];
    /** Stops listening; a client still connected is cut off after a second. */
    close(): Promise<void>;
}

const HOST = '127.0.0.1';
/** Alerts are a few lines: anything much bigger is a mistake worth refusing. */
const MAX_MAIL_BYTES = 1_000_000;
const CLOSE_TIMEOUT_MS = 1000;

function addressesOf(header: AddressObject | AddressObject[] | undefined): string[] {
    if (header === undefined) return [];
    return (Array.isArray(header) ? header : [header])
        .flatMap((group) => group.value)
        .flatMap((entry) => (entry.address === undefined ? [] : [entry.address]));
}

export function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
    const mails: ReceivedMail[] = [];
    const server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['AUTH', 'STARTTLS'],
        size: MAX_MAIL_BYTES,
        logger: false,
        closeTimeout: CLOSE_TIMEOUT_MS,
        onData(stream, _session, callback) {
            simpleParser(stream).then(
                (parsed) => {
                    const mail: ReceivedMail = {
                        from: parsed.from?.text ?? '',
                        to: addressesOf(parsed.to),
                        subject: parsed.subject ?? '',
                        text: parsed.text ?? '',
                        date: parsed.date,
                    };
                    mails.push(mail);
                    options.onMail?.(mail);
                    callback();
                },
                (err: Error) => callback(err),
            );
        },
    });

    return new Promise((resolve, reject) => {
        let listening = false;
        // Before listening: the port cannot be had. After: a client's connection failed (a reset,
        // a timeout), which the client reports; the sink goes on serving the others.
        server.on('error', (err: Error) => {
            if (!listening) reject(err);
        });
        server.listen(options.port ?? 0, HOST, () => {
            listening = true;
            const { port } = server.server.address() as AddressInfo;
            let closing: Promise<void> | undefined;
            resolve({
                host: HOST,
                port,
                mails,
                close: () => (closing ??= new Promise((done) => server.close(() => done()))),
            });
        });
    });
}
