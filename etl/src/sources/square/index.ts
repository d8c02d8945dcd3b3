import type { SquareClient } from 'square';
import type { SourceDef } from '../runtime/source';
import type { CatalogOptions } from './catalogIndex';
import { createSquareClient, normalizeSquareError } from './client';
import { SQUARE } from './mapping';
import { SquareContext, squareStreams } from './streams';

export interface SquareSourceOptions {
  token: string;
  baseUrl?: string;
  catalog?: Partial<CatalogOptions>;
}

export interface SquareSource extends SourceDef<SquareClient> {
  context: SquareContext;
}

export function squareSource(o: SquareSourceOptions): SquareSource {
  const context = new SquareContext({ tierAttribute: 'tier', unitCostAttribute: 'unit_cost', unitCosts: {}, ...o.catalog });
  return {
    name: SQUARE,
    client: createSquareClient({ token: o.token, baseUrl: o.baseUrl }),
    streams: squareStreams(context),
    normalizeError: normalizeSquareError,
    context,
  };
}

