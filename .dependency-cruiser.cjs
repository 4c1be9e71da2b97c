/**
 * Folders and files import each other without cycles: a change to one folder never has to
 * reckon with a folder that depends on it in turn. Tests and test kits sit beside the code
 * and may reach across (a test of the PDF typesetter uses the default kit's text); the code
 * they test may not. `npm run lint` runs this; tests/unit/lint-layering.test.ts proves it bites.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycle',
      comment: 'Two files that import each other (directly or round a loop): move what both need to a third.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'Two folders that import each other (directly or round a loop): move what both need to a shared folder.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '\\.(test|testkit|spec)\\.ts$', '(^|/)tests/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.web.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.vue', '.js', '.mjs', '.json'] },
  },
}
