/**
 * Parses one record's text. JSON.parse does the work; when it fails, jsonc-parser (which
 * keeps positions) says where and why, since V8's messages do not always give a position.
 */
import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';

export type ParseErrorCode = ReturnType<typeof printParseErrorCode> | 'TrailingData' | 'Unknown';

export interface ParseFailure {
  code: ParseErrorCode;
  message: string;
  /** offset of the error in the record text (UTF-16 code units) */
  offset: number;
  length: number;
}

export type ParseResult = { ok: true; value: unknown } | { ok: false; error: ParseFailure };

const MESSAGES: Partial<Record<ParseErrorCode, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'a property name in double quotes is expected here (trailing comma?)',
  ValueExpected: 'a value is expected here',
  ColonExpected: "':' expected",
  CommaExpected: "',' expected",
  CloseBraceExpected: "'}' expected: the record ends too early",
  CloseBracketExpected: "']' expected: the record ends too early",
  EndOfFileExpected: 'unexpected data after the end of the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape sequence',
  InvalidCharacter: 'control character in a string (must be escaped)',
  TrailingData: 'unexpected data after the end of the JSON value (two records on one line?)',
};

export function parseErrorMessage(code: ParseErrorCode): string {
  return MESSAGES[code] ?? 'invalid JSON';
}

export function parseRecordText(text: string): ParseResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: locateParseError(text, e instanceof Error ? e.message : String(e)) };
  }
}

/** Finds where `text` stops being valid JSON. */
export function locateParseError(text: string, fallbackMessage = 'invalid JSON'): ParseFailure {
  if (text.trim().length === 0) return { code: 'ValueExpected', message: 'empty record', offset: 0, length: 0 };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length === 0) return { code: 'Unknown', message: fallbackMessage, offset: 0, length: Math.min(1, text.length) };
  const first = errors[0];
  let code: ParseErrorCode = printParseErrorCode(first.error);
  if (root && first.offset >= root.offset + root.length && (code === 'InvalidSymbol' || code === 'EndOfFileExpected')) code = 'TrailingData';
  return { code, message: parseErrorMessage(code), offset: first.offset, length: first.length };
}

/** Line and column (0-based, UTF-16) of `offset` in `text`, counted from (line0, col0). */
export function positionIn(text: string, offset: number, line0 = 0, col0 = 0): { line: number; column: number } {
  let line = line0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: (line === line0 ? col0 : 0) + offset - lineStart };
}
