import type { SourceDef } from '../runtime/source';
import { GA4, normalizeGa4Error, type Ga4Client } from './client';
import { GA4_DEFAULT_LOOKBACK_DAYS, ga4Streams } from './streams';

export function ga4Source(client: Ga4Client, o: { storeTimeZone: string; lookbackDays?: number }): SourceDef<Ga4Client> {
  return {
    name: GA4,
    client,
    streams: ga4Streams({ storeTimeZone: o.storeTimeZone, lookbackDays: o.lookbackDays ?? GA4_DEFAULT_LOOKBACK_DAYS }),
    normalizeError: normalizeGa4Error,
  };
}
