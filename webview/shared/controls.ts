/**
 * The controls of the VLM Lens webviews: @vscode-elements/elements, the maintained successor
 * of the retired @vscode/webview-ui-toolkit. Its Lit components style themselves with
 * constructed stylesheets (no `<style>` injected, no style attributes), so the pages' CSP
 * needs no 'unsafe-inline'. Only the elements used are registered (each import defines one).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';

/** The value of a text field or a select. */
export function valueOf(el: Element): string {
  return (el as unknown as { value?: string }).value ?? '';
}

/**
 * Sets a text field's value, or picks a select's option: the option is also marked
 * `selected`, so a select whose options were just replaced (parsed a moment later) shows it.
 */
export function setValue(el: Element, v: string): void {
  for (const o of Array.from(el.querySelectorAll('vscode-option'))) o.toggleAttribute('selected', o.getAttribute('value') === v);
  (el as unknown as { value: string }).value = v;
}

export function checked(el: Element): boolean {
  return (el as unknown as { checked?: boolean }).checked === true;
}

export function setChecked(el: Element, v: boolean): void {
  (el as unknown as { checked: boolean }).checked = v;
}
