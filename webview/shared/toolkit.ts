import { provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton, vsCodeCheckbox, vsCodeDivider, vsCodeDropdown, vsCodeOption, vsCodeProgressRing, vsCodeTag, vsCodeTextField } from '@vscode/webview-ui-toolkit';

/** Registers the webview UI toolkit controls used by the VLM Lens webviews. */
export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeTextField(), vsCodeCheckbox(), vsCodeProgressRing(), vsCodeBadge(), vsCodeTag(), vsCodeDivider(), vsCodeDropdown(), vsCodeOption());
}

/** The value of a toolkit text field or dropdown. */
export function valueOf(el: Element): string {
  return (el as unknown as { value?: string }).value ?? '';
}

export function setValue(el: Element, v: string): void {
  (el as unknown as { value: string }).value = v;
}

export function checked(el: Element): boolean {
  return (el as unknown as { checked?: boolean }).checked === true;
}

export function setChecked(el: Element, v: boolean): void {
  (el as unknown as { checked: boolean }).checked = v;
}
