import ArgumentParser
import FSPIOP

struct ILPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ilp",
        abstract: "Decode ILP packets and compute conditions and fulfilments (ILP v1 and v4).",
        subcommands: [Decode.self, Fulfilment.self, Condition.self, Packet.self]
    )

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an ILP packet's fields as JSON.",
            discussion: "Exits 1 when the text is not an ILP v1 or v4 packet."
        )

        @Argument(help: "The packet as FSPIOP carries it (base64url).")
        var packet: String

        func run() throws {
            let decoded: ILPPacket
            do { decoded = try ILPPacket(base64URL: packet) } catch {
                printError(error.description)
                throw ToolExit.negative
            }
            var members: [(String, JSONValue)] = [
                ("version", .number(String(decoded.version.rawValue))),
                ("amount", .string(String(decoded.amount))),
                ("address", .string(decoded.address)),
            ]
            if let expiresAt = decoded.expiresAt { members.append(("expiresAt", .string(expiresAt))) }
            if let condition = decoded.executionCondition { members.append(("condition", .string(Base64.urlEncoded(condition)))) }
            members.append(("data", .string(String(decoding: decoded.data, as: UTF8.self))))
            members.append(("transaction", decoded.transaction ?? .null))
            printJSON(.object(members))
        }
    }

    struct Fulfilment: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the fulfilment (base64url) of a packet under an ILP secret.",
            discussion: "v1: HMAC-SHA256 over the packet text; v4: over the base64 of its transaction JSON. Exits 1 for a bad packet."
        )

        @Option(name: .long, help: "The ILP secret (ILP_SECRET).")
        var secret: String
        @Option(name: .long, help: "The packet (base64url).")
        var packet: String

        func run() throws {
            do {
                print(Base64.urlEncoded(try ILP.fulfilment(secret: secret, packet: packet)))
            } catch {
                printError(error.description)
                throw ToolExit.negative
            }
        }
    }

    struct Condition: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the condition (base64url SHA-256) of a fulfilment.",
            discussion: "Exits 1 when the fulfilment is not base64url of 32 bytes."
        )

        @Option(name: .long, help: "The fulfilment (base64url, 32 bytes).")
        var fulfilment: String

        func run() throws {
            do {
                print(try ILP.condition(fulfilment: fulfilment))
            } catch {
                printError(error.description)
                throw ToolExit.negative
            }
        }
    }

    struct Packet: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a payee's ILP packet, condition and fulfilment from a quote request and its response.",
            discussion: "Prints {\"ilpPacket\":…,\"condition\":…,\"fulfilment\":…}. Exits 1 when they cannot make a packet, 2 for unreadable files."
        )

        @Option(name: .long, help: "The ILP version: 1 (FSPIOP 1.x) or 4 (FSPIOP 2.0).")
        var version: Int
        @Option(name: .long, help: "The ILP secret (ILP_SECRET).")
        var secret: String
        @Option(name: .customLong("quote-request"), help: "The POST /quotes body (JSON file).")
        var quoteRequest: String
        @Option(name: .customLong("quote-response"), help: "The PUT /quotes/{ID} body (JSON file).")
        var quoteResponse: String
        @Option(name: .long, help: "Member order of the embedded transaction JSON: sorted (current SDK) or insertion.")
        var order: String = ILP.MemberOrder.sorted.rawValue

        func validate() throws {
            guard ILPVersion(rawValue: version) != nil else { throw ValidationError("--version must be 1 or 4") }
            guard ILP.MemberOrder(rawValue: order) != nil else { throw ValidationError("--order must be sorted or insertion") }
        }

        func run() throws {
            let request = try readJSON(quoteRequest, what: "quote request")
            let response = try readJSON(quoteResponse, what: "quote response")
            do {
                let made = try ILP.quotePacket(version: ILPVersion(rawValue: version) ?? .v1, secret: secret,
                                               quoteRequest: request, quoteResponse: response,
                                               order: ILP.MemberOrder(rawValue: order) ?? .sorted)
                printJSON(.object([("ilpPacket", .string(made.ilpPacket)), ("condition", .string(made.condition)),
                                   ("fulfilment", .string(made.fulfilment))]))
            } catch {
                printError(error.description)
                throw ToolExit.negative
            }
        }
    }
}
