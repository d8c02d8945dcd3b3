import type { SourceDef } from '../runtime/source';
import { META, normalizeMetaError, type MetaClient } from './client';
import { MetaContext, metaStreams } from './streams';

export function metaSource(client: MetaClient, o: { lookbackDays?: number; pollWait?: (ms: number) => Promise<void> } = {}): SourceDef<MetaClient> {
  return { name: META, client, streams: metaStreams(new MetaContext(), o), normalizeError: normalizeMetaError };
}
