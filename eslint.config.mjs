// ESLint: typescript-eslint's type-aware recommended rules on the TypeScript sources; the plain
// recommended rules on the editor's browser script and the build script. Formatting is prettier's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    { ignores: ['dist/', 'node_modules/', '.tools/', '.demo/', 'test-output/', 'examples/flows/'] },
    {
        files: ['**/*.ts'],
        extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            // Node-RED nodes are CommonJS modules with `export =`, imported with `import x = require()`.
            '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
            // The Node-RED idiom: a node's constructor keeps `this` as `node` for its handlers.
            '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['node'] }],
            // node:test's test() and describe() return promises the runner awaits itself.
            '@typescript-eslint/no-floating-promises': [
                'error',
                { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
            ],
        },
    },
    {
        files: ['resources/**/*.js'],
        extends: [js.configs.recommended],
        languageOptions: {
            sourceType: 'script',
            globals: { window: 'readonly', module: 'writable', RED: 'readonly', $: 'readonly' },
        },
        // Node-RED's editor shows a validator's reason only when the validator declares (v, opt).
        rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^opt$' }] },
    },
    {
        // Code that page.evaluate runs in the editor talks to its untyped globals (RED, $).
        files: ['test/e2e/**/*.ts'],
        rules: {
            '@typescript-eslint/no-explicit-any': 'off',
            '@typescript-eslint/no-unsafe-assignment': 'off',
            '@typescript-eslint/no-unsafe-call': 'off',
            '@typescript-eslint/no-unsafe-member-access': 'off',
            '@typescript-eslint/no-unsafe-return': 'off',
            '@typescript-eslint/no-unsafe-argument': 'off',
        },
    },
    {
        files: ['scripts/**/*.js'],
        extends: [js.configs.recommended],
        languageOptions: {
            sourceType: 'commonjs',
            globals: { require: 'readonly', __dirname: 'readonly', process: 'readonly', console: 'readonly' },
        },
    },
);
