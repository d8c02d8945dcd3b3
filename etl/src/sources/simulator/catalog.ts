/**
 * The simulated store's fixed world: products, locations, the standing campaigns, and the
 * vocabularies used to make customers look like people. Fixed (not seed-dependent) so that the
 * catalog stays the same when only the seed changes.
 */

export type Tier = 'Brick' | 'Value' | 'Premium' | 'Top Shelf';
export const TIERS: readonly Tier[] = ['Brick', 'Value', 'Premium', 'Top Shelf'];

export interface Product {
  sku: string;
  name: string;
  tier: Tier;
  tierIndex: number;
  priceCents: number;
  unitCostCents: number;
  active: boolean;
  /** Relative popularity inside its tier. */
  weight: number;
}

const TIER_ITEMS: Record<Tier, { code: string; lo: number; hi: number; items: string[] }> = {
  Brick: {
    code: 'BRK', lo: 12, hi: 25,
    items: ['Tee', 'Socks 3-Pack', 'Cap', 'Tote', 'Mug', 'Sticker Set', 'Keychain', 'Bandana', 'Water Bottle', 'Beanie', 'Patch Set', 'Lanyard'],
  },
  Value: {
    code: 'VAL', lo: 28, hi: 45,
    items: ['Hoodie Lite', 'Joggers', 'Polo', 'Flannel Shirt', 'Crewneck', 'Shorts', 'Backpack', 'Long Sleeve Tee', 'Chino Cap', 'Belt', 'Scarf', 'Sweatpants'],
  },
  Premium: {
    code: 'PRM', lo: 55, hi: 95,
    items: ['Hoodie', 'Denim Jacket', 'Overshirt', 'Knit Sweater', 'Cargo Pants', 'Rain Shell', 'Duffel Bag', 'Fleece', 'Sneakers', 'Quarter Zip'],
  },
  'Top Shelf': {
    code: 'TOP', lo: 120, hi: 260,
    items: ['Leather Jacket', 'Wool Coat', 'Down Parka', 'Boots', 'Cashmere Sweater', 'Weekender Bag'],
  },
};

/** Last item of the first three tiers is discontinued: catalogs always carry a few. */
function buildProducts(): Product[] {
  const out: Product[] = [];
  TIERS.forEach((tier, tierIndex) => {
    const t = TIER_ITEMS[tier];
    const n = t.items.length;
    t.items.forEach((item, i) => {
      // Spread prices over the tier band with a .99 ending; cost 35–60 % of price.
      const dollars = Math.round(t.lo + ((t.hi - t.lo) * ((i * 7) % n)) / Math.max(1, n - 1));
      const priceCents = dollars * 100 - 1;
      const costPct = 35 + ((i * 11 + tierIndex * 5) % 26);
      out.push({
        sku: `${t.code}-${String(i + 1).padStart(3, '0')}`,
        name: `${tier} ${item}`,
        tier,
        tierIndex,
        priceCents,
        unitCostCents: Math.round((priceCents * costPct) / 100),
        active: !(tierIndex < 3 && i === n - 1),
        weight: 1 / (1 + 0.18 * i),
      });
    });
  });
  return out;
}

export const PRODUCTS: readonly Product[] = buildProducts();

export function backOfficeUrl(sku: string): string {
  return `https://store.example/admin/products/${sku}`;
}

export interface Location {
  id: string;
  name: string;
  country: string;
  /** Share of orders fulfilled from here. */
  share: number;
}

export const LOCATIONS: readonly Location[] = [
  { id: 'SIM-WH-EAST', name: 'East Warehouse (Newark)', country: 'US', share: 0.7 },
  { id: 'SIM-WH-WEST', name: 'West Warehouse (Reno)', country: 'US', share: 0.3 },
];

export interface StaticCampaign {
  id: string;
  name: string;
  channel: 'paid' | 'email';
  platform: string;
  kind: 'marketing' | 'cart_recovery';
  recoveryStep: number | null;
  variant: string | null;
  costCents: number;
  /** Share of the daily ad budget (paid) — the spend side of ROAS. */
  budgetShare: number;
  /** Share of paid orders attributed (paid) — the value side; differs from budgetShare so ROAS differs per campaign. */
  orderShare: number;
}

