// Module rules, checked in CI (`npm run lint`). The readable picture: `node scripts/module-graph.mjs`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No import cycles in the server: a cycle means two modules cannot be understood, tested or moved alone.',
      from: { path: '^apps/server/src/' },
      to: { circular: true },
    },
    {
      name: 'modules-not-to-app',
      severity: 'error',
      comment: 'app.ts is the composition root: it imports every module, so no module may import it (use platform/context.ts). Tests may: they build the app as serve does.',
      from: { path: '^apps/server/src/modules/', pathNot: '(\\.test\\.ts|test-helpers\\.ts)$' },
      to: { path: '^apps/server/src/app\\.ts$' },
    },
    {
      name: 'platform-not-to-modules',
      severity: 'error',
      comment: 'platform/ is shared infrastructure and knows no module (the audit chain append the unit of work uses is platform/audit-chain.ts).',
      from: { path: '^apps/server/src/platform/', pathNot: '\\.test\\.ts$' },
      to: { path: '^apps/server/src/modules/' },
    },
    {
      name: 'packages-not-to-apps',
      severity: 'error',
      comment: 'packages/* are libraries used by the apps; they never import an app.',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'web-not-to-server',
      severity: 'error',
      comment: 'The web app talks to the server over HTTP/WS only; shared types live in packages/contracts.',
      from: { path: '^apps/web/' },
      to: { path: '^apps/server/' },
    },
    {
      name: 'server-not-to-web',
      severity: 'error',
      from: { path: '^apps/server/src/' },
      to: { path: '^apps/web/' },
    },
    {
      name: 'src-not-to-tests',
      severity: 'error',
      comment: 'Production code never imports test code or helpers.',
      from: { path: '^(apps|packages)/[^/]+/src/', pathNot: '(\\.test\\.ts|test-helpers\\.ts|/testing/.*)$' },
      to: { path: '(\\.test\\.ts$|test-helpers\\.ts$|^apps/[^/]+/test/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(node_modules|/dist/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
