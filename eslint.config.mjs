// One lint config for src, test and bench. The rules that matter here are the
// ones a reviewer would otherwise have to catch by eye: no `any`, no floating
// promises in the extension host, no console outside the CLI's output module.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'out-*/**', '.lab/**', 'test-artifacts/**', 'scripts/**', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      // Validators and the secret scanner match control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // The CLI's output module and the bench/test runners own the terminal.
    files: ['src/cli/output.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // mocha's `this` and chai-less assertions use expressions on purpose.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
);