export const META_CAMPAIGNS: readonly StaticCampaign[] = [
  { id: 'SIM-META-PROSPECTING', name: 'Meta · Prospecting', channel: 'paid', platform: 'meta', kind: 'marketing', recoveryStep: null, variant: null, costCents: 0, budgetShare: 0.5, orderShare: 0.45 },
  { id: 'SIM-META-RETARGETING', name: 'Meta · Retargeting', channel: 'paid', platform: 'meta', kind: 'marketing', recoveryStep: null, variant: null, costCents: 0, budgetShare: 0.3, orderShare: 0.38 },
  { id: 'SIM-META-BRAND', name: 'Meta · Brand Awareness', channel: 'paid', platform: 'meta', kind: 'marketing', recoveryStep: null, variant: null, costCents: 0, budgetShare: 0.2, orderShare: 0.17 },
];

export const RECOVERY_VARIANTS = ['A', 'B'] as const;
export type Variant = (typeof RECOVERY_VARIANTS)[number];

export function recoveryCampaignId(step: number, variant: Variant): string {
  return `SIM-RECOVERY-${step}${variant}`;
}

export const RECOVERY_CAMPAIGNS: readonly StaticCampaign[] = [1, 2, 3].flatMap((step) =>
  RECOVERY_VARIANTS.map((variant): StaticCampaign => ({
    id: recoveryCampaignId(step, variant),
    name: `Cart recovery · step ${step} · variant ${variant}`,
    channel: 'email',
    platform: 'sendgrid',
    kind: 'cart_recovery',
    recoveryStep: step,
    variant,
    // A flat monthly flow cost, so recovery ROI has a denominator.
    costCents: 2_500,
    budgetShare: 0,
    orderShare: 0,
  })),
);

export const FIRST_NAMES = ['Ava', 'Liam', 'Mia', 'Noah', 'Zoe', 'Ethan', 'Ivy', 'Lucas', 'Nora', 'Owen', 'Ruby', 'Caleb', 'Lena', 'Mateo', 'Hana', 'Jonah', 'Priya', 'Diego', 'Sofia', 'Kai'];
export const LAST_NAMES = ['Nguyen', 'Smith', 'Garcia', 'Patel', 'Johnson', 'Kim', 'Brown', 'Lopez', 'Miller', 'Davis', 'Chen', 'Wilson', 'Martin', 'Clark', 'Lewis', 'Young', 'Walker', 'Hall', 'Rivera', 'Scott'];

export interface Place {
  city: string;
  region: string;
  country: string;
}

export const PLACES: ReadonlyArray<readonly [Place, number]> = [
  [{ city: 'New York', region: 'NY', country: 'US' }, 14],
  [{ city: 'Los Angeles', region: 'CA', country: 'US' }, 11],
  [{ city: 'Chicago', region: 'IL', country: 'US' }, 8],
  [{ city: 'Houston', region: 'TX', country: 'US' }, 7],
  [{ city: 'Seattle', region: 'WA', country: 'US' }, 6],
  [{ city: 'Miami', region: 'FL', country: 'US' }, 6],
  [{ city: 'Denver', region: 'CO', country: 'US' }, 5],
  [{ city: 'Boston', region: 'MA', country: 'US' }, 5],
  [{ city: 'Atlanta', region: 'GA', country: 'US' }, 5],
  [{ city: 'Austin', region: 'TX', country: 'US' }, 4],
  [{ city: 'Portland', region: 'OR', country: 'US' }, 4],
  [{ city: 'Toronto', region: 'ON', country: 'CA' }, 6],
  [{ city: 'Vancouver', region: 'BC', country: 'CA' }, 4],
  [{ city: 'London', region: 'England', country: 'GB' }, 4],
  [{ city: 'Sydney', region: 'NSW', country: 'AU' }, 2],
  [{ city: 'Berlin', region: 'Berlin', country: 'DE' }, 2],
];

export const CARRIERS = ['UPS', 'USPS', 'FedEx', 'DHL'] as const;
