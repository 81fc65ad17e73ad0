/**
 * How a caller loads one module, written in the caller's file so that the specifier resolves from the
 * caller's package (its dependencies, its relative paths), not from `@envelope/core`'s.
 */
export interface ModuleLoader<T> {
  /** `() => require('x')`: used where the code runs as CommonJS (tsx under mocha, a CommonJS bundle). */
  require(): NoInfer<T>;
  /** `() => import('x')`: used in ES modules. */
  import(): Promise<T>;
}

/** What to throw when the module's own package is not installed (not when one of its dependencies is missing). */
export interface MissingModule {
  /** The package whose absence this error reports, as Node names it: `@envelope/kms-emulator`. */
  readonly packageName: string;
  /** The typed error saying which package to install; `cause` is Node's error. */
  error(cause: unknown): Error;
}

/**
 * Loads a module on demand, in the running module system: `require` where this code runs as CommonJS,
 * so the module and the application share one instance of every module (error classes, the shared
 * emulator) instead of a second copy; `import()` in ES modules. A missing `missing.packageName`
 * becomes `missing.error`; any other failure is rethrown as it came.
 */
export async function loadOptionalModule<T>(load: ModuleLoader<T>, missing?: MissingModule): Promise<T> {
  try {
    return typeof require === 'function' ? load.require() : await load.import();
  } catch (cause) {
    if (missing !== undefined && isModuleNotFound(cause, missing.packageName)) throw missing.error(cause);
    throw cause;
  }
}

/** Node's "Cannot find package/module 'name'" for `packageName` itself, not for one of its dependencies. */
export function isModuleNotFound(error: unknown, packageName: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    (message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`))
  );
}
