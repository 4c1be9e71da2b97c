// Lint rules that matter here are the layering ones: the core runs in plain Node
// and must never reach for electron or the console (in plain Node `import 'electron'`
// returns a path string instead of failing, so only this rule catches it).
import js from '@eslint/js'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] })
const layer = (message, group) => ({ group, message })

export default tseslint.config(
  {
    ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**', 'bench/.work/**', 'test-results/**', 'playwright-report/**', '**/*.tsbuildinfo'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/attributes-order': 'off',
      'vue/first-attribute-linebreak': 'off',
      'vue/require-default-prop': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['src-main/core/**'],
    rules: restrict([
      layer('The core runs in plain Node: no electron.', ['electron', 'electron/*']),
      layer('The core never imports the console.', ['vue', 'naive-ui', 'pinia', 'vue-router', '**/src-renderer/**']),
      layer('The core never imports its hosts.', ['**/electron/**', '**/host/**', '**/cli/**']),
    ]),
  },
  {
    files: ['src-main/electron/**'],
    rules: restrict([layer('The desktop shell and the browser host do not import each other.', ['**/host/**', '**/cli/**'])]),
  },
  {
    files: ['src-main/host/**'],
    rules: restrict([layer('The browser host never imports electron or the desktop shell.', ['electron', '**/electron/**'])]),
  },
  {
    files: ['src-renderer/**'],
    rules: restrict([layer('The console reaches the core only through the contract.', ['**/src-main/**', '**/src-server/**', 'electron'])]),
  },
  {
    files: ['src-shared/**'],
    rules: restrict([layer('The contract is shared with the browser: no Node or electron imports.', ['node:*', 'electron'])]),
  },
)
