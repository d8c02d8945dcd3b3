import React, { useMemo } from 'react';
import { PanelProps } from '@grafana/data';
import { liveOrderFrames } from '../live';
import { FeedOptions } from '../types';
import { OrderFeed } from './OrderFeed';

/** The panel Grafana mounts: the feed, plus a direct Live subscription when a channel is set. */
export function OrderFeedPanel(props: PanelProps<FeedOptions>) {
  const channel = props.options.channel ?? '';
  const live = useMemo(() => liveOrderFrames(channel), [channel]);
  return (
    <OrderFeed
      {...props}
      liveFrames$={live.kind === 'stream' ? live.frames$ : undefined}
      liveProblem={live.kind === 'error' ? live.message : undefined}
    />
  );
}
