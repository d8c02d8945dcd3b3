import { Observable, map } from 'rxjs';
import { DataFrame, isValidLiveChannelAddress, parseLiveChannelAddress } from '@grafana/data';
import { getGrafanaLiveSrv } from '@grafana/runtime';

export type LiveFrames =
  | { kind: 'off' }
  | { kind: 'error'; message: string }
  | { kind: 'stream'; frames$: Observable<DataFrame[]> };

/**
 * Turns the channel option ("stream/orders/events": scope/stream/path) into a stream of frame
 * batches from Grafana Live. Most dashboards do not need this: a Grafana datasource query with
 * the "Live measurements" target already delivers the same frames in data.series.
 */
export function liveOrderFrames(channel: string): LiveFrames {
  const trimmed = channel.trim();
  if (!trimmed) {
    return { kind: 'off' };
  }
  const addr = parseLiveChannelAddress(trimmed);
  if (!isValidLiveChannelAddress(addr)) {
    return { kind: 'error', message: `"${trimmed}" is not a Live channel (expected scope/stream/path, e.g. stream/orders/events)` };
  }
  const live = getGrafanaLiveSrv();
  // Outside a running Grafana (or with Live disabled) there is no service to ask.
  if (!live) {
    return { kind: 'error', message: 'Grafana Live is not available' };
  }
  return {
    kind: 'stream',
    frames$: live.getDataStream({ addr, key: `kpi-orderfeed-${trimmed}` }).pipe(map((response) => response.data as DataFrame[])),
  };
}
