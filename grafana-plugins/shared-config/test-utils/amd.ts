import fs from 'fs';

export interface AmdModule {
  /** Module ids the file asked Grafana's loader for, in order. */
  dependencies: string[];
  exports: Record<string, unknown>;
}

/**
 * Evaluates a built module.js the way Grafana's plugin loader does: the file calls a global
 * AMD `define(deps, factory)`, and each dependency is one of the modules Grafana shares with
 * plugins. Here they come from node_modules through `resolve`, so the panel runs against the
 * same @grafana/data and React the test uses.
 */
export function loadAmdModule(file: string, resolve: (id: string) => unknown): AmdModule {
  const code = fs.readFileSync(file, 'utf8');
  let captured: AmdModule | undefined;
  const define = (depsOrFactory: unknown, maybeFactory?: unknown) => {
    const deps = Array.isArray(depsOrFactory) ? depsOrFactory.map(String) : [];
    const factory = Array.isArray(depsOrFactory) ? maybeFactory : depsOrFactory;
    if (typeof factory !== 'function') {
      throw new Error(`${file}: define() was called without a factory function`);
    }
    const exportsObject: Record<string, unknown> = {};
    const args = deps.map((id) => (id === 'exports' ? exportsObject : resolve(id)));
    const returned: unknown = factory(...args);
    captured = {
      dependencies: deps,
      exports: (returned && typeof returned === 'object' ? returned : exportsObject) as Record<string, unknown>,
    };
  };
  // Grafana's loaders mark their define with `amd`; webpack's AMD output does not check it,
  // but UMD-style code would, so the shim looks the same.
  define.amd = {};
  // The file is trusted build output of this repository; Function keeps it out of module scope.
  new Function('define', `${code}\n//# sourceURL=${file}`)(define);
  if (!captured) {
    throw new Error(`${file} did not call define(): it is not an AMD module`);
  }
  return captured;
}
