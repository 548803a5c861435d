import { parseArgs, type ParseArgsConfig } from 'node:util';
import { version } from '../../package.json';

export interface CliIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** Exit codes shared by every sub-command. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** A usage or I/O error: printed as one line on stderr, exit code 2. */
export class UsageError extends Error {}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }, io: CliIO): Promise<number>;
}

function helpText(commands: CliCommand[]): string {
  const lines = [
    `vlm-lens ${version}: inspect, validate and score vision-language datasets and eval outputs`,
    '',
    'Usage: vlm-lens <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help (or a command\'s help: vlm-lens <command> --help)',
    '  -v, --version  print the version',
    '',
    'Exit codes: 0 ok, 1 findings, 2 usage or I/O error.',
  ];
  return lines.join('\n') + '\n';
}

export async function runCli(argv: string[], io: CliIO, commands: CliCommand[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout.write(helpText(commands));
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '-v' || first === '--version') {
    io.stdout.write(`${version}\n`);
    return EXIT_OK;
  }
  const cmd = commands.find((c) => c.name === first);
  if (!cmd) {
    io.stderr.write(`vlm-lens: unknown command '${first}' (see vlm-lens --help)\n`);
    return EXIT_USAGE;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.stdout.write(cmd.usage.endsWith('\n') ? cmd.usage : cmd.usage + '\n');
    return EXIT_OK;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
  } catch (e) {
    io.stderr.write(`vlm-lens ${cmd.name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_USAGE;
  }
  try {
    return await cmd.run(parsed as Parameters<CliCommand['run']>[0], io);
  } catch (e) {
    // usage and I/O errors alike: one line on stderr, exit 2
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr.write(`vlm-lens ${cmd.name}: ${msg.split('\n')[0]}\n`);
    return EXIT_USAGE;
  }
}
