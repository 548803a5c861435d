/**
 * The VLM rules: stable codes, default severities and a one-line explanation each
 * (README "Validation rules" lists them; diagnostics link there). Severities can be
 * changed or a rule turned off with `vlmLens.validation.rules`.
 */
export type Severity = 'error' | 'warning' | 'info' | 'hint';
export type SeveritySetting = Severity | 'off';

export interface RuleInfo {
  severity: Severity;
  summary: string;
}

export const RULES = {
  VLM001: { severity: 'error', summary: 'The record is not valid JSON (located at the exact column).' },
  VLM002: { severity: 'error', summary: 'There is data after the end of the JSON value (two records on one line?).' },
  VLM003: { severity: 'warning', summary: 'A JSONL line holds a JSON array: JSONL holds one record (an object) per line.' },
  VLM004: { severity: 'error', summary: "The record does not match its JSON Schema (the built-in one for its format, or yours from vlmLens.schemas)." },
  VLM005: { severity: 'info', summary: 'The record is too large to be checked (vlmLens.viewer.maxRecordSizeMB).' },
  VLM006: { severity: 'warning', summary: 'The record could not be checked completely (nested too deeply, a malformed reference…); the other records are checked as usual.' },
  VLM007: { severity: 'warning', summary: 'A key appears twice in the same object: JSON readers keep the last value, silently.' },
  VLM008: { severity: 'error', summary: 'A number is too large for a double (`1e400`): JSON readers turn it into Infinity.' },
  VLM010: { severity: 'error', summary: 'The number of <image> placeholders differs from the number of images.' },
  VLM011: { severity: 'error', summary: 'The number of <video> placeholders differs from the number of videos.' },
  VLM012: { severity: 'warning', summary: 'An <image> / <video> placeholder is in a turn that is not the user’s.' },
  VLM013: { severity: 'warning', summary: '`image` and `images` are used inconsistently (RoboInter’s loader reads only `images`: a record with `image` trains as text-only).' },
  VLM020: { severity: 'error', summary: 'A referenced image or video file is missing or unreadable (looked up like the viewer does; images in content parts too).' },
  VLM021: { severity: 'warning', summary: 'The image size the record declares (width/height, w/h, image_size) differs from its image file: every coordinate of the record is read against the wrong size.' },
  VLM030: { severity: 'warning', summary: 'The first turn is not the user’s (or a system prompt).' },
  VLM031: { severity: 'warning', summary: 'Two assistant turns in a row.' },
  VLM032: { severity: 'warning', summary: 'An assistant turn is empty.' },
  VLM033: { severity: 'warning', summary: 'A turn has a role name VLM Lens does not know.' },
  VLM040: { severity: 'warning', summary: 'A box or point lies outside the image after conversion to pixels.' },
  VLM041: { severity: 'error', summary: 'An inverted (x2 < x1 or y2 < y1) or zero-area box.' },
  VLM042: { severity: 'warning', summary: 'A trajectory point lies outside the image after conversion to pixels.' },
  VLM043: { severity: 'warning', summary: 'Records in the file use different coordinate conventions.' },
  VLM050: { severity: 'warning', summary: 'The same id is used by more than one record (the first one is linked).' },
  VLM060: { severity: 'warning', summary: 'Text looks like UTF-8 decoded as Latin-1 / Windows-1252 (mojibake), e.g. äººç‰© for 人物.' },
  VLM061: { severity: 'warning', summary: 'Text contains U+FFFD replacement characters or invalid UTF-8.' },
  VLM070: { severity: 'warning', summary: '<think> / <answer> / <context> tags unbalanced or out of order, in a file where most records use them.' },
} as const satisfies Record<string, RuleInfo>;

export type RuleCode = keyof typeof RULES;

export const RULE_CODES = Object.keys(RULES) as RuleCode[];

