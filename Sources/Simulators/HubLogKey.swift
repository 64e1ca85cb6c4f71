/// The metadata keys of the hub simulator's log lines: one place for their dotted names.
enum HubLogKey {
    static let destination = "hub.destination"
    static let source = "hub.source"
    static let url = "hub.url"
    static let method = "hub.method"
    static let purpose = "hub.purpose"
    static let transferId = "hub.transfer_id"
    static let httpStatus = "http.status"
    static let responseBody = "http.response_body"
    static let errorCode = "fspiop.error_code"
    static let error = "error"
    static let address = "hub.address"
}
