/**
 * What order lines need from the catalog: the variation's SKU, tier and unit cost, by the
 * catalog object id that Square puts on each line item.
 */
import type { Square } from 'square';
import { cents, decimalToCents, optStr, str } from './shape';

export const TIERS = ['Brick', 'Value', 'Premium', 'Top Shelf'] as const;
export type Tier = (typeof TIERS)[number];

export interface CatalogOptions {
  /** Name of the item custom attribute that holds the tier (else the category name is used). */
  tierAttribute: string;
  /** Name of the variation custom attribute holding the unit cost in major units ("12.34"). */
  unitCostAttribute: string;
  /** SKU → unit cost in cents; wins over the attribute (for catalogs without costs in Square). */
  unitCosts: Record<string, number>;
}

export interface VariationInfo {
  sku: string;
  name: string;
  tier: Tier | null;
  priceCents: number;
  unitCostCents: number | null;
  active: boolean;
}

function attribute(obj: Square.CatalogObject, name: string): Square.CatalogCustomAttributeValue | null {
  const values = obj.customAttributeValues ?? {};
  for (const v of Object.values(values)) if (v?.name === name || v?.key === name) return v;
  return null;
}

const asTier = (v: string | null | undefined): Tier | null => (TIERS as readonly string[]).includes(v ?? '') ? (v as Tier) : null;

export class CatalogIndex {
  private readonly items = new Map<string, Square.CatalogObject>();
  private readonly categories = new Map<string, string>();
  private readonly variations = new Map<string, Square.CatalogObject>();
  loaded = false;

  constructor(private readonly opts: CatalogOptions) {}

  add(obj: Square.CatalogObject): void {
    const id = str(obj.id, 'catalog_object.id');
    if (obj.type === 'ITEM') this.items.set(id, obj);
    else if (obj.type === 'CATEGORY') this.categories.set(id, obj.categoryData?.name ?? '');
    else if (obj.type === 'ITEM_VARIATION') this.variations.set(id, obj);
  }

  variation(id: string): VariationInfo | null {
    const v = this.variations.get(id);
    if (!v || v.type !== 'ITEM_VARIATION') return null;
    const data = v.itemVariationData;
    const itemId = optStr(data?.itemId, `catalog_object ${id}.item_variation_data.item_id`);
    const item = itemId ? this.items.get(itemId) : undefined;
    const itemData = item?.type === 'ITEM' ? item.itemData : undefined;
    const sku = optStr(data?.sku, `catalog_object ${id}.item_variation_data.sku`) ?? id;
    const varName = optStr(data?.name, `catalog_object ${id}.item_variation_data.name`);
    const itemName = itemData?.name ?? varName ?? sku;
    let tier = item ? asTier(attribute(item, this.opts.tierAttribute)?.stringValue) : null;
    if (!tier && itemData) {
      const catIds = [...(itemData.categories ?? []).map((c) => c.id), itemData.reportingCategory?.id].filter((x): x is string => typeof x === 'string');
      for (const c of catIds) tier ??= asTier(this.categories.get(c));
    }
    let unitCost: number | null = this.opts.unitCosts[sku] ?? null;
    if (unitCost === null) {
      const a = attribute(v, this.opts.unitCostAttribute);
      if (a?.numberValue != null) unitCost = decimalToCents(a.numberValue, `catalog_object ${id}.custom_attribute_values.${this.opts.unitCostAttribute}`);
    }
    return {
      sku,
      name: varName && varName !== 'Regular' && itemName !== varName ? `${itemName} (${varName})` : itemName,
      tier,
      priceCents: cents(data?.priceMoney, `catalog_object ${id}.item_variation_data.price_money`),
      unitCostCents: unitCost,
      active: !(v.isDeleted ?? false) && !(item?.isDeleted ?? false),
    };
  }

  variationObjects(): Square.CatalogObject[] {
    return [...this.variations.values()];
  }
}
