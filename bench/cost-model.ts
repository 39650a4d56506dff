/**
 * What a million payments cost in AWS, from what the bench measures per payment on the local stack. A model,
 * not a bill: each line says its basis, the inputs travel in the bench's JSON results, and docs/capacity.md
 * explains the assumptions. Prices are AWS's list prices in us-east-1 as published on the linked pages in
 * December 2026 (on-demand, no free tier, no Savings Plans); check them before relying on a figure.
 */

/** List prices, USD, us-east-1. */
export const PRICES = {
  asOf: '2026-12',
  region: 'us-east-1',
  /** https://aws.amazon.com/api-gateway/pricing/ (REST API, first 333 million requests a month). */
  apiGatewayRestPerMillionRequests: 3.5,
  /** https://aws.amazon.com/waf/pricing/ (requests; the web ACL's and rules' monthly fees are left out). */
  wafPerMillionRequests: 0.6,
  /** https://aws.amazon.com/lambda/pricing/ (Arm, first 7.5 billion GB-s a month). */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** https://aws.amazon.com/rds/aurora/pricing/ (Aurora Standard: Serverless v2 ACU-hours, I/O requests). */
  auroraPerAcuHour: 0.12,
  auroraPerMillionIoRequests: 0.2,
  /** https://aws.amazon.com/rds/proxy/pricing/ (per ACU-hour of the database it fronts, at least 8 ACUs). */
  rdsProxyPerAcuHour: 0.015,
  rdsProxyMinimumAcus: 8,
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the November 2024 halving). */
  dynamodbPerMillionWriteUnits: 0.625,
  dynamodbPerMillionReadUnits: 0.125,
  /** https://aws.amazon.com/msk/pricing/ (provisioned: broker-hours of kafka.m7g.large). */
  mskM7gLargeBrokerPerHour: 0.204,
  /** https://aws.amazon.com/vpc/pricing/ (NAT gateway hours; interface endpoint hours per AZ). */
  natGatewayPerHour: 0.045,
  interfaceEndpointPerAzHour: 0.01,
  /** https://aws.amazon.com/cloudwatch/pricing/ (Logs ingestion, standard class). */
  cloudwatchLogsPerGbIngested: 0.5,
  /** https://aws.amazon.com/xray/pricing/ (traces recorded). */
  xrayPerMillionTracesRecorded: 5,
} as const;

/**
 * The stage the model prices: prod's shape in cdk.json and lib/ (a writer and a reader that scales with it,
 * RDS Proxy, two brokers, a NAT gateway and two interface endpoints in each of two AZs, WAF, 512 MB functions).
 */
export interface StageShape {
  readonly auroraInstances: number;
  readonly auroraMinimumAcus: number;
  readonly databaseProxy: boolean;
  readonly kafkaBrokers: number;
  readonly natGateways: number;
  readonly interfaceEndpoints: number;
  readonly availabilityZones: number;
  readonly waf: boolean;
  readonly lambdaMemoryMb: number;
}

export const PROD_SHAPE: StageShape = {
  auroraInstances: 2,
  auroraMinimumAcus: 1,
  databaseProxy: true,
  kafkaBrokers: 2,
  natGateways: 2,
  interfaceEndpoints: 2,
  availabilityZones: 2,
  waf: true,
  lambdaMemoryMb: 512,
};

/** What one payment costs, as the bench measured or counted it on the local stack. */
export interface PaymentWork {
  /** PostgreSQL's CPU per payment (its backends included), ms of a laptop core. */
  readonly postgresCpuMs: number;
  /** The handlers' CPU per payment (the API process and the runner: every function), ms of a laptop core. */
  readonly handlerCpuMs: number;
  /** Statements' round trips to PostgreSQL per payment (through RDS Proxy in AWS). */
  readonly databaseRoundTrips: number;
  /**
   * Transactions per payment that wrote: each pushes its log records to Aurora's storage, at least one write
   * I/O (4 KB units: https://aws.amazon.com/rds/aurora/pricing/); read-only ones push none.
   */
  readonly databaseWritingTransactions: number;
  readonly dynamodbWrites: number;
  readonly dynamodbReads: number;
  /**
   * Lambda invocations per payment (the API's create, consumer batches, schedules), and how the figure was had:
   * counted by the local runner, or bounded (every record an invocation in every consumer group).
   */
  readonly lambdaInvocations: number;
  readonly lambdaInvocationsBasis: string;
  /** Requests through API Gateway per payment (the create; the merchant's reads come on top). */
  readonly apiRequests: number;
  /** Log bytes per payment (CloudWatch Logs in AWS). */
  readonly logBytes: number;
}

