/// The customer and addresses of an order, regenerated from its seeds so the store need not keep them.
/// A registered customer always gets the same person; a guest gets one from the order's own seed.
struct ContactRenderer {
    let order: Order
    let person: People.Person
    let email: String
    let billing: People.Place
    let shipping: People.Place

    init(order: Order) {
        self.order = order
        var details = SeededRandom(seed: order.customerId == 0 ? order.detailSeed : UInt64(order.customerId) &* 0x2545_F491_4F6C_DD1D)
        person = details.element(of: People.persons)
        billing = details.element(of: People.places)
        let domain = details.element(of: ["example.com", "example.co.uk", "mail.example.org"])
        let suffix = order.customerId == 0 ? "" : String(order.customerId % 100)
        email = person.emailName + suffix + "@" + domain
        var delivery = SeededRandom(seed: order.detailSeed ^ 0x5DEE_CE66)
        shipping = delivery.chance(0.15) ? delivery.element(of: People.places) : billing
    }

    func contact() -> JSONValue {
        .object([
            .init("Id", .string(String(order.customerId))),
            .init("Salutation", .optionalString(person.salutation)),
            .init("FirstName", .string(person.firstName)),
            .init("LastName", .string(person.lastName)),
            .init("WorkPhone", .string(person.phone)),
            .init("Email", .string(email)),
            .init("OrganizationName", .string(person.company ?? "")),
            .init("OrganizationBusinessNumber", .optionalString(person.vatNumber)),
            .init("Addresses", addresses()),
        ])
    }

    func addresses() -> JSONValue {
        .object([
            .init("BillingAddress", address(billing)),
            .init("ShippingAddress", order.addressing == .billingOnly ? .null : address(shipping)),
        ])
    }

    private func address(_ place: People.Place) -> JSONValue {
        var members: [JSONValue.Member] = [
            .init("Salutation", .optionalString(person.salutation)),
            .init("FirstName", .string(person.firstName)),
            .init("LastName", .string(person.lastName)),
            .init("OrganizationName", .optionalString(person.company)),
            .init("WorkPhone", .string(person.phone)),
            .init("Line1", .string(place.line1)),
            .init("Line2", .string(place.line2)),
            .init("City", .string(place.city)),
            .init("PostCode", .string(place.postCode)),
            .init("State", .optionalString(place.region)),
            .init("CountryCode", .string(place.countryCode)),
        ]
        if order.quirks.contains(.addressExtraFields) {
            members.append(.init("x_custom", .string("what3words: ///filled.count.soap")))
            members.append(.init("VatId", .null))
        }
        return .object(members)
    }
}
