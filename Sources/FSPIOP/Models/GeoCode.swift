/// `GeoCode` (API Definition v1.1 §7.4.9): where a transaction was initiated.
public struct GeoCode: Codable, Sendable, Hashable {
    /// `Latitude` (§7.2.11), e.g. "+45.4215".
    public var latitude: String
    /// `Longitude` (§7.2.12), e.g. "+75.6972".
    public var longitude: String

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(latitude: String, longitude: String) {
        self.latitude = latitude
        self.longitude = longitude
    }
}

extension GeoCode: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("latitude", latitude, .latitude)
        validator.string("longitude", longitude, .longitude)
    }
}
