import ArgumentParser
import FSPIOP
import PaymentManager

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks, each against a baseline measured in the same run (use a release build).",
        subcommands: [Crypto.self]
    )

    struct Crypto: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Whole FSPIOP signatures made and verified per second, against OpenSSL's bare operation.",
            discussion: """
                Measures on one core: a whole FSPIOP-Signature (canonical JSON, base64url, protected header, \
                SHA-256, RSA-2048 or P-256 signature, encoding) and a whole validation, against libcrypto's \
                EVP_PKEY_sign / EVP_PKEY_verify on a precomputed digest (what `openssl speed` measures).
                """
        )

        @Option(name: .long, help: "Seconds to run each measurement.")
        var seconds: Double = 2
        @Flag(name: .long, help: "Print one JSON object instead of a table.")
        var json = false

        func run() throws {
            let results = try CryptoBenchmark.run(seconds: seconds)
            if json {
                let rows: [JSONValue] = results.map { result in
                    .object([("operation", .string(result.operation)),
                             ("fspiopPerSecond", .number(String(Int(result.ours.rounded())))),
                             ("openSSLPerSecond", .number(String(Int(result.openSSL.rounded())))),
                             ("ratio", .number(String(format3(result.ratio))))])
                }
                printJSON(.object([("benchmark", .string("crypto")), ("secondsEach", .number(String(seconds))),
                                   ("results", .array(rows))]))
            } else {
                print("operation      FSPIOP/s   OpenSSL/s   ratio")
                for result in results {
                    print("\(result.operation.padding(12))  \(String(Int(result.ours)).leftPad(9))  \(String(Int(result.openSSL)).leftPad(10))   \(format3(result.ratio))")
                }
            }
        }
    }
}

private func format3(_ value: Double) -> String {
    let scaled = Int((value * 1000).rounded())
    let whole = scaled / 1000
    let fraction = String(scaled % 1000)
    return "\(whole)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}

extension String {
    fileprivate func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    fileprivate func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
