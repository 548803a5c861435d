/** Writes `n` deterministic LLaVA-style records to `path` unless a file of `expectedSize` is already there; returns the size. */
export function generateLlava(path: string, n: number, expectedSize: number | undefined): Promise<number>;
