import * as vscode from 'vscode';
import { type MessageId, type RuleCode } from '../core/validate/rules';

/**
 * Localized problem messages: one literal vscode.l10n.t per message id (the type makes
 * the list complete; literal calls let the l10n tooling and the translation test find them).
 */
const MESSAGES: Record<MessageId, (a: Array<string | number>) => string> = {
  invalidJson: (a) => vscode.l10n.t('Invalid JSON: {0}', a[0]),
  trailingData: () => vscode.l10n.t('Unexpected data after the end of the JSON value'),
  jsonlArray: () => vscode.l10n.t('This JSONL line is a JSON array, not a record'),
  // already localized by ajv-i18n
  schema: (a) => String(a[0]),
  imageCount: (a) => vscode.l10n.t('{0} <image> placeholder(s) but {1} image(s)', a[0], a[1]),
  videoCount: (a) => vscode.l10n.t('{0} <video> placeholder(s) but {1} video(s)', a[0], a[1]),
  placeholderRole: (a) => vscode.l10n.t('<{0}> placeholder in a {1} turn: images are given in user turns', a[0], a[1]),
  imageKeyRoboInter: () => vscode.l10n.t('RoboInter’s loader reads only `images`: this record, with `image`, trains as text-only'),
  imageKeyMixed: (a) => vscode.l10n.t('This record uses `{0}` but {1} of the file’s records use `{2}`', a[0], a[1], a[2]),
  imageMissing: (a) => vscode.l10n.t('Image not found: {0} (looked in: {1})', a[0], a[1]),
  outsideRange: (a) => vscode.l10n.t('{0} has the coordinate {1}, outside the 0–{2} range of {3}', a[0], a[1], a[2], a[3]),
  sizeMismatch: (a) => vscode.l10n.t('The record declares {0}×{1} ({2}) but its image {3} is {4}×{5}', a[0], a[1], a[2], a[3], a[4], a[5]),
  videoMissing: (a) => vscode.l10n.t('Video not found: {0} (looked in: {1})', a[0], a[1]),
  imageUnreadable: (a) => vscode.l10n.t('Image cannot be read: {0}', a[0]),
  firstRole: (a) => vscode.l10n.t('The conversation starts with a {0} turn, not the user’s', a[0]),
  consecutiveAssistant: (a) => vscode.l10n.t('Two {0} turns in a row', a[0]),
  emptyAnswer: (a) => vscode.l10n.t('Empty {0} turn', a[0]),
  unknownRole: (a) => vscode.l10n.t('Unknown role “{0}”', a[0]),
  boxOutside: (a) => vscode.l10n.t('{0} lies outside the {1}×{2} image ({3})', a[0], a[1], a[2], a[3]),
  boxDegenerate: (a) => vscode.l10n.t('{0}: {1}', a[0], a[1]),
  trajectoryOutside: (a) => vscode.l10n.t('Trajectory {0}: {1}', a[0], a[1]),
  mixedConventions: (a) => vscode.l10n.t('Records in this file use different coordinate conventions: {0}; this record looks like {1}', a[0], a[1]),
  duplicateId: (a) => vscode.l10n.t('Duplicate id “{0}” (first used on line {1})', a[0], a[1]),
  duplicateIdRow: (a) => vscode.l10n.t('Duplicate id “{0}” (first used on row {1})', a[0], a[1]),
  mojibake: (a) => vscode.l10n.t('“{0}” looks like UTF-8 read as Latin-1: “{1}”', a[0], a[1]),
  mojibakeLossy: (a) => vscode.l10n.t('“{0}” looks like UTF-8 read as Windows-1252 with bytes lost on the way: “{1}” (no exact repair: re-create the file from its source)', a[0], a[1]),
  replacementChar: () => vscode.l10n.t('Text contains U+FFFD replacement characters (invalid bytes were decoded)'),
  invalidUtf8: () => vscode.l10n.t('Invalid UTF-8 in this line (shown as U+FFFD)'),
  reasoning: (a) => vscode.l10n.t('{0} (most records in this file use reasoning tags)', a[0]),
  checkFailed: (a) => vscode.l10n.t('This record could not be checked completely: {0}', a[0]),
  duplicateKey: (a) => vscode.l10n.t('Key “{0}” appears more than once in this object; JSON readers keep the last value', a[0]),
  hugeNumber: (a) => vscode.l10n.t('{0} is too large for a double: JSON readers read it as Infinity', a[0]),
  tooLarge: (a) => vscode.l10n.t('Record of {0} MB is too large to validate (vlmLens.viewer.maxRecordSizeMB)', a[0]),
  moreProblems: (a) => vscode.l10n.t('{0} more problem(s) in this file are not listed: at most {1} are listed per file (vlmLens.maxProblemsPerFile; VS Code keeps at most 1000)', a[0], a[1]),
  schemaLoad: (a) => vscode.l10n.t('Schema {0} could not be used: {1}', a[0], a[1]),
};

