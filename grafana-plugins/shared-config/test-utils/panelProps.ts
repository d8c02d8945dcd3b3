import { DataFrame, EventBusSrv, LoadingState, PanelProps, getDefaultTimeRange } from '@grafana/data';

/**
 * The props Grafana passes to a panel component, with real @grafana/data objects
 * (time range, event bus, panel data) and the caller's frames and options.
 */
export function panelProps<T>(options: T, series: DataFrame[], extra: Partial<PanelProps<T>> = {}): PanelProps<T> {
  const timeRange = getDefaultTimeRange();
  return {
    id: 1,
    title: 'Test panel',
    data: { state: LoadingState.Done, series, timeRange },
    timeRange,
    timeZone: 'utc',
    options,
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    width: 800,
    height: 400,
    renderCounter: 0,
    eventBus: new EventBusSrv(),
    replaceVariables: (value: string) => value,
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    onChangeTimeRange: () => undefined,
    ...extra,
  };
}
