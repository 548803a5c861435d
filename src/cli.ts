/**
 * The `vlm-lens` command line: a thin shell over src/core.
 * Exit codes: 0 ok, 1 findings (problems, failed metrics), 2 usage or I/O error
 * (with a one-line message on stderr).
 */
import { runCli } from './cli/main';
import { commands } from './cli/commands';

// `vlm-lens metrics … | head`: a reader that stops early is not an error
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, commands)
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e: unknown) => {
    process.stderr.write(`vlm-lens: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  });