/** Message templates (English); the extension shows them localized by id, the CLI as they are. */
export const MESSAGES = {
  invalidJson: 'Invalid JSON: {0}',
  trailingData: 'Unexpected data after the end of the JSON value',
  jsonlArray: 'This JSONL line is a JSON array, not a record',
  schema: '{0}',
  imageCount: '{0} <image> placeholder(s) but {1} image(s)',
  videoCount: '{0} <video> placeholder(s) but {1} video(s)',
  placeholderRole: '<{0}> placeholder in a {1} turn: images are given in user turns',
  imageKeyRoboInter: 'RoboInter’s loader reads only `images`: this record, with `image`, trains as text-only',
  imageKeyMixed: 'This record uses `{0}` but {1} of the file’s records use `{2}`',
  imageMissing: 'Image not found: {0} (looked in: {1})',
  videoMissing: 'Video not found: {0} (looked in: {1})',
  sizeMismatch: 'The record declares {0}×{1} ({2}) but its image {3} is {4}×{5}',
  imageUnreadable: 'Image cannot be read: {0}',
  firstRole: 'The conversation starts with a {0} turn, not the user’s',
  consecutiveAssistant: 'Two {0} turns in a row',
  emptyAnswer: 'Empty {0} turn',
  unknownRole: 'Unknown role “{0}”',
  boxOutside: '{0} lies outside the {1}×{2} image ({3})',
  boxDegenerate: '{0}: {1}',
  trajectoryOutside: 'Trajectory {0}: {1}',
  outsideRange: '{0} has the coordinate {1}, outside the 0–{2} range of {3}',
  mixedConventions: 'Records in this file use different coordinate conventions: {0}; this record looks like {1}',
  duplicateId: 'Duplicate id “{0}” (first used on line {1})',
  duplicateIdRow: 'Duplicate id “{0}” (first used on row {1})',
  mojibake: '“{0}” looks like UTF-8 read as Latin-1: “{1}”',
  mojibakeLossy: '“{0}” looks like UTF-8 read as Windows-1252 with bytes lost on the way: “{1}” (no exact repair: re-create the file from its source)',
  replacementChar: 'Text contains U+FFFD replacement characters (invalid bytes were decoded)',
  invalidUtf8: 'Invalid UTF-8 in this line (shown as U+FFFD)',
  reasoning: '{0} (most records in this file use reasoning tags)',
  checkFailed: 'This record could not be checked completely: {0}',
  duplicateKey: 'Key “{0}” appears more than once in this object; JSON readers keep the last value',
  hugeNumber: '{0} is too large for a double: JSON readers read it as Infinity',
  tooLarge: 'Record of {0} MB is too large to validate (vlmLens.viewer.maxRecordSizeMB)',
  moreProblems: '{0} more problem(s) in this file are not listed: at most {1} are listed per file (vlmLens.maxProblemsPerFile; VS Code keeps at most 1000)',
  schemaLoad: 'Schema {0} could not be used: {1}',
} as const;

export type MessageId = keyof typeof MESSAGES;

export function formatMessage(id: MessageId, args: Array<string | number>): string {
  return MESSAGES[id].replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
}

/** The worst severity in force among some rules' codes (for a list row's mark); undefined when all are off or unknown. */
export function worstSeverity(codes: string[], settings: Partial<Record<string, SeveritySetting>>): 'error' | 'warning' | 'info' | undefined {
  const rank = { error: 3, warning: 2, info: 1, hint: 1, off: 0 } as const;
  let worst: 'error' | 'warning' | 'info' | undefined;
  for (const c of codes) {
    if (!(c in RULES)) continue;
    const s = severityOf(c as RuleCode, settings);
    const r = rank[s] ?? 0;
    if (r > (worst ? rank[worst] : 0)) worst = s === 'hint' ? 'info' : (s as 'error' | 'warning' | 'info');
  }
  return worst;
}

/** The severity in force for a rule, given the user's settings (`off` disables it). */
export function severityOf(code: RuleCode, settings: Partial<Record<string, SeveritySetting>>): SeveritySetting {
  return settings[code] ?? RULES[code].severity;
}
