import path from 'path';
import { render, screen } from '@testing-library/react';
import React from 'react';
import { describeBuiltPlugin } from '../../shared-config/test-utils/builtPlugin';
import { panelProps } from '../../shared-config/test-utils/panelProps';
import { orderRows, sqlFrame } from './testing/fixtures';
import { FeedOptions, defaultOptions } from './types';

describeBuiltPlugin<FeedOptions>({
  pluginDir: path.join(__dirname, '..'),
  id: 'kpi-orderfeed-panel',
  dependencies: ['react', '@grafana/data', '@grafana/ui', '@grafana/runtime', 'rxjs'],
  optionIds: [
    'maxOrders', 'currency', 'minorUnits', 'badgeAbove', 'highlightSeconds', 'channel',
    'fieldOrderId', 'fieldPlacedAt', 'fieldCustomer', 'fieldItems', 'fieldTotal', 'fieldStatus',
  ],
  defaultOptions,
  // node_modules plays Grafana's part, by module id at run time, hence a plain require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  requireModule: (id) => require(id),
  render: {
    title: 'renders the order feed from the built bundle',
    check: (Panel) => {
      const frame = sqlFrame(orderRows(25, Date.now()));
      render(React.createElement(Panel, panelProps<FeedOptions>(defaultOptions, [frame], { width: 900 })));
      expect(screen.getAllByTestId('order-row')).toHaveLength(20);
    },
  },
});
