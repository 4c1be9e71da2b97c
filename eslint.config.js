// Lint rules that matter here are the layering ones: the core runs in plain Node
// and must never reach for electron or the console (in plain Node `import 'electron'`
// returns a path string instead of failing, so only this rule catches it).
// Style is left to the authors: no formatting rules.
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/** One no-restricted-imports rule from [regex, message] pairs; regexes are matched against the import specifier. */
const restrict = (...layers) => ({
  'no-restricted-imports': ['error', { patterns: layers.map(([regex, message]) => ({ regex, message, caseSensitive: true })) }],
})
/** A folder of src-main, reached by a relative path (../electron/app) or through the tree (src-main/host/server). */
const mainFolder = (...names) => `(^\\.{1,2}/(.+/)?|(^|/)src-main/)(${names.join('|')})(/|$)`
const ELECTRON = '^electron(/.*)?$'
const CONSOLE_LIBRARIES = '^(vue|vue-router|vue-i18n|naive-ui|pinia|@vueuse/.+|echarts|vue-echarts)(/.*)?$'
const NODE_BUILTINS = `^(node:.*|(${builtinModules.filter((m) => !m.startsWith('_')).join('|')})(/.*)?)$`

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
    rules: restrict(
      [ELECTRON, 'The core runs in plain Node: no electron (src-main/core 不得引用 electron).'],
      [CONSOLE_LIBRARIES, 'The core never imports the console’s libraries.'],
      ['(^|/)src-renderer(/|$)', 'The core never imports the console.'],
      [mainFolder('electron', 'host', 'cli'), 'The core never imports its hosts: they import it.'],
      ['(^|/)src-server(/|$)', 'The workstation core talks to the sync server over HTTP only.'],
    ),
  },
  {
    files: ['src-main/electron/**'],
    rules: restrict([mainFolder('host', 'cli'), 'The desktop shell does not import the browser host or the CLI; both stand on the core.']),
  },
  {
    files: ['src-main/host/**'],
    rules: restrict(
      [ELECTRON, 'The browser host runs in plain Node: no electron.'],
      [mainFolder('electron'), 'The browser host does not import the desktop shell; both stand on the core.'],
    ),
  },
  {
    files: ['src-renderer/**'],
    rules: restrict(
      ['(^|/)src-main(/|$)', 'The console reaches the core only through the contract (src-shared) and its api client.'],
      ['(^|/)src-server(/|$)', 'The console never imports the sync server.'],
      [ELECTRON, 'The console runs sandboxed: no electron (the preload bridge is its only door).'],
    ),
  },
  {
    files: ['src-server/**'],
    rules: restrict(
      [ELECTRON, 'The sync server runs on the team’s machine: no electron.'],
      ['(^|/)src-(main|renderer)(/|$)', 'The sync server has its own small core; it shares only the wire contract in src-shared.'],
    ),
  },
  {
    files: ['src-shared/**'],
    rules: restrict(
      [NODE_BUILTINS, 'The contract is shared with the browser: no Node modules.'],
      [ELECTRON, 'The contract is shared with the browser: no electron.'],
    ),
  },
)
