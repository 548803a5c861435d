import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

/** Runs the built CLI (dist/cli.js, as shipped: npm test builds it before the unit tier). */
export function runCli(args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: opts.cwd ?? join(__dirname, '..', '..'), input: opts.input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