export function localizedMessage(id: MessageId, args: Array<string | number>): string {
  return MESSAGES[id](args);
}

/** One line per rule (the README's "Validation rules" table says the same). */
const SUMMARIES: Record<RuleCode, () => string> = {
  VLM001: () => vscode.l10n.t('The record is not valid JSON (located at the exact column).'),
  VLM002: () => vscode.l10n.t('There is data after the end of the JSON value (two records on one line?).'),
  VLM003: () => vscode.l10n.t('A JSONL line holds a JSON array: JSONL holds one record (an object) per line.'),
  VLM004: () => vscode.l10n.t('The record does not match its JSON Schema (the built-in one for its format, or yours from vlmLens.schemas).'),
  VLM005: () => vscode.l10n.t('The record is too large to be checked (vlmLens.viewer.maxRecordSizeMB).'),
  VLM006: () => vscode.l10n.t('The record could not be checked completely (nested too deeply, a malformed reference…); the other records are checked as usual.'),
  VLM007: () => vscode.l10n.t('A key appears twice in the same object: JSON readers keep the last value, silently.'),
  VLM008: () => vscode.l10n.t('A number is too large for a double (`1e400`): JSON readers turn it into Infinity.'),
  VLM010: () => vscode.l10n.t('The number of <image> placeholders differs from the number of images.'),
  VLM011: () => vscode.l10n.t('The number of <video> placeholders differs from the number of videos.'),
  VLM012: () => vscode.l10n.t('An <image> / <video> placeholder is in a turn that is not the user’s.'),
  VLM013: () => vscode.l10n.t('`image` and `images` are used inconsistently (RoboInter’s loader reads only `images`: a record with `image` trains as text-only).'),
  VLM020: () => vscode.l10n.t('A referenced image or video file is missing or unreadable (looked up like the viewer does; images in content parts too).'),
  VLM021: () => vscode.l10n.t('The image size the record declares (width/height, w/h, image_size) differs from its image file: every coordinate of the record is read against the wrong size.'),
  VLM030: () => vscode.l10n.t('The first turn is not the user’s (or a system prompt).'),
  VLM031: () => vscode.l10n.t('Two assistant turns in a row.'),
  VLM032: () => vscode.l10n.t('An assistant turn is empty.'),
  VLM033: () => vscode.l10n.t('A turn has a role name VLM Lens does not know.'),
  VLM040: () => vscode.l10n.t('A box or point lies outside the image after conversion to pixels.'),
  VLM041: () => vscode.l10n.t('An inverted (x2 < x1 or y2 < y1) or zero-area box.'),
  VLM042: () => vscode.l10n.t('A trajectory point lies outside the image after conversion to pixels.'),
  VLM043: () => vscode.l10n.t('Records in the file use different coordinate conventions.'),
  VLM050: () => vscode.l10n.t('The same id is used by more than one record (the first one is linked).'),
  VLM060: () => vscode.l10n.t('Text looks like UTF-8 decoded as Latin-1 / Windows-1252 (mojibake), e.g. äººç‰© for 人物.'),
  VLM061: () => vscode.l10n.t('Text contains U+FFFD replacement characters or invalid UTF-8.'),
  VLM070: () => vscode.l10n.t('<think> / <answer> / <context> tags unbalanced or out of order, in a file where most records use them.'),
};

export function ruleSummary(code: RuleCode): string {
  return SUMMARIES[code]();
}
