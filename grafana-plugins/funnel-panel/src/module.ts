import { PanelPlugin } from '@grafana/data';
import { FunnelPanel } from './components/FunnelPanel';
import { FunnelOptions, defaultOptions } from './types';

export const plugin = new PanelPlugin<FunnelOptions>(FunnelPanel)
  // Data links come from the standard field config ("Data links" in the editor).
  .useFieldConfig({ disableStandardOptions: [] })
  .setPanelOptions((builder) =>
    builder
      .addRadio({
        path: 'layout',
        name: 'Layout',
        defaultValue: defaultOptions.layout,
        settings: {
          options: [
            { value: 'vertical', label: 'Vertical' },
            { value: 'horizontal', label: 'Horizontal' },
          ],
        },
      })
      .addRadio({
        path: 'stepSource',
        name: 'Steps from',
        description: 'Rows: a text field names the steps and a number field counts them. Fields: one number field per step (last row).',
        defaultValue: defaultOptions.stepSource,
        settings: {
          options: [
            { value: 'auto', label: 'Auto' },
            { value: 'rows', label: 'Rows' },
            { value: 'fields', label: 'Fields' },
          ],
        },
      })
      .addRadio({
        path: 'order',
        name: 'Step order',
        defaultValue: defaultOptions.order,
        settings: {
          options: [
            { value: 'asGiven', label: 'As in the data' },
            { value: 'byCountDesc', label: 'By count' },
          ],
        },
      })
      .addBooleanSwitch({
        path: 'showDropOff',
        name: 'Show drop-off',
        defaultValue: defaultOptions.showDropOff,
      })
      .addTextInput({
        path: 'benchmarks',
        name: 'Benchmark drop-off per step',
        description:
          'Expected drop-off in % from the previous step, e.g. "Add to cart: 90, Checkout: 60, Order: 50". ' +
          'The bottleneck is the step furthest above its benchmark (a step without one is expected to lose nobody).',
        defaultValue: defaultOptions.benchmarks,
        settings: { placeholder: 'Add to cart: 90, Checkout: 60, Order: 50' },
      })
      .addNumberInput({
        path: 'decimals',
        name: 'Decimals',
        defaultValue: defaultOptions.decimals,
        settings: { min: 0, max: 4, integer: true },
      })
      .addBooleanSwitch({
        path: 'compare',
        name: 'Compare with earlier period',
        description: 'When the query returns a second frame (e.g. the same query with a time shift), show the change per step.',
        defaultValue: defaultOptions.compare,
      })
      .addTextInput({
        path: 'linkUrl',
        name: 'Step link',
        description: 'URL opened from a step name; ${__step} and ${__count} are replaced, dashboard variables too.',
        defaultValue: defaultOptions.linkUrl,
        settings: { placeholder: '/d/conversion?var-step=${__step}' },
      })
  );
