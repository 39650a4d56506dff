import type { TestProject } from 'vitest/node';
import { bringUp, type LocalEndpoints, stopProcesses } from '../../localstack/src/stack';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: LocalEndpoints;
  }
}

export default async function setup(project: TestProject) {
  const { endpoints, started } = await bringUp();
  project.provide('endpoints', endpoints);
  return async () => {
    await stopProcesses(started.map((process) => process.name));
  };
}
