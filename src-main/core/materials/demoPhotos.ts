/**
 * Which of the shipped demo photos (resources/demo/photos, drawn by
 * scripts/make-demo-photos.ts) show which product. A demo product gets only photos
 * that show what it is — a nappy pack for 纸尿裤, never a baby bottle — and a product
 * no photo shows gets none: the checker then says so, as it would for a studio's own.
 */
type Kind = RegExp

const SERUM = /精华|原液|次抛/
const CREAM = /面霜|特护霜|淡纹霜/
const NAPPY = /纸尿裤|拉拉裤/
const FORMULA = /奶粉/
const BOTTLE = /奶瓶/
const NUTS = /坚果|夏威夷果/
const HAMPER = /礼包/
const CANDLE = /香薰|蜡烛/
const SNEAKER = /跑鞋|帆布鞋|运动鞋/
const KNIT = /针织|毛衣|开衫/
const BAG = /手提包|托特包|双肩包|斜挎包/
const SHAMPOO = /洗发/
const DETERGENT = /洗衣液|洗衣凝珠/
const TOOTHPASTE = /牙膏/
const VITAMIN = /维生素/
const PROTEIN = /蛋白粉/

/** Each shipped photo and what it shows; a photo of the product alone comes before one of it with a companion. */
const PRODUCT_SHOTS: Record<string, Kind[]> = {
  'MZ-1': [SERUM],
  'MZ-3': [CREAM],
  'MZ-2': [SERUM, CREAM],
  'MY-1': [NAPPY],
  'MY-3': [BOTTLE],
  'MY-2': [NAPPY, FORMULA],
  'SP-1': [NUTS],
  'SP-3': [HAMPER],
  'SP-2': [NUTS, HAMPER],
  'JJ-2': [CANDLE],
  'FS-1': [BAG],
  'FS-3': [KNIT],
  'FS-2': [BAG, SNEAKER],
  'GH-1': [SHAMPOO],
  'GH-3': [TOOTHPASTE],
  'GH-2': [SHAMPOO, DETERGENT],
  'YY-1': [VITAMIN],
  'YY-3': [PROTEIN],
  'YY-2': [VITAMIN, PROTEIN],
}

/** Customers' snapshots: one product each. */
const BUYER_SHOTS: Record<string, Kind[]> = {
  'MZ-1': [SERUM],
  'MZ-3': [SERUM],
  'MZ-2': [CREAM],
  'MY-1': [NAPPY],
  'MY-2': [FORMULA],
  'MY-3': [BOTTLE],
  'SP-1': [NUTS],
  'SP-3': [NUTS],
  'SP-2': [HAMPER],
  'JJ-2': [CANDLE],
  'FS-1': [BAG],
  'FS-2': [SNEAKER],
  'FS-3': [KNIT],
  'GH-1': [SHAMPOO],
  'GH-2': [DETERGENT],
  'GH-3': [TOOTHPASTE],
  'YY-1': [VITAMIN],
  'YY-3': [VITAMIN],
  'YY-2': [PROTEIN],
}

const shotsOf = (table: Record<string, Kind[]>, folder: string, name: string): string[] =>
  Object.entries(table)
    .filter(([, kinds]) => kinds.some((k) => k.test(name)))
    .map(([shot]) => `demo:${folder}/${shot}.jpg`)

/** The shipped product photos that show this product (`demo:` references the materials resolve). */
export const demoProductPhotos = (name: string): string[] => shotsOf(PRODUCT_SHOTS, 'products', name)

/** The shipped buyer-show snapshots of this product, as files under resources/demo/photos. */
export const demoBuyerPhotos = (name: string): string[] => shotsOf(BUYER_SHOTS, 'buyers', name).map((ref) => ref.slice('demo:'.length))