/** Assumptions the bench cannot measure on a laptop; docs/capacity.md gives the reason for each. */
export interface Assumptions {
  /** vCPU per ACU: AWS publishes none; 0.25 matches a db.r6g.large (2 vCPU, 16 GiB) at 2 GiB per ACU. */
  readonly vcpuPerAcu: number;
  /** A laptop core's ms in a 512 MB function: CPU follows memory, one vCPU at 1,769 MB. */
  readonly lambdaVcpuAtOneGb: number;
  /** Wait per PostgreSQL round trip and per DynamoDB call inside the VPC, ms. */
  readonly databaseRoundTripMs: number;
  readonly dynamodbCallMs: number;
  /** The bank's answer time, ms, and how many payments a bank-processor invocation waits on at once. */
  readonly bankAnswerMs: number;
  readonly paymentsInParallel: number;
  /** Lambda's own START, END and REPORT lines per invocation, bytes. */
  readonly platformLogBytesPerInvocation: number;
  /** X-Ray's default sampling: the first request each second, then 5 %. */
  readonly xrayReservoirPerSecond: number;
  readonly xraySampledShare: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  vcpuPerAcu: 0.25,
  lambdaVcpuAtOneGb: 1024 / 1769,
  databaseRoundTripMs: 1,
  dynamodbCallMs: 5,
  bankAnswerMs: 500,
  paymentsInParallel: 10,
  platformLogBytesPerInvocation: 300,
  xrayReservoirPerSecond: 1,
  xraySampledShare: 0.05,
};

export interface CostLine {
  readonly item: string;
  readonly usdPerMillion: number;
  /** How it was computed, in words a reader can check. */
  readonly basis: string;
  /** Paid by the hour whatever the rate (brokers, NAT, minimum capacity), spread over the payments of an hour. */
  readonly fixed: boolean;
}

/**
 * DynamoDB calls per payment, counted from the code (docs/capacity.md): the API's idempotency record
 * (`PutItem`, then `UpdateItem`) and ≈ 0.2 rate-limiter takes; the breaker state's strongly consistent
 * `GetItem` before each bank call. DynamoDB Local counts no requests, so the bench cannot measure them.
 */
export const DYNAMODB_CALLS_FROM_CODE = { writes: 2.2, reads: 1 } as const;

const MILLION = 1_000_000;
const HOUR = 3_600;

