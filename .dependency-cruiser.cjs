/** Architecture rules: the domain stays pure, handlers stay thin, CDK imports no business logic. */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment:
        'The domain layer holds business rules only: no adapters, no AWS SDK, no database or Kafka clients.',
      severity: 'error',
      from: { path: '^lambdas/core/domain/' },
      to: {
        path: [
          '^lambdas/core/(adapters|use-cases|http|messaging|wiring)/',
          '^lambdas/functions/',
          'node_modules/(@aws-sdk|@aws-lambda-powertools|pg|kafkajs|node-pg-migrate|@middy)/',
        ],
      },
    },
    {
      name: 'use-cases-depend-on-ports',
      comment:
        'Use cases talk to the outside world through interfaces; concrete adapters are wired in lambdas/functions and lambdas/core/wiring.',
      severity: 'error',
      from: { path: '^lambdas/core/use-cases/' },
      to: {
        path: [
          '^lambdas/core/(adapters|http|messaging|wiring)/',
          '^lambdas/functions/',
          'node_modules/(@aws-sdk|pg|kafkajs)/',
        ],
      },
    },
    {
      name: 'handlers-take-adapters-from-wiring',
      comment:
        'http/ and messaging/ turn events into use-case calls; the adapters they need are built by the entry files (lambdas/functions) or by lambdas/core/wiring, never imported here.',
      severity: 'error',
      from: { path: '^lambdas/core/(http|messaging)/' },
      to: { path: ['^lambdas/core/adapters/', '^lambdas/functions/'] },
    },
    {
      name: 'wiring-builds-adapters-only',
      comment:
        'lambdas/core/wiring builds adapters and hands them to the handlers and entry files, which it never imports.',
      severity: 'error',
      from: { path: '^lambdas/core/wiring/' },
      to: { path: ['^lambdas/core/(http|messaging)/', '^lambdas/functions/'] },
    },
    {
      name: 'cdk-imports-no-business-logic',
      comment:
        'bin/ and lib/ may read configuration and schemas from the core, never business logic or adapters.',
      severity: 'error',
      from: { path: '^(bin|lib)/' },
      to: { path: '^lambdas/', pathNot: '^lambdas/core/config/' },
    },
    {
      name: 'runtime-code-ignores-tests-and-tooling',
      severity: 'error',
      from: { path: '^(lambdas|lib|bin)/' },
      to: { path: '^(test|localstack|bench|chaos)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
