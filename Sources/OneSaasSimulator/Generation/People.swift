/// Customers and places of the simulated shop. A quarter of the names are non-ASCII on purpose
/// (José, Zoë, Łukasz, Ségolène, 王芳, Ærø...), and one company has an emoji, because the endpoint
/// escapes them as `\uXXXX` and surrogate pairs.
enum People {
    struct Person {
        var salutation: String?
        var firstName: String
        var lastName: String
        var emailName: String
        var phone: String
        var company: String?
        var vatNumber: String?
    }

    static let persons: [Person] = [
        Person(salutation: "Mr", firstName: "James", lastName: "Whitfield", emailName: "james.whitfield", phone: "07700 900123"),
        Person(salutation: "Mrs", firstName: "Sarah", lastName: "O'Connor", emailName: "sarah.oconnor", phone: "07700 900456"),
        Person(salutation: nil, firstName: "José", lastName: "García", emailName: "jose.garcia", phone: "+34 612 345 678"),
        Person(salutation: "Ms", firstName: "Zoë", lastName: "Hughes", emailName: "zoe.hughes", phone: "07700 900789"),
        Person(salutation: nil, firstName: "Łukasz", lastName: "Nowak", emailName: "lukasz.nowak", phone: "+48 512 345 678"),
        Person(salutation: "Mme", firstName: "Ségolène", lastName: "Durand", emailName: "segolene.durand", phone: "+33 6 12 34 56 78"),
        Person(salutation: nil, firstName: "芳", lastName: "王", emailName: "wang.fang", phone: "020 7946 0018"),
        Person(salutation: "Mr", firstName: "Oliver", lastName: "Bennett", emailName: "oliver.bennett", phone: "01539 720 123",
               company: "Lakeland Adventures Ltd", vatNumber: "GB123456789"),
        Person(salutation: "Dr", firstName: "Priya", lastName: "Shah", emailName: "priya.shah", phone: "0161 496 0555"),
        Person(salutation: nil, firstName: "Siobhán", lastName: "Ní Bhriain", emailName: "siobhan.nibhriain", phone: "+353 87 123 4567"),
        Person(salutation: "Mr", firstName: "Thomas", lastName: "Hardy", emailName: "tom.hardy", phone: "01305 267 992"),
        Person(salutation: "Miss", firstName: "Emily", lastName: "Clarke", emailName: "emily.clarke", phone: "07700 900001",
               company: "Bloom & Co 🌸", vatNumber: nil),
        Person(salutation: nil, firstName: "Søren", lastName: "Ærøe", emailName: "soren.aeroe", phone: "+45 62 52 10 00",
               company: "Ærø Friluft ApS", vatNumber: "DK12345678"),
        Person(salutation: "Mr", firstName: "David", lastName: "Jones", emailName: "dave.jones", phone: "029 2018 0123"),
        Person(salutation: "Mrs", firstName: "Margaret", lastName: "Smith", emailName: "maggie.smith", phone: "0131 496 0000",
               company: "Smith/Jones Partnership", vatNumber: "GB987654321"),
        Person(salutation: nil, firstName: "Aoife", lastName: "Kelly", emailName: "aoife.kelly", phone: "028 9018 0456"),
        Person(salutation: "Mr", firstName: "Mohammed", lastName: "Khan", emailName: "m.khan", phone: "0121 496 0789"),
        Person(salutation: nil, firstName: "Chloë", lastName: "Brontë", emailName: "chloe.bronte", phone: "01535 640 192"),
        Person(salutation: "Ms", firstName: "Hannah", lastName: "Evans", emailName: "hannah.evans", phone: ""),
        Person(salutation: "Mr", firstName: "George", lastName: "Taylor", emailName: "george.taylor", phone: "01632 960 123"),
        Person(salutation: nil, firstName: "Amélie", lastName: "Laurent", emailName: "amelie.laurent", phone: "+33 1 23 45 67 89"),
        Person(salutation: "Mrs", firstName: "Fiona", lastName: "MacLeod", emailName: "fiona.macleod", phone: "01463 123 456"),
        Person(salutation: nil, firstName: "Björn", lastName: "Lindqvist", emailName: "bjorn.lindqvist", phone: "+46 8 123 456 78"),
        Person(salutation: "Mr", firstName: "Daniel", lastName: "Wright", emailName: "dan.wright", phone: "07700 900321"),
    ]

    struct Place {
        var line1: String
        var line2: String
        var city: String
        var postCode: String
        var region: String?
        var countryCode: String
    }

    static let places: [Place] = [
        Place(line1: "14 Stricklandgate", line2: "", city: "Kendal", postCode: "LA9 4ND", region: "Cumbria", countryCode: "GB"),
        Place(line1: "Flat 3", line2: "221 Baker Street", city: "London", postCode: "NW1 6XE", region: nil, countryCode: "GB"),
        Place(line1: "8 Deansgate", line2: "", city: "Manchester", postCode: "M3 2BW", region: "Greater Manchester", countryCode: "GB"),
        Place(line1: "27 Rose Street", line2: "", city: "Edinburgh", postCode: "EH2 2PR", region: nil, countryCode: "GB"),
        Place(line1: "5 Heol y Frenhines", line2: "", city: "Cardiff", postCode: "CF10 2BH", region: "Caerdydd", countryCode: "GB"),
        Place(line1: "Unit 4, Riverside Works", line2: "Mill Lane", city: "Bristol", postCode: "BS1 6DZ", region: nil, countryCode: "GB"),
        Place(line1: "12 Botanic Avenue", line2: "", city: "Belfast", postCode: "BT7 1JG", region: "County Antrim", countryCode: "GB"),
        Place(line1: "The Old Rectory", line2: "Church Lane", city: "Ambleside", postCode: "LA22 9AA", region: "Cumbria", countryCode: "GB"),
        Place(line1: "42 Briggate", line2: "", city: "Leeds", postCode: "LS1 6HD", region: "West Yorkshire", countryCode: "GB"),
        Place(line1: "Vestergade 38", line2: "", city: "Ærøskøbing", postCode: "5970", region: nil, countryCode: "DK"),
        Place(line1: "ul. Floriańska 15", line2: "m. 4", city: "Kraków", postCode: "31-019", region: "małopolskie", countryCode: "PL"),
        Place(line1: "Calle Larios 7", line2: "2º B", city: "Málaga", postCode: "29005", region: "Málaga", countryCode: "ES"),
        Place(line1: "3 rue de la République", line2: "", city: "Besançon", postCode: "25000", region: nil, countryCode: "FR"),
        Place(line1: "17 Nanjing Road, Apt 1203", line2: "", city: "上海", postCode: "200001", region: "上海市", countryCode: "CN"),
        Place(line1: "9 High Street", line2: "", city: "Keswick", postCode: "CA12 5AQ", region: "Cumbria", countryCode: "GB"),
        Place(line1: "61 Castle Street", line2: "", city: "Inverness", postCode: "IV2 3DU", region: "Highland", countryCode: "GB"),
    ]

    /// Customer notes. Some have newlines, quotes and an emoji, as typed into a checkout box.
    static let notes: [String] = [
        "Please leave with neighbour at no. 12 if out.",
        "Gift – please don't include the invoice.",
        "Leave in the \"safe place\" behind the bins\nThanks!",
        "Deliver after 5pm please\r\nGate code: 4521",
        "Happy birthday Dad! 🎉 Love from all of us",
        "Back door/side gate",
    ]

    static let giftMessages: [String] = [
        "Happy birthday! Enjoy the fells.",
        "Merry Christmas – love, Gran x",
        "Congratulations on finishing the Wainwrights!",
    ]
}
