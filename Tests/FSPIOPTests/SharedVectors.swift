import Foundation
import Testing
@testable import FSPIOP

/// The shared test data beside the checkout (`../shared`), which CI provides.
enum Shared {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared")

    static func json(_ path: String) throws -> Any {
        let data = try Data(contentsOf: root.appendingPathComponent(path))
        return try JSONSerialization.jsonObject(with: data)
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The JWS vectors of `vectors/jws/vectors.json`.
    static func jwsVectors() throws -> [[String: Any]] {
        let document = try #require(try json("vectors/jws/vectors.json") as? [String: Any])
        return try #require(document["vectors"] as? [[String: Any]])
    }

    /// The ILP vectors of `vectors/ilp/vectors.json`.
    static func ilpVectors() throws -> [[String: Any]] {
        let document = try #require(try json("vectors/ilp/vectors.json") as? [String: Any])
        return try #require(document["vectors"] as? [[String: Any]])
    }
}
