import type * as vscode from 'vscode';

/** Disposes every item, collecting (not throwing) individual failures. */
export function disposeAll(items: Iterable<vscode.Disposable | { dispose(): unknown }>): void {
  const errors: unknown[] = [];
  for (const d of items) {
    try {
      d.dispose();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'Several disposables failed');
}

/**
 * Base class owning disposables: everything passed to `_register` is disposed with it,
 * in reverse order (hexeditor `src/dispose.ts`).
 */
export abstract class Disposable {
  private _isDisposed = false;
  private readonly _disposables: Array<{ dispose(): unknown }> = [];

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    disposeAll(this._disposables.splice(0).reverse());
  }

  protected _register<T extends { dispose(): unknown }>(value: T): T {
    if (this._isDisposed) {
      value.dispose();
    } else {
      this._disposables.push(value);
    }
    return value;
  }
}
