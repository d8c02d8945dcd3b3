import React from 'react';
import { FieldType, PanelPlugin, toDataFrame } from '@grafana/data';
import { PanelGrid, PanelSpec, loadPlugin, mount, reportError, themeFromQuery } from '../../../shared-config/harness/host';
import { FunnelOptions, defaultOptions } from '../types';

const steps = (counts: number[]) =>
  toDataFrame({
    fields: [
      { name: 'step', type: FieldType.string, values: ['Visitors', 'Add to cart', 'Checkout', 'Order'] },
      { name: 'count', type: FieldType.number, values: counts },
    ],
  });

const panels: Array<PanelSpec<FunnelOptions>> = [
  {
    title: 'Funnel with benchmarks and last week',
    options: { ...defaultOptions, benchmarks: 'Add to cart: 90, Checkout: 60, Order: 50' },
    series: [steps([1000, 250, 100, 30]), steps([900, 240, 110, 40])],
    height: 300,
  },
  {
    title: 'Horizontal, a step that gained people',
    options: { ...defaultOptions, layout: 'horizontal' },
    series: [steps([400, 480, 120, 0])],
    height: 220,
  },
];

loadPlugin('/module.js')
  .then((plugin) => {
    mount(<PanelGrid plugin={plugin as PanelPlugin<FunnelOptions>} theme={themeFromQuery()} panels={panels} />);
    document.body.setAttribute('data-harness-ready', 'true');
  })
  .catch(reportError);
