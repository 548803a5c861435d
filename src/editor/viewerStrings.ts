import * as vscode from 'vscode';
import { type ViewerStrings } from '../protocol/datasetViewer';

/** The viewer's strings, localized on the host (the webview has no l10n runtime). */
export function viewerStrings(): ViewerStrings {
  return {
    oneRecord: vscode.l10n.t('1 record'),
    records: vscode.l10n.t('{0} records'),
    indexing: vscode.l10n.t('indexing… {0} records so far ({1}%)'),
    scanning: vscode.l10n.t('checking records… {0}%'),
    failedToParse: vscode.l10n.t('{0} failed to parse'),
    tooLargeRecords: vscode.l10n.t('{0} too large to render'),
    invalidUtf8Records: vscode.l10n.t('{0} with invalid UTF-8'),
    mojibakeRecords: vscode.l10n.t('{0} with mojibake'),
    mojibakeFound: vscode.l10n.t('Looks like UTF-8 text decoded as Latin-1/Windows-1252 (mojibake): “{0}” should read “{1}” (at {2}).'),
    searchPlaceholder: vscode.l10n.t('Search the whole file'),
    matchCase: vscode.l10n.t('Match case'),
    useRegex: vscode.l10n.t('Regular expression'),
    searching: vscode.l10n.t('searching… {0}%'),
    noMatches: vscode.l10n.t('no matches'),
    matchesOf: vscode.l10n.t('{0} of {1}'),
    matchesCapped: vscode.l10n.t('the first {0} of {1} matching records are listed'),
    prevMatch: vscode.l10n.t('Previous match'),
    nextMatch: vscode.l10n.t('Next match'),
    goToPlaceholder: vscode.l10n.t('Record #'),
    goTo: vscode.l10n.t('Go'),
    reopenAsText: vscode.l10n.t('Reopen as Text'),
    nextError: vscode.l10n.t('Next broken record'),
    openAtLine: vscode.l10n.t('Open at line {0}'),
    copyJson: vscode.l10n.t('Copy JSON'),
    copied: vscode.l10n.t('Copied'),
    rawJson: vscode.l10n.t('Raw JSON'),
    reasoning: vscode.l10n.t('Reasoning'),
    context: vscode.l10n.t('Context'),
    missingImage: vscode.l10n.t('Image not found: {0}'),
    triedPaths: vscode.l10n.t('Looked in:'),
    lmdbImage: vscode.l10n.t('LMDB frame (not a file): {0}'),
    urlImage: vscode.l10n.t('Remote image (not fetched): {0}'),
    unreadableImage: vscode.l10n.t('Image could not be read: {0}'),
    invalidImage: vscode.l10n.t('Invalid image reference: {0}'),
    placeholderWithoutImage: vscode.l10n.t('<image> placeholder #{0} has no image in this record'),
    video: vscode.l10n.t('Video: {0}'),
    videoCannotPlay: vscode.l10n.t('This video cannot be played here ({0}): VS Code webviews play H.264, VP8, VP9 and AV1 video without AAC audio. Open it in a video player.'),
    videoOutside: vscode.l10n.t('This video is outside the dataset\'s workspace folder and is not served to the viewer: {0}'),
    missingVideo: vscode.l10n.t('Video not found: {0}'),
    formatWhy: vscode.l10n.t('Read as {0}: {1}'),
    describeFormat: vscode.l10n.t('Describe this format…'),
    jsonTree: vscode.l10n.t('Fields'),
    moreItems: vscode.l10n.t('… {0} more'),
    lineTooLong: vscode.l10n.t('Line too long to render ({0} MB).'),
    invalidUtf8At: vscode.l10n.t('Invalid UTF-8 at line {0}, column {1}: shown with replacement characters.'),
    parseErrorAt: vscode.l10n.t('Line {0}, column {1}: {2}'),
    selectRecord: vscode.l10n.t('Select a record to see it here.'),
    emptyFile: vscode.l10n.t('This file is empty.'),
    binaryFile: vscode.l10n.t('This is not a text file (it contains NUL bytes).'),
    fileDeleted: vscode.l10n.t('The file was deleted on disk.'),
    fileReindexed: vscode.l10n.t('The file changed on disk and was indexed again.'),
    fileAppended: vscode.l10n.t('{0} records (the file grew on disk).'),
    notes: vscode.l10n.t('Notes'),
    chosen: vscode.l10n.t('chosen'),
    rejected: vscode.l10n.t('rejected'),
    prediction: vscode.l10n.t('prediction'),
    reference: vscode.l10n.t('ground truth'),
    recordOf: vscode.l10n.t('Record {0} of {1}'),
    lineLabel: vscode.l10n.t('line {0}'),
    scoresTitle: vscode.l10n.t('Scores in recent eval runs'),
    scoresMore: vscode.l10n.t('{0} older run(s) not read: see the Eval panel'),
    scoreThisFile: vscode.l10n.t('this file'),
    scoreSameId: vscode.l10n.t('same id'),
    scoreNone: vscode.l10n.t('not scored'),
    showRunIn: vscode.l10n.t('Show this run in the Eval panel'),
    loading: vscode.l10n.t('loading…'),
    metaEntries: vscode.l10n.t('Datasets in this meta file'),
    metaEffective: vscode.l10n.t('samples per epoch'),
    metaTotal: vscode.l10n.t('{0} datasets'),
    metaNotFound: vscode.l10n.t('(not found)'),
    metaMissing: vscode.l10n.t('{0} dataset(s) name an annotation file or root that does not exist (looked in: {1})'),
    noTurns: vscode.l10n.t('No conversation found in this record: its JSON is shown below.'),
    overlays: vscode.l10n.t('Overlays'),
    layerGt: vscode.l10n.t('ground truth'),
    layerPred: vscode.l10n.t('prediction'),
    layerPrompt: vscode.l10n.t('prompt'),
    labels: vscode.l10n.t('labels'),
    colourByLabel: vscode.l10n.t('colour by label'),
    opacity: vscode.l10n.t('opacity'),
    coordinates: vscode.l10n.t('Coordinates'),
    autoConvention: vscode.l10n.t('auto ({0})'),
    conventionBecause: vscode.l10n.t('read as {0}: {1}'),
    sourceOverride: vscode.l10n.t('chosen for this file'),
    sourceSetting: vscode.l10n.t('from the vlmLens.coordinateConvention setting'),
    sourceRun: vscode.l10n.t('as the eval run that scored this file read it'),
    sourceFormat: vscode.l10n.t('set by the format'),
    imagesSideBySide: vscode.l10n.t('Images side by side'),
    imagesStacked: vscode.l10n.t('Images one under another'),
    sourceAuto: vscode.l10n.t('detected'),
    mixedConventions: vscode.l10n.t('Records in this file disagree on the coordinate convention: {0}.'),
    notDrawn: vscode.l10n.t('Not drawn: {0}'),
    noImageForOverlay: vscode.l10n.t('The image is not available: {0} shape(s) are not drawn.'),
    drawnOnFirstImage: vscode.l10n.t('Overlays are drawn on the first image.'),
    egoCaption: vscode.l10n.t('Ego-frame trajectory (bird’s-eye view: x forward, y left): not image coordinates, so not drawn on the camera image.'),
    iouPair: vscode.l10n.t('{0}: IoU {1}'),
    trajectoryPair: vscode.l10n.t('{0}: DTW {1} px, endpoint {2} px'),
    pointPair: vscode.l10n.t('{0}: distance {1} px'),
    fromTurn: vscode.l10n.t('from turn {0} ({1}), read as {2}'),
    fromField: vscode.l10n.t('from field {0}, read as {1}'),
    conventionOfShape: vscode.l10n.t('convention: {0} ({1})'),
    pixelsOfShape: vscode.l10n.t('pixels: {0}'),
    flagsOfShape: vscode.l10n.t('⚠ {0}'),
    zoomHint: vscode.l10n.t('wheel: zoom · drag: pan · double-click: fit · click a shape: show its text'),
    validating: vscode.l10n.t('validating… {0}%'),
    problemsSummary: vscode.l10n.t('{0} problems in {1} records'),
    problemsSummaryOneRecord: vscode.l10n.t('{0} problems in 1 record'),
    oneProblemSummary: vscode.l10n.t('1 problem in 1 record'),
    noProblems: vscode.l10n.t('no problems'),
    validationCancelled: vscode.l10n.t('validation cancelled at {0}%: partial'),
    validationCapped: vscode.l10n.t('the Problems panel lists {0} of them (vlmLens.maxProblemsPerFile)'),
    filterAll: vscode.l10n.t('All records'),
    filterProblems: vscode.l10n.t('Records with problems ({0})'),
    filterCode: vscode.l10n.t('{0} ({1})'),
    filterEmpty: vscode.l10n.t('No record matches this filter.'),
    problemsOfRecord: vscode.l10n.t('Problems'),
    problemAt: vscode.l10n.t('line {0}, column {1}'),
  };
}

/** Notes about the file as a whole. */
export function noticeText(key: 'object' | 'list' | 'truncated' | 'trailing' | 'binary' | 'empty' | 'formats', ...args: Array<string | number>): string {
  switch (key) {
    case 'formats':
      return vscode.l10n.t('vlmLens.formats: {0} (this entry is skipped)', String(args[0]));
    case 'list':
      return vscode.l10n.t('The records are the "{0}" list of this JSON file\'s top-level object; its other fields are not shown as records.', String(args[0]));
    case 'object':
      return vscode.l10n.t('The top level of this JSON file is an object, not an array of records: it is shown as one record.');
    case 'truncated':
      return vscode.l10n.t('The JSON array is cut off before its closing bracket: the last record is incomplete.');
    case 'trailing':
      return vscode.l10n.t('There is data after the end of the JSON value (at byte {0}).', String(args[0]));
    case 'binary':
      return vscode.l10n.t('This is not a text file (it contains NUL bytes).');
    case 'empty':
      return vscode.l10n.t('This file is empty.');
  }
}
