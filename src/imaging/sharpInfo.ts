import type Sharp from 'sharp';

export type SharpModule = typeof Sharp;

let cached: Promise<SharpModule> | undefined;

/** Loads sharp lazily, once (it is a native module: activation must not pay for it). */
export function loadSharp(): Promise<SharpModule> {
  cached ??= import('sharp').then((m) => m.default);
  return cached;
}

export async function imagingVersions(): Promise<{ sharp: string; vips: string }> {
  const sharp = await loadSharp();
  return { sharp: sharp.versions.sharp ?? 'unknown', vips: sharp.versions.vips };
}
