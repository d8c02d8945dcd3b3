/** What goes into a cart: 1–4 lines, tier first (the tier mix drives AOV), then a SKU by popularity. */
import { PRODUCTS, TIERS, type Product } from './catalog';
import { LINE_COUNTS, QUANTITIES, TIER_PICK } from './model';
import { Weighted, type Rng } from './random';

export interface BasketLine {
  product: Product;
  productIndex: number;
  quantity: number;
}

const BY_TIER: ReadonlyArray<Weighted<number>> = TIERS.map(
  (tier) => new Weighted<number>(PRODUCTS.flatMap((p, i) => (p.tier === tier && p.active ? [[i, p.weight] as const] : []))),
);

export function drawBasket(rng: Rng): BasketLine[] {
  const count = LINE_COUNTS.draw(rng);
  const lines: BasketLine[] = [];
  for (let n = 0; n < count; n++) {
    const tier = TIER_PICK.draw(rng);
    const table = BY_TIER[tier];
    if (!table) throw new Error(`no tier ${tier}`);
    const productIndex = table.draw(rng);
    const quantity = QUANTITIES.draw(rng);
    const same = lines.find((l) => l.productIndex === productIndex);
    if (same) {
      same.quantity += quantity;
      continue;
    }
    const product = PRODUCTS[productIndex];
    if (!product) throw new Error(`no product ${productIndex}`);
    lines.push({ product, productIndex, quantity });
  }
  return lines;
}

export function basketSubtotal(lines: readonly BasketLine[]): number {
  let s = 0;
  for (const l of lines) s += l.product.priceCents * l.quantity;
  return s;
}

/** "2× Brick Tee, 1× Premium Hoodie" */
export function itemsSummary(lines: readonly BasketLine[]): string {
  return lines.map((l) => `${l.quantity}× ${l.product.name}`).join(', ');
}
