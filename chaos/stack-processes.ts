import { readdirSync, readFileSync } from 'node:fs';
import { commandLineOf, procStat } from '../localstack/src/support/processes';

/** A running process that belongs to a checkout's local stack. */
export interface StackProcess {
  pid: number;
  command: string;
}

/** The working directory variables say where a shell was, not what a process belongs to. */
const IGNORED_VARIABLES = new Set(['PWD', 'OLDPWD']);

function environmentOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    // Gone meanwhile, or another user's.
    return [];
  }
}

function refersTo(pid: number, prefix: string): string | undefined {
  const command = commandLineOf(pid);
  if (command === '') return undefined;
  if (command.includes(prefix)) return command;
  const environment = environmentOf(pid);
  const refers = environment.some((entry) => {
    const equals = entry.indexOf('=');
    return !IGNORED_VARIABLES.has(entry.slice(0, equals)) && entry.slice(equals + 1).includes(prefix);
  });
  return refers ? command : undefined;
}

/**
 * Every process whose command line or environment refers to the checkout at `root`, other than this process,
 * its ancestors and the rest of its session: the stack starts each of its processes detached, in a session
 * of its own, so what shares this process's session is the tooling that runs it (a shell, npm, a test
 * runner's workers), not the stack.
 */
export function stackProcesses(root: string): StackProcess[] {
  const prefix = `${root}/`;
  const own = procStat(process.pid);
  const ancestors = new Set<number>([process.pid]);
  for (let pid = own?.parent; pid && pid > 1 && !ancestors.has(pid); pid = procStat(pid)?.parent)
    ancestors.add(pid);
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => !ancestors.has(pid) && procStat(pid)?.session !== own?.session)
    .flatMap((pid) => {
      const command = refersTo(pid, prefix);
      return command === undefined ? [] : [{ pid, command }];
    });
}
