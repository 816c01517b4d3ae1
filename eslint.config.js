import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import local from './.eslint-plugin-local/code-layering.mjs';

/** The start of an SQL statement, for the rule that keeps SQL in repo files. */
const SQL_START = '/^\\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|BEGIN|REPLACE|VACUUM|ANALYZE)\\b/i';

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
    files: ['main/**/*.ts', 'electron/**/*.ts', 'tests/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{js,mjs,ts}', 'bin/**/*.mjs', '*.config.{js,ts}', '.eslint-plugin-local/**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['main/**/*.ts', 'electron/**/*.ts'],
    // Tests drive the whole engine from the top; the layers bind the code they test.
    ignores: ['**/*.test.ts', 'main/**/testing.ts', 'main/**/test-*.ts'],
    plugins: { local },
    rules: { 'local/code-layering': 'error' },
  },
  {
    // SQL lives behind each domain's repo (and in migrations), so another store can replace the repos alone.
    files: ['main/**/*.ts'],
    ignores: ['**/*.test.ts', 'main/**/repo.ts', 'main/**/*-repo.ts', 'main/**/migrations.ts', 'main/store/db.ts', 'main/store/checkpoints.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          "CallExpression[callee.property.name='pragma'] > :matches(Literal, TemplateLiteral).arguments",
          `CallExpression[callee.property.name=/^(prepare|exec)$/] > Literal.arguments[value=${SQL_START}]`,
          `CallExpression[callee.property.name=/^(prepare|exec)$/] > TemplateLiteral.arguments > TemplateElement:first-child[value.raw=${SQL_START}]`,
        ].map((selector) => ({ selector, message: 'SQL belongs in a repo file (main/<domain>/repo.ts) or a migration, not here.' })),
      ],
    },
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
              regex: '^(\\.\\./)+main/(?!api/(client|channel|contract|wire|system-contract)$|kit/(contract|errors|age|bytes)$|[a-z-]+/contract$)',
              message: 'The renderer reaches the engine only through the contract and the API client.',
            },
            { regex: '^node:', message: 'The renderer runs in a browser sandbox.' },
          ],
        },
      ],
    },
  },
);
