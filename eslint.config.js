import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['main/**/*.ts', 'electron/**/*.ts', 'tests/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{js,mjs,ts}', 'bin/**/*.mjs', '*.config.{js,ts}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'main/ is the engine: plain Node. Inject what you need from electron/.' }] },
      ],
    },
  },
  {
    // The CLI goes through one door (main/cli/door.ts): the typed client and a declared in-process facade.
    files: ['main/cli/**/*.ts'],
    ignores: ['main/cli/door.ts', 'main/cli/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'main/ is the engine: plain Node. Inject what you need from electron/.' }],
          patterns: [
            {
              regex: '^\\.\\./(engine|[a-z-]+/service|[a-z-]+/repo|net/jobs|store/db)$',
              message: 'The CLI reaches the engine through its one door (main/cli/door.ts): the typed client, or a method of its declared in-process facade.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+main/(?!api/(client|channel|contract|errors|kit|wire|system-contract)$|[a-z-]+/contract$)',
              message: 'The renderer reaches the engine only through the contract and the API client.',
            },
            { regex: '^node:', message: 'The renderer runs in a browser sandbox.' },
          ],
        },
      ],
    },
  },
);
