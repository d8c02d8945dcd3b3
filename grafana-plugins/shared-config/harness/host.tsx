import './boot';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot, Root } from 'react-dom/client';
import * as emotionCss from '@emotion/css';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import { DataFrame, GrafanaTheme2, PanelPlugin, PanelProps, createTheme } from '@grafana/data';
import { panelProps } from '../test-utils/panelProps';

/** What Grafana hands to a plugin's AMD define(): its own copies of the shared modules. */
const shared: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  '@emotion/css': emotionCss,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  rxjs,
  'rxjs/operators': rxjsOperators,
};

type Define = ((deps: string[], factory: (...args: unknown[]) => unknown) => void) & { amd?: object };

/** Loads dist/module.js with a script tag and an AMD define, as Grafana's loader does. */
export function loadPlugin(url: string): Promise<PanelPlugin> {
  return new Promise((resolve, reject) => {
    const define: Define = (deps, factory) => {
      const missing = deps.filter((d) => !(d in shared));
      if (missing.length) {
        reject(new Error(`module.js needs modules Grafana does not share here: ${missing.join(', ')}`));
        return;
      }
      const exported = factory(...deps.map((d) => shared[d])) as { plugin?: PanelPlugin };
      if (!exported?.plugin) {
        reject(new Error('module.js exports no plugin'));
        return;
      }
      resolve(exported.plugin);
    };
    define.amd = {};
    (window as unknown as { define: Define }).define = define;
    const script = document.createElement('script');
    script.src = url;
    script.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.appendChild(script);
  });
}

export function themeFromQuery(): GrafanaTheme2 {
  const mode = new URLSearchParams(window.location.search).get('theme') === 'light' ? 'light' : 'dark';
  return createTheme({ colors: { mode } });
}

export interface PanelSpec<T> {
  title: string;
  options: T;
  series: DataFrame[];
  height: number;
}

/** Renders panels the way a dashboard does: a titled box per panel, sized in pixels. */
export function PanelGrid<T>({ plugin, theme, panels }: { plugin: PanelPlugin<T>; theme: GrafanaTheme2; panels: Array<PanelSpec<T>> }) {
  const Panel = plugin.panel as React.ComponentType<PanelProps<T>> | null;
  const [width, setWidth] = React.useState(() => window.innerWidth);
  React.useEffect(() => {
    const onResize = () => setWidth(window.innerWidth);
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  if (!Panel) {
    return <div>plugin has no panel component</div>;
  }
  const panelWidth = Math.max(width - 34, 200);
  return (
    <grafanaUi.ThemeContext.Provider value={theme}>
      <div
        style={{
          background: theme.colors.background.canvas,
          color: theme.colors.text.primary,
          minHeight: '100vh',
          padding: 8,
          boxSizing: 'border-box',
        }}
      >
        {panels.map((p, i) => (
          <section
            key={i}
            data-testid="harness-panel"
            style={{
              background: theme.colors.background.primary,
              border: `1px solid ${theme.colors.border.weak}`,
              borderRadius: 4,
              padding: 8,
              marginBottom: 8,
            }}
          >
            <h3 style={{ margin: '0 0 8px', fontSize: 14 }}>{p.title}</h3>
            <Panel {...panelProps<T>(p.options, p.series, { width: panelWidth, height: p.height, title: p.title, id: i + 1 })} />
          </section>
        ))}
      </div>
    </grafanaUi.ThemeContext.Provider>
  );
}

let root: Root | undefined;
export function mount(element: React.ReactElement): void {
  const container = document.getElementById('root');
  if (!container) {
    throw new Error('harness page has no #root');
  }
  root = root ?? createRoot(container);
  root.render(element);
}

export function reportError(error: unknown): void {
  const pre = document.createElement('pre');
  pre.id = 'harness-error';
  pre.textContent = String(error instanceof Error ? error.stack : error);
  document.body.appendChild(pre);
}
