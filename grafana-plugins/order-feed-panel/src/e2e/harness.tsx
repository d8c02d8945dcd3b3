import React, { useEffect, useState } from 'react';
import { DataFrame, GrafanaTheme2, PanelPlugin } from '@grafana/data';
import { PanelGrid, loadPlugin, mount, reportError, themeFromQuery } from '../../../shared-config/harness/host';
import { eventFrame, orderRows, sqlFrame } from '../testing/fixtures';
import { FeedOptions, defaultOptions } from '../types';

const now = Date.now();
const rows = orderRows(26, now - 60_000);
const sql = sqlFrame(rows.slice(0, 25));

declare global {
  interface Window {
    /** Lets the browser test deliver live events the way Grafana would: new frames in data.series. */
    harnessPush?: (kind: 'new' | 'complete-pending') => void;
  }
}

function Harness({ plugin, theme }: { plugin: PanelPlugin<FeedOptions>; theme: GrafanaTheme2 }) {
  const [events, setEvents] = useState<DataFrame[]>([]);
  useEffect(() => {
    window.harnessPush = (kind) => {
      if (kind === 'new') {
        const next = rows[25]!;
        setEvents((e) => [...e, eventFrame({ ...next, placed_at: Date.now(), total: 480, status: 'pending_verification' })]);
      } else {
        // The newest pending order from the SQL result is verified.
        const pending = [...rows.slice(0, 25)].reverse().find((r) => r.status === 'pending_verification')!;
        setEvents((e) => [...e, eventFrame({ ...pending, status: 'completed' })]);
      }
    };
  }, []);
  return (
    <PanelGrid
      plugin={plugin}
      theme={theme}
      panels={[{ title: 'Live orders', options: { ...defaultOptions, highlightSeconds: 30 }, series: [sql, ...events], height: 760 }]}
    />
  );
}

loadPlugin('/module.js')
  .then((plugin) => {
    mount(<Harness plugin={plugin as PanelPlugin<FeedOptions>} theme={themeFromQuery()} />);
    document.body.setAttribute('data-harness-ready', 'true');
  })
  .catch(reportError);
