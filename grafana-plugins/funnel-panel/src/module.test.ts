import fs from 'fs';
import path from 'path';
import { render, screen } from '@testing-library/react';
import React from 'react';
import { FieldType, PanelOptionsEditorBuilder, PanelPlugin, toDataFrame } from '@grafana/data';
import { loadAmdModule } from '../../shared-config/test-utils/amd';
import { panelProps } from '../../shared-config/test-utils/panelProps';
import { registerStandardEditorIds } from '../../shared-config/test-utils/optionEditors';
import { FunnelOptions, defaultOptions } from './types';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { GRAFANA_EXTERNALS } = require('../../shared-config/webpack.config') as { GRAFANA_EXTERNALS: string[] };

// dist/ is built by the jest global setup when missing or stale.
const dist = path.join(__dirname, '..', 'dist');

registerStandardEditorIds();

describe('built plugin (dist/)', () => {
  // Grafana resolves the AMD dependencies to its own copies; node_modules plays that part here,
  // by module id at run time, hence a plain require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = loadAmdModule(path.join(dist, 'module.js'), (id) => require(id));

  it('is an AMD module that only asks Grafana for modules Grafana shares', () => {
    expect(loaded.dependencies.length).toBeGreaterThan(0);
    for (const dep of loaded.dependencies) {
      expect(GRAFANA_EXTERNALS).toContain(dep);
    }
    expect(loaded.dependencies).toEqual(expect.arrayContaining(['react', '@grafana/data', '@grafana/ui']));
  });

  it('exports a PanelPlugin whose options build', () => {
    const plugin = loaded.exports.plugin;
    expect(plugin).toBeInstanceOf(PanelPlugin);
    const panelPlugin = plugin as PanelPlugin<FunnelOptions>;
    const builder = new PanelOptionsEditorBuilder<FunnelOptions>();
    panelPlugin.getPanelOptionsSupplier()(builder, { data: [] });
    const items = builder.getItems();
    expect(items.map((i) => i.id)).toEqual([
      'layout',
      'stepSource',
      'order',
      'showDropOff',
      'benchmarks',
      'decimals',
      'compare',
      'linkUrl',
    ]);
    const defaults = Object.fromEntries(items.map((i) => [i.path, i.defaultValue]));
    expect(defaults).toEqual(defaultOptions);
  });

  it('renders the funnel from the built bundle', () => {
    const plugin = loaded.exports.plugin as PanelPlugin<FunnelOptions>;
    const Panel = plugin.panel;
    expect(Panel).toBeTruthy();
    const frame = toDataFrame({
      fields: [
        { name: 'step', type: FieldType.string, values: ['Visitors', 'Add to cart', 'Checkout', 'Order'] },
        { name: 'count', type: FieldType.number, values: [1000, 250, 100, 30] },
      ],
    });
    render(React.createElement(Panel!, panelProps<FunnelOptions>(defaultOptions, [frame])));
    expect(screen.getAllByTestId('step-of-first').map((e) => e.textContent)).toEqual([
      '100.0 %',
      '25.0 %',
      '10.0 %',
      '3.0 %',
    ]);
  });

  it('ships plugin.json with the version filled in, README and logo', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(dist, 'plugin.json'), 'utf8'));
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(meta.id).toBe('kpi-funnel-panel');
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
