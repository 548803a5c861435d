/**
 * How VLM010 / VLM011 count `<image>` / `<video>` placeholders, per file
 * (`vlmLens.validation.imagePlaceholders`: glob → policy; `--placeholders` in the CLI):
 * - exact: one placeholder per image, always (LLaMA-Factory's rule);
 * - inserted: a record with images and no placeholder is fine (LLaVA-style loaders insert
 *   them before the first question); otherwise the counts must match;
 * - shared: one placeholder may stand for all of a record's images (multi-view records whose
 *   loader expands a single `<image>` token), as may none.
 * Default: exact for ShareGPT-style `messages`, inserted for the others.
 */
import picomatch from 'picomatch';

export type PlaceholderPolicy = 'exact' | 'inserted' | 'shared';
export const PLACEHOLDER_POLICIES: PlaceholderPolicy[] = ['exact', 'inserted', 'shared'];

/** The policy the first matching glob gives this workspace-relative path, if any. */
export function placeholderPolicyFor(map: Record<string, unknown> | undefined, relPath: string): PlaceholderPolicy | undefined {
  for (const [glob, policy] of Object.entries(map ?? {})) {
    if (!(PLACEHOLDER_POLICIES as unknown[]).includes(policy)) continue;
    if (picomatch(glob, { dot: true, basename: !glob.includes('/') })(relPath.replace(/\\/g, '/'))) return policy as PlaceholderPolicy;
  }
  return undefined;
}

/** Whether `placeholders` for `media` items break the policy. */
export function placeholderMismatch(placeholders: number, media: number, policy: PlaceholderPolicy): boolean {
  if (placeholders === media) return false;
  if (policy === 'exact') return true;
  if (policy === 'inserted') return placeholders > 0 || media === 0;
  // shared: none or one placeholder for several images is fine; more than the images, or placeholders without any, is not
  return placeholders > 1 || media === 0;
}
