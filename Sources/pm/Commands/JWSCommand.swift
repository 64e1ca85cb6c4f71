import ArgumentParser
import FSPIOP

struct JWSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jws",
        abstract: "Sign and verify FSPIOP-Signature headers (JWS, RS256 or ES256).",
        subcommands: [Verify.self, Sign.self]
    )

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the FSPIOP-Signature of a message.",
            discussion: """
                Prints 'valid' and exits 0 when the signature is valid; prints the reason on stderr and exits 1 \
                when it is not; exits 2 when an input cannot be read. The signature is checked over the exact \
                bytes of the body file, with every header check of the Mojaloop SDK's validator.
                """
        )

        @Option(name: .long, help: "The sender's public key: a PEM public key or X.509 certificate.")
        var key: String
        @Option(name: .long, help: "A JSON object of HTTP header names (any case) to values, including fspiop-signature.")
        var headers: String
        @Option(name: .long, help: "The body, exactly as received.")
        var body: String
        @Flag(name: .long, help: "Also accept a signature over the body as Node validators re-serialise it.")
        var acceptReserialisedBody = false

        func run() throws {
            let keyText = try readText(key, what: "key")
            let headerFields = try readHeaders(headers)
            let bodyBytes = try readInput(body, what: "body")
            let verificationKey: VerificationKey
            do { verificationKey = try VerificationKey(pem: keyText) } catch {
                printError("cannot read key '\(key)': \(error)")
                throw ToolExit.unreadable
            }
            // The key is the sender's: it is registered under the FSPIOP-Source the message names.
            let source = headerFields[FSPIOPHeader.source] ?? ""
            let validator = JWSValidator(keys: [source: verificationKey], acceptReserialisedBody: acceptReserialisedBody)
            do {
                try validator.validate(body: bodyBytes, headers: headerFields)
            } catch {
                printError("invalid: \(error.description)")
                throw ToolExit.negative
            }
            print("valid")
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the FSPIOP-Signature value for a body and its headers.",
            discussion: """
                Signs exactly the bytes of the body file. The headers must include FSPIOP-URI, \
                FSPIOP-HTTP-Method and FSPIOP-Source; FSPIOP-Destination and Date are protected when present. \
                Exits 1 when the message cannot be signed, 2 when an input cannot be read.
                """
        )

        @Option(name: .long, help: "The signer's private key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC).")
        var key: String
        @Option(name: .long, help: "A JSON object of HTTP header names (any case) to values.")
        var headers: String
        @Option(name: .long, help: "The body, exactly as it will be sent.")
        var body: String

        func run() throws {
            let keyText = try readText(key, what: "key")
            let headerFields = try readHeaders(headers)
            let bodyBytes = try readInput(body, what: "body")
            let signingKey: SigningKey
            do { signingKey = try SigningKey(pem: keyText) } catch {
                printError("cannot read private key '\(key)': \(error)")
                throw ToolExit.unreadable
            }
            do {
                print(try JWSSigner(key: signingKey).sign(body: bodyBytes, headers: headerFields).headerValue)
            } catch {
                printError(error.description)
                throw ToolExit.negative
            }
        }
    }
}
