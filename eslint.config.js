// ESLint (flat config) with typescript-eslint's recommended rules for every workspace, React hooks rules for the web
// app. Run: npm run lint. Rules the team agreed on are listed below with why; keep this file short.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/data/**', '**/.test-data/**', 'apps/server/drizzle/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // `_name` marks a deliberately unused binding (destructuring a field away, a handler's unused argument).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Runtime data is typed at the boundary (TypeBox schemas); `any` inside tests reading JSON bodies is tolerated.
      '@typescript-eslint/no-explicit-any': 'error',
      // A promise must be awaited, returned, or explicitly discarded with `void` and a .catch (see STYLE: no unhandled rejections).
      'no-void': 'off',
    },
  },
  {
    files: ['**/*.test.ts', '**/*.test-helpers.ts', '**/test/**/*.ts', '**/testing/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Repositories own their tables: inspection orders are written only by the orders module (orders.state.ts:
    // transitionOrder, updateOrder, updateOrders; orders.service.ts creates them); other modules call those.
    files: ['apps/server/src/**/*.ts'],
    ignores: ['apps/server/src/modules/orders/**', '**/*.test.ts', '**/*.test-helpers.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.property.name=/^(insert|update|delete)$/][arguments.0.name='inspectionOrders']",
        message: 'inspection_orders is written only through the orders module (transitionOrder, updateOrder, updateOrders)',
      }],
    },
  },
  {
    files: ['apps/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
);
