/** Helpers for the Eval panel in e2e tests: ink on a chart's canvas, a screenshot of the panel maximized. */
import type { Frame, Locator } from 'playwright-core';
import type { VsCodeSession } from './harness';

/** Painted pixels on a chart's canvas in the Eval panel (0 when it is missing or blank). */
export function inkOf(f: Frame, key: string): Promise<number> {
  return f.evaluate((k) => {
    const c = document.querySelector<HTMLCanvasElement>(`.chart[data-chart="${k}"] canvas`);
    if (!c || c.width === 0) return 0;
    const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  }, key);
}

/** A screenshot of the Eval panel maximized (no toasts over it), scrolled to `at`; the panel is restored after. */
export async function panelShot(vs: VsCodeSession, label: string, at: Locator): Promise<void> {
  await vs.clearNotifications();
  await vs.runCommand('View: Toggle Maximized Panel');
  await vs.page.waitForTimeout(800);
  await at.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await vs.dismissHover();
  await vs.page.waitForTimeout(300);
  await vs.screenshot(label);
  await vs.runCommand('View: Toggle Maximized Panel');
}

