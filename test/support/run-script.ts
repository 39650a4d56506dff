import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../localstack/src/settings';

const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the project's TypeScript entry points as a separate process, as a person would. */
export function runScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ScriptResult> {
  return runCommand(TSX, [join(ROOT, script), ...args], { env });
}

/** Runs a command as a separate process (in `cwd`, the project's root unless told) and collects its output. */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the operator CLI with `--json` and parses what it printed. */
export async function aspayJson(
  ...args: string[]
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
): Promise<{ code: number | null; json: any; stderr: string }> {
  const result = await runScript('cli/aspay.ts', [...args, '--json']);
  return {
    code: result.code,
    json: result.stdout.trim() ? JSON.parse(result.stdout) : undefined,
    stderr: result.stderr,
  };
}
