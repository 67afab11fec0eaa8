/**
 * The README's instructions as a reader follows them: a section's text, its code blocks, the
 * packages an `npm install` line names and the settings a settings.js snippet gives. Tests that
 * do what the README says read it here, so that the README cannot drift from what they check.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { projectRoot } from './paths';

/** The text under `## <heading>`, its subsections included, up to the next `## ` heading. */
export function readmeSection(heading: string): string {
    const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const start = readme.indexOf(`\n## ${heading}\n`);
    if (start < 0) throw new Error(`README.md has no section "## ${heading}"`);
    const end = readme.indexOf('\n## ', start + 1);
    return readme.slice(start, end < 0 ? undefined : end);
}

/** The contents of the fenced code blocks of `markdown` in `language` (```sh, ```js…). */
export function codeBlocks(markdown: string, language: string): string[] {
    const fence = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm');
    return [...markdown.matchAll(fence)].map((match) => match[1]);
}

/** A package an `npm install` line names: `name@version`, or a tarball file. */
export interface NamedPackage {
    name?: string;
    version?: string;
    tarball?: string;
}

/** The arguments of the first `npm install` line of the section's shell blocks. */
export function npmInstallPackages(section: string): NamedPackage[] {
    const line = codeBlocks(section, 'sh')
        .flatMap((block) => block.split('\n'))
        .map((l) => l.replace(/#.*$/, '').trim())
        .find((l) => l.startsWith('npm install '));
    if (line === undefined) throw new Error('the section has no `npm install` line');
    return line
        .split(/\s+/)
        .slice(2)
        .map((arg) => {
            if (arg.endsWith('.tgz')) return { tarball: arg };
            // A scope's @ starts the name; the last @ after it starts the version.
            const match = /^(@?[^@]+)(?:@(.+))?$/.exec(arg);
            if (match === null) throw new Error(`not a package: ${arg}`);
            return { name: match[1], version: match[2] };
        });
}

/**
 * The settings a js snippet of the section gives: the block that mentions `key`, a list of
 * properties to put inside settings.js's `module.exports = { … }`, evaluated as an object literal.
 */
export function settingsSnippet(section: string, key: string): Record<string, unknown> {
    const block = codeBlocks(section, 'js').find((b) => new RegExp(`^\\s*${key}:`, 'm').test(b));
    if (block === undefined) throw new Error(`the section has no js block setting ${key}`);
    return vm.runInNewContext(`({\n${block}\n})`, {}) as Record<string, unknown>;
}
