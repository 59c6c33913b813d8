// Lint rules of the code base: typescript-eslint's strict set, no console output (stdout is the
// protocol's), no non-null assertions, no import cycles, and imports that follow the layers:
// tools, resources, transports → approval, session → engine → its own ports (store, plugins implement them).
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const upper = (...folders) => folders.map((folder) => `./src/${folder}`);
const WIRING = upper('app.ts', 'main.ts', 'server.ts', 'cli', 'runner', 'web', 'transports');
const SURFACE = [...WIRING, ...upper('tools', 'resources')];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/fixtures/', 'test/artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
      // Imported files are parsed too, so cycles through them are seen.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/engine',
              from: [...SURFACE, ...upper('approval', 'session', 'store', 'plugins', 'config.ts')],
              message: 'The engine depends only on interfaces it owns (src/engine/ports.ts) and shared helpers.',
            },
            {
              target: './src/store',
              from: [...SURFACE, ...upper('approval', 'session', 'plugins')],
              message: 'The store depends on the engine model only.',
            },
            {
              target: './src/session',
              from: [...SURFACE, ...upper('approval')],
              message: 'The session channel sits below approval and the tools.',
            },
            { target: './src/approval', from: SURFACE, message: 'Approval sits below the tools and transports.' },
            {
              target: upper('tools', 'resources'),
              from: WIRING,
              message: 'Tools and resources are used by the transports, not the other way round.',
            },
            { target: './src/plugins/api.ts', from: './src/engine', message: 'The public plugin API imports nothing from the engine.' },
            {
              target: './plugins',
              from: './src',
              except: ['./plugins/api.ts'],
              message: 'Built-in plugins use the public plugin API only, like third-party ones.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'demo/**/*.ts'],
    // Tests read JSON results loosely and know which values are there.
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['web/**/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        EventSource: 'readonly',
        fetch: 'readonly',
        location: 'readonly',
        history: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        HTMLElement: 'readonly',
        navigator: 'readonly',
        requestAnimationFrame: 'readonly',
        Node: 'readonly',
        KeyboardEvent: 'readonly',
        Event: 'readonly',
      },
    },
  },
  {
    files: ['bin/**/*.js', 'test/**/*.mjs', 'eslint.config.js', 'vitest.config.ts'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
);
