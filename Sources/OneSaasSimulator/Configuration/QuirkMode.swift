/// How faithfully the simulated store reproduces the endpoint's oddities.
public enum QuirkMode: String, CaseIterable, Sendable {
    /// Every documented quirk at a realistic rate: dropped orders, edited orders, lost products, amounts
    /// as numbers or null, PHP float noise, unknown fields, custom statuses.
    case realistic
    /// Plain well-formed orders: addresses everywhere, amounts as strings, no float noise.
    case none
}
