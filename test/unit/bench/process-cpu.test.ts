import { describe, expect, it } from 'vitest';
import { cpuMsOfStat, cpuPerPayment, partOf, STACK_PARTS, type StackPart } from '../../../bench/process-cpu';

// "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …"
const stat = (comm: string, utime: number, stime: number, cutime: number, cstime: number) =>
  `42 (${comm}) S 1 42 42 0 -1 4194560 10 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 5 0 0`;

const zero = () =>
  Object.fromEntries(Object.keys(STACK_PARTS).map((part) => [part, 0])) as Record<StackPart, number>;

describe('the stack CPU by part', () => {
  it('tells each service by the script or engine it runs', () => {
    expect(partOf('node --import tsx localstack/src/runner/server.ts')).toBe('runner');
    expect(partOf('node --import tsx /x/localstack/src/gateway/server.ts')).toBe('api');
    expect(partOf('node … localstack/src/engines/rds-proxy-server.ts')).toBe('rds-proxy');
    expect(partOf('java -Xms256m -cp /x/* kafka.Kafka /x/server.properties')).toBe('kafka');
    expect(partOf('java -cp /x/* software.amazon.dynamodb.services.local.main.ServerRunner -inMemory')).toBe(
      'dynamodb',
    );
    expect(partOf('java -cp /x/* org.elasticmq.server.Main')).toBe('elasticmq');
    expect(partOf('node localstack/src/mail/server.ts')).toBe('mail-catcher');
    expect(partOf('bash -c something else')).toBe('other');
  });

  it("reads a process's user and system time, and its reaped children's when asked, in ms", () => {
    expect(cpuMsOfStat(stat('node (v24)', 150, 50, 7, 3), 100)).toBe(2_000);
    expect(cpuMsOfStat(stat('postgres', 150, 50, 700, 300), 100, true)).toBe(12_000);
  });

  it("divides each part by the payments and adds them up by kind, the bench's own queries left out of the total", () => {
    const before = zero();
    const after = {
      ...zero(),
      postgres: 800,
      runner: 400,
      api: 200,
      kafka: 300,
      dynamodb: 100,
      bank: 50,
      'bench-queries': 600,
    };

    const perPayment = cpuPerPayment(before, after, 100);

    expect(perPayment.parts).toMatchObject({
      postgres: 8,
      runner: 4,
      api: 2,
      kafka: 3,
      dynamodb: 1,
      bank: 0.5,
    });
    expect(perPayment.kinds).toEqual({ aspay: 14, engine: 3, emulation: 1.5, measurement: 6 });
    expect(perPayment.total).toBe(18.5);
  });
});
