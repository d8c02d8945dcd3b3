import fs from 'fs';
import path from 'path';
import type { ComponentType } from 'react';
import { PanelOptionsEditorBuilder, PanelPlugin, type PanelProps } from '@grafana/data';
import { loadAmdModule } from './amd';
import { registerStandardEditorIds } from './optionEditors';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { GRAFANA_EXTERNALS } = require('../webpack.config') as { GRAFANA_EXTERNALS: string[] };

export interface BuiltPluginChecks<O extends object> {
  /** The plugin's folder (holds package.json and dist/, which the jest global setup builds). */
  pluginDir: string;
  id: string;
  /** AMD dependencies the bundle must ask Grafana for (at least these). */
  dependencies: string[];
  /** Option ids in the order the editor shows them. */
  optionIds: string[];
  defaultOptions: O;
  /** Resolves the bundle's AMD dependencies; Grafana does this with its own copies. */
  requireModule: (id: string) => unknown;
  render: { title: string; check: (Panel: ComponentType<PanelProps<O>>) => void };
}

/** The checks every panel plugin's built bundle must pass, as one describe block. */
export function describeBuiltPlugin<O extends object>(c: BuiltPluginChecks<O>): void {
  const dist = path.join(c.pluginDir, 'dist');
  registerStandardEditorIds();

  describe('built plugin (dist/)', () => {
    const loaded = loadAmdModule(path.join(dist, 'module.js'), c.requireModule);

    it('is an AMD module that only asks Grafana for modules Grafana shares', () => {
      expect(loaded.dependencies.length).toBeGreaterThan(0);
      for (const dep of loaded.dependencies) {
        expect(GRAFANA_EXTERNALS).toContain(dep);
      }
      expect(loaded.dependencies).toEqual(expect.arrayContaining(c.dependencies));
    });

    it('exports a PanelPlugin whose options build', () => {
      const plugin = loaded.exports.plugin;
      expect(plugin).toBeInstanceOf(PanelPlugin);
      const builder = new PanelOptionsEditorBuilder<O>();
      (plugin as PanelPlugin<O>).getPanelOptionsSupplier()(builder, { data: [] });
      const items = builder.getItems();
      expect(items.map((i) => i.id)).toEqual(c.optionIds);
      expect(Object.fromEntries(items.map((i) => [i.path, i.defaultValue]))).toEqual(c.defaultOptions);
    });

    it(c.render.title, () => {
      const Panel = (loaded.exports.plugin as PanelPlugin<O>).panel;
      expect(Panel).toBeTruthy();
      c.render.check(Panel!);
    });

    it('ships plugin.json with the version filled in, README and logo', () => {
      const meta = JSON.parse(fs.readFileSync(path.join(dist, 'plugin.json'), 'utf8'));
      const pkg = JSON.parse(fs.readFileSync(path.join(c.pluginDir, 'package.json'), 'utf8'));
      expect(meta.id).toBe(c.id);
      expect(meta.type).toBe('panel');
      expect(meta.id).toMatch(/^[a-z0-9]+-[a-z0-9]+-panel$/);
      expect(meta.info.version).toBe(pkg.version);
      expect(meta.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(meta.dependencies.grafanaDependency).toBe('>=12.4.0');
      for (const file of ['README.md', meta.info.logos.small, meta.info.logos.large]) {
        expect(fs.existsSync(path.join(dist, file))).toBe(true);
      }
    });
  });
}
