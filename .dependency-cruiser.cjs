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
          '^lambdas/core/(adapters|use-cases|http)/',
          '^lambdas/functions/',
          'node_modules/(@aws-sdk|@aws-lambda-powertools|pg|kafkajs|node-pg-migrate|@middy)/',
        ],
      },
    },
    {
      name: 'use-cases-depend-on-ports',
      comment:
        'Use cases talk to the outside world through interfaces; concrete adapters are wired in lambdas/functions.',
      severity: 'error',
      from: { path: '^lambdas/core/use-cases/' },
      to: { path: ['^lambdas/core/adapters/', '^lambdas/functions/', 'node_modules/(@aws-sdk|pg|kafkajs)/'] },
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
      to: { path: '^(test|localstack|bench)/' },
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
