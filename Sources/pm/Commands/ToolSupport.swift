import ArgumentParser
import FSPIOP

import Foundation

/// Exit codes shared by the debugging tools: 0 success, 1 a negative answer (invalid signature, bad
/// packet), 2 input that could not be read.
enum ToolExit {
    static let negative = ExitCode(1)
    static let unreadable = ExitCode(2)
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Reads a whole file as bytes, or exits with code 2 naming the file.
func readInput(_ path: String, what: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        printError("cannot read \(what) '\(path)'")
        throw ToolExit.unreadable
    }
    return Array(data)
}

/// Reads a text file (UTF-8), or exits with code 2.
func readText(_ path: String, what: String) throws -> String {
    let bytes = try readInput(path, what: what)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        printError("\(what) '\(path)' is not UTF-8 text")
        throw ToolExit.unreadable
    }
    return text
}

/// Reads a JSON file, or exits with code 2.
func readJSON(_ path: String, what: String) throws -> JSONValue {
    let bytes = try readInput(path, what: what)
    do {
        return try JSONParser.parse(bytes)
    } catch {
        printError("\(what) '\(path)' is not JSON: \(error)")
        throw ToolExit.unreadable
    }
}

/// Reads a JSON object of header names to string values, or exits with code 2.
func readHeaders(_ path: String) throws -> HeaderFields {
    guard case let .object(members) = try readJSON(path, what: "headers file") else {
        printError("headers file '\(path)' must hold one JSON object of header names to values")
        throw ToolExit.unreadable
    }
    var headers = HeaderFields()
    for (name, value) in members {
        guard case let .string(text) = value else {
            printError("header '\(name)' in '\(path)' must be a string")
            throw ToolExit.unreadable
        }
        headers[name] = text
    }
    return headers
}

/// Writes a JSON value compactly, members in their order, followed by a newline.
func printJSON(_ value: JSONValue) {
    print(String(decoding: CanonicalJSON.insertionOrderBytes(value), as: UTF8.self))
}
