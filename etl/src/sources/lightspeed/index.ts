import type { SourceDef } from '../runtime/source';
import { LIGHTSPEED, LightspeedClient } from './client';
import { lightspeedStreams } from './streams';

export function lightspeedSource(o: { key: string; secret: string; baseUrl: string; sleep?: (ms: number) => Promise<void> }): SourceDef<LightspeedClient> {
  return { name: LIGHTSPEED, client: new LightspeedClient(o), streams: lightspeedStreams(), normalizeError: (e) => e };
}
