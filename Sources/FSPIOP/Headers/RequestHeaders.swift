/// The FSPIOP headers of a received request, checked as the hub checks them (API Definition v1.1
/// §3.2.1; central-services-shared `headerValidation`; `shared/fspiop/HEADERS.md`).
public struct RequestHeaders: Sendable, Hashable {
    public let resource: String
    /// The version of the Content-Type (the request body's version); nil for a GET or DELETE without one.
    public let contentVersion: APIVersion?
    /// The version to answer with: the highest supported version the Accept header allows, or the
    /// content version when there is no Accept (callbacks).
    public let responseVersion: APIVersion
    public let iso20022: Bool
    public let source: String
    public let destination: String?
    public let date: Timestamp

    /// When a request must carry `Content-Type`.
    public enum ContentTypeRule: Sendable, Hashable {
        /// Only with a body: what the SDK's inbound server asks of the hub.
        case withBody
        /// On every method, GET and DELETE included: the hub's rule (central-services-shared
        /// `headerValidation`, applied to the API's resources; `shared/fspiop/HEADERS.md`, "Content-Type").
        case everyMethod
    }

    /// Checks the headers of a request for `resource` with HTTP `method`.
    ///
    /// - Content-Type: required when the request has a body, or always under ``ContentTypeRule/everyMethod``
    ///   (3102 "Content-Type is required"); must match
    ///   the resource and carry `major.minor` (3101 "Invalid content-type header"); a version not in
    ///   `supported` gives 3001 with the supported versions in `extensionList`.
    /// - Accept: required for GET, POST and DELETE (3102); checked when present on PUT and PATCH (3101);
    ///   no acceptable version gives 3001.
    /// - Date: required (3102), IMF-fixdate (3101 "Invalid date header").
    /// - FSPIOP-Source: required and non-empty (3102).
    public static func validate(method: String, resource: String, headers: HeaderFields, hasBody: Bool,
                                supported: [APIVersion] = APIVersion.supported,
                                contentType rule: ContentTypeRule = .withBody) throws(FSPIOPError) -> RequestHeaders {
        let upperMethod = method.uppercased()
        var contentVersion: APIVersion?
        var iso = false
        if let value = headers[FSPIOPHeader.contentType] {
            guard let media = MediaType.parse(Substring(value), resource: resource, requireMinor: true),
                  let major = media.major, let minor = media.minor else {
                throw FSPIOPError(.malformedSyntax, "Invalid content-type header")
            }
            let version = APIVersion(major: major, minor: minor)
            guard supported.contains(version) else { throw unacceptableVersion(supported, "Content-Type version \(version) is not supported") }
            contentVersion = version
            iso = media.iso20022
        } else if hasBody || rule == .everyMethod {
            throw FSPIOPError(.missingElement, "Content-Type is required")
        }

        var responseVersion = contentVersion ?? supported.max() ?? .v1_1
        if let value = headers[FSPIOPHeader.accept] {
            let entries = value.split(separator: ",", omittingEmptySubsequences: false)
            var candidates: [MediaType] = []
            for entry in entries {
                guard let media = MediaType.parse(entry, resource: resource, requireMinor: false) else {
                    throw FSPIOPError(.malformedSyntax, "Invalid accept header")
                }
                candidates.append(media)
            }
            let acceptable = supported.filter { version in
                candidates.contains { media in
                    guard let major = media.major else { return true }
                    return major == version.major && (media.minor == nil || media.minor == version.minor)
                }
            }
            guard let best = acceptable.max() else { throw unacceptableVersion(supported, "no version in the Accept header is supported") }
            responseVersion = best
            if candidates.contains(where: \.iso20022) { iso = true }
        } else if ["GET", "POST", "DELETE"].contains(upperMethod) {
            throw FSPIOPError(.missingElement, "Accept is required")
        }

        guard let dateText = headers[FSPIOPHeader.date] else { throw FSPIOPError(.missingElement, "Missing required date header") }
        guard let date = Timestamp(httpDate: dateText) else { throw FSPIOPError(.malformedSyntax, "Invalid date header") }

        guard let source = headers[FSPIOPHeader.source], !source.isEmpty else {
            throw FSPIOPError(.missingElement, "FSPIOP-Source is required")
        }
        let destination = headers[FSPIOPHeader.destination].flatMap { $0.isEmpty ? nil : $0 }
        return RequestHeaders(resource: resource, contentVersion: contentVersion, responseVersion: responseVersion,
                              iso20022: iso, source: source, destination: destination, date: date)
    }

    /// 3001 Unacceptable version requested, listing the supported versions as `{key: major, value: minor}`
    /// (API Definition v1.1 §3.3.4.3, Listing 5).
    public static func unacceptableVersion(_ supported: [APIVersion], _ detail: String) -> FSPIOPError {
        FSPIOPError(.unacceptableVersion, detail,
                    extensions: supported.map { Extension(key: String($0.major), value: String($0.minor)) })
    }
}

/// The `FSPIOP-URI` of a request URL, as the SDK derives it: the right-most `/{resource}...` suffix,
/// query included (sdk-standard-components `jwsSigner.js`; API Definition v1.1 §3.2.1).
public enum FSPIOPURI {
    private static let resources = ["participants", "parties", "quotes", "bulkQuotes", "transfers", "bulkTransfers",
                                    "transactionRequests", "thirdpartyRequests", "authorizations", "consents",
                                    "consentRequests", "fxQuotes", "fxTransfers", ""]

    /// The suffix of `url` from the resource segment on, or nil when no segment matches.
    public static func from(url: String) -> String? {
        var index = url.endIndex
        while index > url.startIndex {
            index = url.index(before: index)
            guard url[index] == "/" else { continue }
            let rest = url[url.index(after: index)...]
            for resource in resources where rest.hasPrefix(resource) {
                let after = rest.dropFirst(resource.count)
                if after.isEmpty || after.first == "/" { return String(url[index...]) }
            }
        }
        return nil
    }
}
