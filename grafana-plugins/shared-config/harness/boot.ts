// Grafana's index.html sets grafanaBootData before any module runs; @grafana/runtime reads it
// on import. This module is imported first by the harness so the same is true here.
(window as unknown as { grafanaBootData: object }).grafanaBootData = {
  assets: { dark: '', light: '' },
  settings: { featureToggles: {} },
  user: {},
  navTree: [],
};
export {};
