// Lint enforces the module boundaries described in README.md ("Architecture"):
//   src/core      pure library: no `vscode`, no adapters, no process seam
//   src/protocol  typed messages shared with webview/: may only *type*-import core
//   webview/      browser code: imports src/protocol (and the pure src/core/geometry, src/core/text, src/core/lerobot/frameTime) only
//   production    never imports test code
//   execa         only behind src/eval/process.apis.ts
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';
import globals from 'globals';

// Pure modules (no Node, no DOM) the webviews share with the host so both agree exactly.
const webviewAllowedCore = ['./core/geometry', './core/text', './core/lerobot/frameTime.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test-results/**', 'examples/**', 'bench-data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.host.json', './tsconfig.webview.json', './tsconfig.test.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { import: importPlugin },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs', '.json'] } },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      'no-restricted-imports': ['error', { paths: [{ name: 'execa', message: 'execa lives behind src/eval/process.apis.ts only.' }] }],
      'import/no-restricted-paths': ['error', {
        zones: [
          { target: './src/core', from: './src', except: ['./core'], message: 'src/core is a pure library: it imports only src/core.' },
          { target: './src/protocol', from: './src', except: ['./protocol', './core'], message: 'src/protocol may only reference src/core types.' },
          { target: './webview', from: './src', except: ['./protocol', ...webviewAllowedCore], message: 'webview/ may import only src/protocol (and pure geometry, text, frame time).' },
          { target: './src', from: './test', message: 'Production code must not import tests.' },
          { target: './webview', from: './test', message: 'Production code must not import tests.' },
        ],
      }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/protocol/**/*.ts', 'src/cli.ts', 'src/cli/**/*.ts', 'src/imaging/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'vscode', message: 'This module must run outside VS Code (core, protocol, CLI): no vscode import.' },
          { name: 'execa', message: 'execa lives behind src/eval/process.apis.ts only.' },
        ],
      }],
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['../core/**', '!../core/geometry/**', '!../core/text/**'], allowTypeImports: true, message: 'src/protocol may only import types from src/core.' }],
      }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Webviews cannot use the vscode API; talk to the host through src/protocol.' }] }],
    },
  },
  {
    files: ['src/eval/process.apis.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'describe', 'it', 'suite'], package: 'node:test' }] }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
);
