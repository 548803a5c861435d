/**
 * Eval profiles read from a workspace's `.vscode/settings.json` without VS Code (for
 * `vlm-lens eval`): the file is JSON with comments and trailing commas, as VS Code writes
 * and reads it; `vlmLens.evalProfiles` is checked entry by entry, like the extension does.
 */
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { checkProfile, type EvalProfile } from './runs';
import { checkSlurmSettings, type SlurmSettings } from './slurm';

export function profilesFromSettings(text: string): { profiles: EvalProfile[]; problems: string[]; slurm?: SlurmSettings } {
  const errors: ParseError[] = [];
  const v = parse(text, errors, { allowTrailingComma: true, disallowComments: false }) as unknown;
  const problems: string[] = [];
  if (errors.length) {
    const e = errors[0];
    const line = text.slice(0, e.offset).split('\n').length;
    problems.push(`settings.json line ${line}: ${printParseErrorCode(e.error)}`);
  }
  const raw = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)['vlmLens.evalProfiles'] : undefined;
  const profiles: EvalProfile[] = [];
  if (raw !== undefined && !Array.isArray(raw)) problems.push('"vlmLens.evalProfiles" is not a list');
  for (const p of Array.isArray(raw) ? raw : []) {
    const r = checkProfile(p);
    if ('profile' in r) profiles.push(r.profile);
    else problems.push(r.error);
  }
  const slurmRaw = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)['vlmLens.slurm'] : undefined;
  const slurmProblem = checkSlurmSettings(slurmRaw, '"vlmLens.slurm"');
  if (slurmProblem) problems.push(slurmProblem);
  const slurm = !slurmProblem && slurmRaw && typeof slurmRaw === 'object' ? (slurmRaw as SlurmSettings) : undefined;
  return { profiles, problems, slurm };
}
