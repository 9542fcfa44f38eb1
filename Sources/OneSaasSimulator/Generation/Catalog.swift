/// The simulated UK outdoor-gear shop's catalogue: VAT at 20%, 5% on domestic fuel and child car
/// seats, 0% on books, maps and children's clothing. Names include `/`, quotes and non-ASCII text
/// on purpose, because the endpoint escapes all of them.
enum Catalog {
    struct Product {
        var id: Int
        var sku: String
        var name: String
        var pricePence: Int
        var taxRatePercent: Int
    }

    static let products: [Product] = [
        Product(id: 101, sku: "TNT-2P-GRN", name: "Trailhead 2/3 Person Tent – Green", pricePence: 14999, taxRatePercent: 20),
        Product(id: 102, sku: "SLP-BAG-3S", name: "Three-Season Sleeping Bag", pricePence: 6499, taxRatePercent: 20),
        Product(id: 103, sku: "MUG-ENM-12", name: "Enamel Camping Mug 12oz", pricePence: 850, taxRatePercent: 20),
        Product(id: 104, sku: "SKL-CI-12", name: "12\" Cast Iron Skillet", pricePence: 3400, taxRatePercent: 20),
        Product(id: 105, sku: "HDL-LED-300", name: "Head Torch 300 lm", pricePence: 2400, taxRatePercent: 20),
        Product(id: 106, sku: "JKT-WP-M-M", name: "Waterproof Jacket (Men's) – M", pricePence: 8995, taxRatePercent: 20),
        Product(id: 107, sku: "JKT-WP-W-S", name: "Waterproof Jacket (Women's) – S", pricePence: 8995, taxRatePercent: 20),
        Product(id: 108, sku: "SOC-MRN-3PK", name: "Merino Walking Socks (3 pack)", pricePence: 1999, taxRatePercent: 20),
        Product(id: 109, sku: "BTL-STL-750", name: "Stainless Bottle 750ml", pricePence: 1750, taxRatePercent: 20),
        Product(id: 110, sku: "STV-GAS-01", name: "Compact Gas Stove", pricePence: 3999, taxRatePercent: 20),
        Product(id: 111, sku: "GAS-BP-230", name: "Butane/Propane Gas 230g", pricePence: 549, taxRatePercent: 20),
        Product(id: 112, sku: "MAP-OS-OL7", name: "OS Explorer Map OL7 – The English Lakes", pricePence: 1099, taxRatePercent: 0),
        Product(id: 113, sku: "BK-FELLS-1", name: "A Pictorial Guide to the Lakeland Fells, Book 1", pricePence: 1499, taxRatePercent: 0),
        Product(id: 114, sku: "BK-BUSHCRAFT", name: "Bushcraft: A Family Guide", pricePence: 1299, taxRatePercent: 0),
        Product(id: 115, sku: "KID-JKT-7-8", name: "Kids' Rain Jacket (age 7–8)", pricePence: 2999, taxRatePercent: 0),
        Product(id: 116, sku: "KID-BOOT-12", name: "Kids' Walking Boots UK 12", pricePence: 3499, taxRatePercent: 0),
        Product(id: 117, sku: "CAR-SEAT-G1", name: "Child Car Seat Group 1", pricePence: 11900, taxRatePercent: 5),
        Product(id: 118, sku: "FUEL-LOGS-40L", name: "Kiln-Dried Logs 40L", pricePence: 899, taxRatePercent: 5),
        Product(id: 119, sku: "FUEL-COAL-20", name: "Smokeless Coal 20kg", pricePence: 1575, taxRatePercent: 5),
        Product(id: 120, sku: "RCK-ALP-45L", name: "Alpine Rucksack 45L", pricePence: 10900, taxRatePercent: 20),
        Product(id: 121, sku: "GLV-FLC-L", name: "Fleece Gloves L", pricePence: 1450, taxRatePercent: 20),
        Product(id: 122, sku: "HAT-BEANIE-NV", name: "Beanie Hat – Navy", pricePence: 1200, taxRatePercent: 20),
        Product(id: 123, sku: "CHR-FOLD", name: "Folding Camp Chair", pricePence: 2799, taxRatePercent: 20),
        Product(id: 124, sku: "LNT-SOLAR", name: "Solar Lantern", pricePence: 2249, taxRatePercent: 20),
        Product(id: 125, sku: "KNF-MORA-CMP", name: "Morakniv Companion Knife", pricePence: 1699, taxRatePercent: 20),
        Product(id: 126, sku: "FAK-TRAIL", name: "Trail First Aid Kit", pricePence: 1900, taxRatePercent: 20),
        Product(id: 127, sku: "PLT-SET-4", name: "Camping Plate Set (4)", pricePence: 1599, taxRatePercent: 20),
        Product(id: 128, sku: "FLK-THERM-1L", name: "Thermal Flask 1L", pricePence: 2650, taxRatePercent: 20),
        Product(id: 129, sku: "MAT-SELF-INF", name: "Self-Inflating Mat", pricePence: 4499, taxRatePercent: 20),
        Product(id: 130, sku: "POL-TREK-PR", name: "Trekking Poles (pair)", pricePence: 3900, taxRatePercent: 20),
        Product(id: 131, sku: "HAM-CAFE", name: "Café-Style Hammock", pricePence: 4900, taxRatePercent: 20),
        Product(id: 132, sku: "CMP-C2", name: "Crampons C2", pricePence: 7999, taxRatePercent: 20),
        Product(id: 133, sku: "BOOT-HIKE-9", name: "Hiking Boots UK 9", pricePence: 12999, taxRatePercent: 20),
        Product(id: 134, sku: "BAR-PROT-12", name: "Protein Bars (12 × 60g)", pricePence: 1800, taxRatePercent: 20),
    ]

    /// Gift cards are outside the scope of VAT and ship nowhere: the order has no shipping address.
    static let giftCard = Product(id: 150, sku: "GIFT-CARD-25", name: "Gift Card £25", pricePence: 2500, taxRatePercent: 0)

    /// The product index used for gift cards in `LineItem.productIndex`.
    static var giftCardIndex: Int { products.count }

    static func product(at index: Int) -> Product {
        index < products.count ? products[index] : giftCard
    }

    struct ShippingMethod {
        var name: String
        var pricePence: Int
    }

    static let shippingMethods: [ShippingMethod] = [
        ShippingMethod(name: "Royal Mail - 1st Class", pricePence: 495),
        ShippingMethod(name: "Royal Mail - 2nd Class", pricePence: 395),
        ShippingMethod(name: "DPD - Next Day", pricePence: 795),
        ShippingMethod(name: "Free Shipping - Free", pricePence: 0),
        ShippingMethod(name: "Click & Collect - Kendal Store", pricePence: 0),
    ]

    static let paymentMethods = ["stripe_payments", "stripe_payments", "stripe_payments", "paypal_express", "braintree", "checkmo"]

    static let standardStatuses = ["complete", "processing", "pending", "pending_payment", "holded", "canceled", "closed"]
    static let customStatuses = ["awaiting_stock", "ready_to_collect", "dispatched_partial"]

    struct TaxRule {
        var id: String
        var code: String
        var name: String
    }

    static func taxRule(forRate percent: Int) -> TaxRule {
        switch percent {
        case 5: return TaxRule(id: "2", code: "GB-VAT-5", name: "VAT Reduced 5%")
        case 0: return TaxRule(id: "3", code: "GB-VAT-0", name: "VAT Zero")
        default: return TaxRule(id: "1", code: "GB-VAT-20", name: "VAT Standard 20%")
        }
    }
}
