import { readdirSync, readFileSync } from 'node:fs';

/** A running process that belongs to a checkout's local stack. */
export interface StackProcess {
  pid: number;
  command: string;
}

interface ProcStat {
  parent: number;
  session: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // Gone meanwhile, or another user's.
    return undefined;
  }
}

/** The parent and session of a process, from /proc/<pid>/stat (the fields after the command in parentheses). */
function statOf(pid: number): ProcStat | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { parent: Number(fields[1]), session: Number(fields[3]) };
}

/** The working directory variables say where a shell was, not what a process belongs to. */
const IGNORED_VARIABLES = new Set(['PWD', 'OLDPWD']);

function refersTo(pid: number, prefix: string): string | undefined {
  const command = read(`/proc/${pid}/cmdline`)?.split('\0').join(' ').trim();
  if (command === undefined || command === '') return undefined;
  if (command.includes(prefix)) return command;
  const environment = read(`/proc/${pid}/environ`)?.split('\0') ?? [];
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
  const own = statOf(process.pid);
  const ancestors = new Set<number>([process.pid]);
  for (let pid = own?.parent; pid && pid > 1 && !ancestors.has(pid); pid = statOf(pid)?.parent)
    ancestors.add(pid);
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => !ancestors.has(pid) && statOf(pid)?.session !== own?.session)
    .flatMap((pid) => {
      const command = refersTo(pid, prefix);
      return command === undefined ? [] : [{ pid, command }];
    });
}
