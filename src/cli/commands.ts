import { type CliCommand } from './main';
import { inspectCommand } from './inspect';

/** Every sub-command of the CLI, in help order. */
export const commands: CliCommand[] = [inspectCommand];