/** USD per million payments at `perSecond` payments a second, line by line, most expensive first. */
export function costPerMillionPayments(
  work: PaymentWork,
  perSecond: number,
  shape: StageShape = PROD_SHAPE,
  assume: Assumptions = DEFAULT_ASSUMPTIONS,
): { lines: CostLine[]; totalUsd: number } {
  const p = PRICES;
  const paymentsPerHour = perSecond * HOUR;
  /** An hourly cost spread over a million payments at this rate. */
  const perMillionOfHourly = (usdPerHour: number) => (usdPerHour * MILLION) / paymentsPerHour;

  // Aurora: the ACUs the database's CPU needs at this rate, never below the stage's minimum, on each instance.
  const databaseVcpu = (work.postgresCpuMs / 1_000) * perSecond;
  const acus = Math.max(shape.auroraMinimumAcus, databaseVcpu / assume.vcpuPerAcu);
  const lambdaVcpu = (shape.lambdaMemoryMb / 1024) * assume.lambdaVcpuAtOneGb;
  const lambdaSeconds =
    (work.handlerCpuMs / lambdaVcpu +
      work.databaseRoundTrips * assume.databaseRoundTripMs +
      (work.dynamodbWrites + work.dynamodbReads) * assume.dynamodbCallMs +
      assume.bankAnswerMs / assume.paymentsInParallel) /
    1_000;
  const lambdaInvocations = work.lambdaInvocations;
  const logBytes = work.logBytes + lambdaInvocations * assume.platformLogBytesPerInvocation;
  const traces =
    Math.min(1, assume.xrayReservoirPerSecond / perSecond) +
    assume.xraySampledShare * Math.max(0, 1 - assume.xrayReservoirPerSecond / perSecond);

  const lines: CostLine[] = [
    {
      item: 'Aurora compute',
      usdPerMillion: perMillionOfHourly(acus * shape.auroraInstances * p.auroraPerAcuHour),
      basis: `${work.postgresCpuMs.toFixed(1)} ms PostgreSQL CPU per payment → ${acus.toFixed(2)} ACU × ${shape.auroraInstances} instances`,
      fixed: acus === shape.auroraMinimumAcus,
    },
    {
      item: 'Aurora I/O',
      usdPerMillion: work.databaseWritingTransactions * p.auroraPerMillionIoRequests,
      basis: `${work.databaseWritingTransactions.toFixed(1)} writing transactions per payment, one write I/O each (reads served from cache)`,
      fixed: false,
    },
    {
      item: 'Lambda duration',
      usdPerMillion: lambdaSeconds * (shape.lambdaMemoryMb / 1024) * p.lambdaArmPerGbSecond * MILLION,
      basis: `${(lambdaSeconds * 1_000).toFixed(0)} ms at ${shape.lambdaMemoryMb} MB per payment: CPU ${work.handlerCpuMs.toFixed(1)} ms ÷ ${lambdaVcpu.toFixed(2)} vCPU, waits, bank ${assume.bankAnswerMs} ms ÷ ${assume.paymentsInParallel}`,
      fixed: false,
    },
    {
      item: 'Lambda requests',
      usdPerMillion: lambdaInvocations * p.lambdaPerMillionRequests,
      basis: `${lambdaInvocations.toFixed(1)} invocations per payment (${work.lambdaInvocationsBasis})`,
      fixed: false,
    },
    {
      item: 'API Gateway',
      usdPerMillion: work.apiRequests * p.apiGatewayRestPerMillionRequests,
      basis: `${work.apiRequests} REST request(s) per payment`,
      fixed: false,
    },
    {
      item: 'WAF',
      usdPerMillion: shape.waf ? work.apiRequests * p.wafPerMillionRequests : 0,
      basis: shape.waf ? 'every API request inspected' : 'no web ACL',
      fixed: false,
    },
    {
      item: 'DynamoDB',
      usdPerMillion:
        work.dynamodbWrites * p.dynamodbPerMillionWriteUnits +
        work.dynamodbReads * p.dynamodbPerMillionReadUnits,
      basis: `${work.dynamodbWrites.toFixed(1)} writes, ${work.dynamodbReads.toFixed(1)} strongly consistent reads per payment (≤ 1 KB each)`,
      fixed: false,
    },
    {
      item: 'RDS Proxy',
      usdPerMillion: shape.databaseProxy
        ? perMillionOfHourly(
            Math.max(p.rdsProxyMinimumAcus, acus * shape.auroraInstances) * p.rdsProxyPerAcuHour,
          )
        : 0,
      basis: `per ACU-hour of the cluster, at least ${p.rdsProxyMinimumAcus}`,
      fixed: acus * shape.auroraInstances <= p.rdsProxyMinimumAcus,
    },
    {
      item: 'MSK brokers',
      usdPerMillion: perMillionOfHourly(shape.kafkaBrokers * p.mskM7gLargeBrokerPerHour),
      basis: `${shape.kafkaBrokers} × kafka.m7g.large (storage left out)`,
      fixed: true,
    },
    {
      item: 'NAT gateways and interface endpoints',
      usdPerMillion: perMillionOfHourly(
        shape.natGateways * p.natGatewayPerHour +
          shape.interfaceEndpoints * shape.availabilityZones * p.interfaceEndpointPerAzHour,
      ),
      basis: `${shape.natGateways} NAT gateways, ${shape.interfaceEndpoints} endpoints × ${shape.availabilityZones} AZs (their per-GB charges are cents per million)`,
      fixed: true,
    },
    {
      item: 'CloudWatch Logs',
      usdPerMillion: (logBytes / 1e9) * p.cloudwatchLogsPerGbIngested * MILLION,
      basis: `${(logBytes / 1024).toFixed(1)} KiB of logs per payment (${(work.logBytes / 1024).toFixed(1)} KiB the handlers', the rest Lambda's own lines)`,
      fixed: false,
    },
    {
      item: 'X-Ray',
      usdPerMillion: traces * p.xrayPerMillionTracesRecorded,
      basis: `${(traces * 100).toFixed(1)} % of payments traced (default sampling)`,
      fixed: false,
    },
  ];
  lines.sort((a, b) => b.usdPerMillion - a.usdPerMillion);
  return { lines, totalUsd: lines.reduce((sum, line) => sum + line.usdPerMillion, 0) };
}
