import path from 'path';
import { render, screen } from '@testing-library/react';
import React from 'react';
import { FieldType, toDataFrame } from '@grafana/data';
import { describeBuiltPlugin } from '../../shared-config/test-utils/builtPlugin';
import { panelProps } from '../../shared-config/test-utils/panelProps';
import { FunnelOptions, defaultOptions } from './types';

describeBuiltPlugin<FunnelOptions>({
  pluginDir: path.join(__dirname, '..'),
  id: 'kpi-funnel-panel',
  dependencies: ['react', '@grafana/data', '@grafana/ui'],
  optionIds: ['layout', 'stepSource', 'order', 'showDropOff', 'benchmarks', 'decimals', 'compare', 'linkUrl'],
  defaultOptions,
  // node_modules plays Grafana's part, by module id at run time, hence a plain require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  requireModule: (id) => require(id),
  render: {
    title: 'renders the funnel from the built bundle',
    check: (Panel) => {
      const frame = toDataFrame({
        fields: [
          { name: 'step', type: FieldType.string, values: ['Visitors', 'Add to cart', 'Checkout', 'Order'] },
          { name: 'count', type: FieldType.number, values: [1000, 250, 100, 30] },
        ],
      });
      render(React.createElement(Panel, panelProps<FunnelOptions>(defaultOptions, [frame])));
      expect(screen.getAllByTestId('step-of-first').map((e) => e.textContent)).toEqual(['100.0 %', '25.0 %', '10.0 %', '3.0 %']);
    },
  },
});
