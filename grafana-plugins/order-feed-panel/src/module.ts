import { PanelPlugin } from '@grafana/data';
import { OrderFeedPanel } from './components/OrderFeedPanel';
import { FeedOptions, defaultOptions } from './types';

const FIELDS = 'Field names';

export const plugin = new PanelPlugin<FeedOptions>(OrderFeedPanel)
  .useFieldConfig()
  .setPanelOptions((builder) =>
    builder
      .addNumberInput({
        path: 'maxOrders',
        name: 'Orders shown',
        description: 'How many of the latest orders to list.',
        defaultValue: defaultOptions.maxOrders,
        settings: { min: 1, max: 500, integer: true },
      })
      .addTextInput({
        path: 'currency',
        name: 'Currency',
        description: 'ISO 4217 code, e.g. USD, EUR, GBP.',
        defaultValue: defaultOptions.currency,
      })
      .addBooleanSwitch({
        path: 'minorUnits',
        name: 'Totals in cents',
        description: 'Turn on when the total column holds minor units (cents) rather than currency units.',
        defaultValue: defaultOptions.minorUnits,
      })
      .addNumberInput({
        path: 'badgeAbove',
        name: 'Large order above',
        description: 'Orders with a total above this amount get a badge.',
        defaultValue: defaultOptions.badgeAbove,
        settings: { min: 0 },
      })
      .addNumberInput({
        path: 'highlightSeconds',
        name: 'Highlight new orders (s)',
        defaultValue: defaultOptions.highlightSeconds,
        settings: { min: 0, max: 120 },
      })
      .addTextInput({
        path: 'channel',
        name: 'Live channel',
        description:
          'Optional. Subscribe to this Grafana Live channel directly (e.g. stream/orders/events). Not needed when the ' +
          'query already uses the Grafana datasource with the "Live measurements" target.',
        defaultValue: defaultOptions.channel,
        settings: { placeholder: 'stream/orders/events' },
      })
      .addTextInput({
        path: 'fieldOrderId',
        name: 'Order id',
        category: [FIELDS],
        description: 'Default: order_id, id or order_number.',
        defaultValue: defaultOptions.fieldOrderId,
      })
      .addTextInput({
        path: 'fieldPlacedAt',
        name: 'Placed at',
        category: [FIELDS],
        description: 'Default: placed_at, created_at, time, or the first time field.',
        defaultValue: defaultOptions.fieldPlacedAt,
      })
      .addTextInput({
        path: 'fieldCustomer',
        name: 'Customer',
        category: [FIELDS],
        description: 'Default: customer, customer_name, email.',
        defaultValue: defaultOptions.fieldCustomer,
      })
      .addTextInput({
        path: 'fieldItems',
        name: 'Items',
        category: [FIELDS],
        description: 'Default: items, items_summary, line_items (text, a count, or a JSON list of {name, qty}).',
        defaultValue: defaultOptions.fieldItems,
      })
      .addTextInput({
        path: 'fieldTotal',
        name: 'Total',
        category: [FIELDS],
        description: 'Default: total, order_total, amount.',
        defaultValue: defaultOptions.fieldTotal,
      })
      .addTextInput({
        path: 'fieldStatus',
        name: 'Status',
        category: [FIELDS],
        description: 'Default: status, order_status, state. Values: completed, pending_verification, refunded.',
        defaultValue: defaultOptions.fieldStatus,
      })
  );
