import { type CliCommand } from './main';
import { inspectCommand } from './inspect';
import { validateCommand } from './validate';
import { metricsCommand } from './metrics';
import { readCommand } from './read';
import { evalCommand } from './eval';
import { runsCommand } from './runs';
import { queryCommand } from './query';
import { statsCommand } from './stats';
import { dedupCommand } from './dedup';

/** Every sub-command of the CLI, in help order. */
export const commands: CliCommand[] = [inspectCommand, validateCommand, metricsCommand, evalCommand, runsCommand, queryCommand, statsCommand, dedupCommand, readCommand];
